// Real headless Chromium with the built extension installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Extension, type Page, type WebWorker } from 'puppeteer-core';
import type { PipelineStats } from '../../../src/offscreen/tab-pipeline.ts';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/lib/chromium/chromium', // Debian: the real binary behind the /usr/bin/chromium wrapper
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function findChromium(): string | null {
  return CANDIDATES.find((p): p is string => !!p && fs.existsSync(p)) ?? null;
}

export interface ExtensionBrowser {
  browser: Browser;
  extension: Extension;
  extensionId: string;
  /** The extension's service worker. */
  worker(): Promise<WebWorker>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra Chromium switches, e.g. `--lang=ar` for the Arabic UI. */
  args?: string[];
  /** Extra environment (Chromium on Linux also reads the UI language from LANGUAGE). */
  env?: Record<string, string>;
}

export async function launchWithExtension(distDir: string, options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('No Chromium found (set CHROMIUM_PATH)');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tab-captions-e2e-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    // With --mute-audio Chrome hands tab capture all-zero samples.
    ignoreDefaultArgs: ['--mute-audio'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      '--window-size=1280,800',
      ...(options.args ?? []),
    ],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    defaultViewport: { width: 1280, height: 800 },
  });
  const extensionId = await browser.installExtension(distDir);
  const extension = (await browser.extensions()).get(extensionId);
  if (!extension) throw new Error(`extension ${extensionId} installed but not listed`);
  return {
    browser,
    extension,
    extensionId,
    async worker() {
      const target = await browser.waitForTarget(
        (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`),
        { timeout: 15_000 },
      );
      const worker = await target.worker();
      if (!worker) throw new Error('service worker target without a worker');
      return worker;
    },
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Clicks the extension's toolbar button for `page` (a real user gesture, which tabCapture
 * requires) and returns the popup page that opens.
 */
export async function openPopup(eb: ExtensionBrowser, page: Page): Promise<Page> {
  await page.bringToFront();
  const popupUrl = `chrome-extension://${eb.extensionId}/src/popup/index.html`;
  // Only one popup is open at a time; wait for the new one, not a closing old one.
  const before = new Set(eb.browser.targets().filter((t) => t.url().startsWith(popupUrl)));
  const waiting = eb.browser.waitForTarget((t) => t.url().startsWith(popupUrl) && !before.has(t), { timeout: 15_000 });
  await page.triggerExtensionAction(eb.extension);
  const target = await waiting;
  const popup = await target.asPage();
  await popup.waitForSelector('#toggle', { timeout: 15_000 });
  return popup;
}

/** Fills the popup's settings and presses Start; resolves when the popup shows "Live". */
export async function startFromPopup(popup: Page, serverUrl: string, engine = 'sphinx'): Promise<void> {
  await popup.select('#engine', engine);
  await popup.click('#server-url', { count: 3 });
  await popup.keyboard.press('Backspace');
  await popup.type('#server-url', serverUrl);
  await popup.click('#toggle');
  await popup.waitForSelector('#status[data-phase="live"]', { timeout: 30_000 });
}

/** The tab ids the extension has sessions for, read in its service worker. */
export async function sessionStates(eb: ExtensionBrowser): Promise<Record<string, { tabId: number; phase: string }>> {
  const worker = await eb.worker();
  return worker.evaluate(() => chrome.storage.session.get(null)) as Promise<Record<string, { tabId: number; phase: string }>>;
}

export async function badgeText(eb: ExtensionBrowser, tabId: number): Promise<string> {
  const worker = await eb.worker();
  return worker.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId);
}

/** The offscreen document's page, when it exists. */
export async function offscreenPage(eb: ExtensionBrowser): Promise<Page | null> {
  const target = eb.browser.targets().find((t) => t.url().includes('/src/offscreen/offscreen.html'));
  return target ? target.asPage() : null;
}

/** Every captured tab's pipeline figures, read in the offscreen document; empty when it is not open. */
export async function offscreenStats(eb: ExtensionBrowser): Promise<PipelineStats[]> {
  const off = await offscreenPage(eb);
  return off ? off.evaluate(() => (globalThis as unknown as { tabCaptionsStats(): PipelineStats[] }).tabCaptionsStats()) : [];
}

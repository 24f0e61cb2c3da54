// The extension's trust boundary in real headless Chromium: the server token moves from sync to
// local storage, content scripts cannot read it or drive the background, and the popup and the
// options page warn before the token goes to another machine unencrypted.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import { buildExtension } from './helpers/build.ts';
import { findChromium, launchWithExtension, openPopup, sessionStates, type ExtensionBrowser } from './helpers/chromium.ts';

const SCREENSHOT = path.join(repoRoot, 'docs/screenshots/token-warning.png');
const REMOTE = 'ws://192.0.2.10:7860/ws'; // TEST-NET-1: never contacted, only named

/** Evaluates `expression` in the extension's content-script world of `page` (what a compromised renderer runs). */
async function inContentScript(page: Page, expression: string): Promise<unknown> {
  const cdp: CDPSession = await page.createCDPSession();
  const contexts: { id: number; name: string; origin: string; auxData?: { type?: string } }[] = [];
  cdp.on('Runtime.executionContextCreated', (e: { context: (typeof contexts)[number] }) => contexts.push(e.context));
  await cdp.send('Runtime.enable');
  const world = contexts.find((c) => c.auxData?.type === 'isolated' && c.origin.startsWith('chrome-extension://'));
  if (!world) throw new Error(`no content-script world: ${JSON.stringify(contexts.map((c) => c.name))}`);
  const res = await cdp.send('Runtime.evaluate', { contextId: world.id, expression, awaitPromise: true, returnByValue: true });
  await cdp.detach();
  return res.result.value;
}

describe('token storage, sender checks and the clear-text warning (real Chromium)', () => {
  let eb: ExtensionBrowser;
  let site: http.Server;
  let siteUrl: string;

  beforeAll(async () => {
    if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
    const dist = buildExtension();
    site = http.createServer((_req, res) => res.end('<!doctype html><title>A page</title><h1>A page</h1>'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    eb = await launchWithExtension(dist);
  });

  afterAll(async () => {
    await eb?.close();
    await new Promise((r) => site?.close(r));
  });

  it('moves a token left in sync by an older version to local storage, and warns about ws:// to another host', async () => {
    const worker = await eb.worker();
    // Right after install the worker's first script context may not have the extension APIs yet.
    for (let i = 0; i < 50 && (await worker.evaluate(() => typeof chrome === 'undefined' || !chrome.storage)); i++) await new Promise((r) => setTimeout(r, 100));
    // What an older version left: the token inside the synced settings.
    await worker.evaluate((url) => chrome.storage.sync.set({ settings: { serverUrl: url, engine: 'sphinx', serverToken: 'old-synced-token' } }), REMOTE);

    const options = await eb.browser.newPage();
    await options.setViewport({ width: 900, height: 900 });
    await options.goto(`chrome-extension://${eb.extensionId}/src/options/index.html`);
    await options.waitForSelector('#server-token');
    expect(await options.$eval('#server-token', (el) => (el as HTMLInputElement).value)).toBe('old-synced-token');
    const stored = await options.evaluate(async () => ({ sync: await chrome.storage.sync.get(null), local: await chrome.storage.local.get('serverToken') }));
    expect(stored.local).toEqual({ serverToken: 'old-synced-token' });
    expect(JSON.stringify(stored.sync)).not.toContain('old-synced-token');
    expect((stored.sync.settings as { serverUrl: string }).serverUrl).toBe(REMOTE);

    // ws:// to 192.0.2.10 with a token: a clear warning naming the host.
    const warning = await options.waitForSelector('#token-cleartext-warning');
    expect(await warning!.evaluate((el) => el.textContent)).toContain('192.0.2.10:7860');
    expect(await options.$eval('#server-url', (el) => el.getAttribute('aria-describedby'))).toBe('token-cleartext-warning');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await (await options.$('section'))!.screenshot({ path: SCREENSHOT as `${string}.png` });

    // A token typed in the options page goes to local storage only.
    await options.click('#server-token', { count: 3 });
    await options.type('#server-token', 'typed-token');
    await options.waitForFunction(async () => (await chrome.storage.local.get('serverToken')).serverToken === 'typed-token', { polling: 100 });
    expect(JSON.stringify(await options.evaluate(() => chrome.storage.sync.get(null)))).not.toContain('typed-token');

    // Loopback or wss://: no warning.
    for (const url of ['ws://localhost:7860/ws', 'wss://captions.example/ws']) {
      await options.click('#server-url', { count: 3 });
      await options.keyboard.press('Backspace');
      await options.type('#server-url', url);
      await options.waitForFunction(() => !document.getElementById('token-cleartext-warning'));
    }
    // Back to the remote ws:// address: the popup warns too, before Start is pressed.
    await options.click('#server-url', { count: 3 });
    await options.keyboard.press('Backspace');
    await options.type('#server-url', REMOTE);
    await options.waitForSelector('#token-cleartext-warning');
    await options.close();

    const page = await eb.browser.newPage();
    await page.goto(siteUrl);
    const popup = await openPopup(eb, page);
    const popupWarning = await popup.waitForSelector('#token-cleartext-warning');
    expect(await popupWarning!.evaluate((el) => el.textContent)).toContain('192.0.2.10:7860');
    await popup.close();
    await page.close();
  });

  it('content scripts can read neither the token nor storage.local, and cannot start or stop captions', async () => {
    const page = await eb.browser.newPage();
    await page.goto(siteUrl);
    await page.waitForFunction(() => document.readyState === 'complete');
    // The content script is there and may say hello (the one message it sends).
    let hello: unknown = null;
    for (let i = 0; i < 20 && !hello; i++) {
      hello = await inContentScript(page, `chrome.runtime.sendMessage({ to: 'background', type: 'content-hello' }).then((r) => r, (e) => null)`).catch(() => null);
      if (!hello) await new Promise((r) => setTimeout(r, 250));
    }
    // No session on this tab; the top frame shows captions until the background picks another.
    expect(hello).toEqual({ state: null, showsCaptions: true });

    const read = await inContentScript(page, `chrome.storage.local.get(null).then((r) => 'read:' + JSON.stringify(r), (e) => 'denied: ' + e.message)`);
    expect(read).toMatch(/^denied: /);
    const syncRead = await inContentScript(page, `chrome.storage.sync.get(null).then((r) => JSON.stringify(r), (e) => 'denied')`);
    expect(syncRead).not.toContain('token');

    // A start towards a server of the page's choosing, and a stop/list for other tabs: ignored.
    const forged = await inContentScript(
      page,
      `Promise.all([
        chrome.runtime.sendMessage({ to: 'background', type: 'start', tabId: 1, settings: { serverUrl: 'ws://127.0.0.1:9/ws' } }),
        chrome.runtime.sendMessage({ to: 'background', type: 'stop', tabId: 1 }),
        chrome.runtime.sendMessage({ to: 'offscreen', type: 'list' }),
      ].map((p) => p.then((r) => r ?? 'no answer', (e) => 'no answer')))`,
    );
    expect(forged).toEqual(['no answer', 'no answer', 'no answer']);
    expect(await sessionStates(eb)).toEqual({});
    await page.close();
  });
});

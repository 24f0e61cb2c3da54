// Translated captions end to end: the built extension in real headless Chromium, our real
// server (sphinx + real Apertium eng→spa, started by the server on loopback), real English
// speech playing in a page. Spanish must appear in the page's overlay DOM, each translation
// right under the English lines it covers. A second test checks what Chromium's built-in
// Translator API really does here (availability, the popup's download gesture, the fallback).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import type { RunningServer } from '../helpers/server-process.ts';
import { waitForCaptionsToSettle } from './helpers/caption-recorder.ts';
import { offscreenPage, openPopup, startFromPopup, type ExtensionBrowser } from './helpers/chromium.ts';
import { openSpeechPage as openPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';
import type { SpeechTrack, TestPageServer } from './helpers/test-page.ts';

const SCREENSHOT = path.join(repoRoot, 'docs/screenshots/captions-translated.png');
const RESULTS = path.join(repoRoot, 'test-results/e2e-translation.json');
/** Common Spanish words; Apertium's eng→spa output of these clips is full of them. */
const SPANISH = /\b(el|la|los|las|de|del|que|y|en|un|una|no|era|hombre|joven|ser|para|su|con|a)\b/i;

interface Pairing {
  /** Id of the caption line the translation is shown under (same cue). */
  above: string | null;
  aboveKind: string | null;
  text: string;
  lang: string;
}

/** Starts polling the overlay for translation elements and what sits right above each. */
async function installTranslationRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, Pairing> = {};
    (window as unknown as { __translations: Record<string, Pairing> }).__translations = seen;
    setInterval(() => {
      const root = document.querySelector('tab-captions-overlay')?.shadowRoot;
      if (!root) return;
      for (const el of root.querySelectorAll<HTMLElement>('.translation')) {
        if (el.hidden || !el.textContent) continue;
        const prev = el.previousElementSibling as HTMLElement | null;
        seen[`${prev?.dataset.segmentId}|${el.textContent}`] = {
          above: prev?.dataset.segmentId ?? null,
          aboveKind: prev?.dataset.kind ?? null,
          text: el.textContent ?? '',
          lang: el.lang,
        };
      }
    }, 100);
  });
}

const recordedTranslations = (page: Page) =>
  page.evaluate(() => Object.values((window as unknown as { __translations: Record<string, Pairing> }).__translations));

/** Every final line's id → text, from the caption recorder. */
const finalTexts = (page: Page) =>
  page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const e of (window as unknown as { __captionEvents: { id: string; kind: string; text: string }[] }).__captionEvents) {
      if (e.kind === 'final') out[e.id] = e.text;
    }
    return out;
  });

async function chooseTranslation(popup: Page, target: string, provider: string): Promise<void> {
  await popup.select('#target-language', target);
  await popup.waitForSelector('#translation-provider');
  await popup.select('#translation-provider', provider);
}

describe('translated captions end to end (real Chromium, real server, real Apertium)', () => {
  let server: RunningServer;
  let eb: ExtensionBrowser;
  let track: SpeechTrack;
  let site: TestPageServer;
  let suite: ExtensionSuite;
  const results: Record<string, unknown> = {};

  beforeAll(async () => {
    suite = await startExtensionSuite({
      clips: ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920'],
      title: 'A lecture with translated captions',
      serverArgs: ['--engine', 'sphinx', '--translate', 'apertium'],
    });
    ({ server, eb, track, site } = suite);
  });

  afterAll(async () => {
    await suite?.close();
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2));
  });

  async function openSpeechPage(): Promise<Page> {
    const page = await openPage(eb, site.url);
    await installTranslationRecorder(page);
    return page;
  }

  /** Plays the track to its end, taking a screenshot once Spanish is on screen under English. */
  async function playThrough(page: Page, screenshot?: string): Promise<boolean> {
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());
    let shot = false;
    let clean = false; // a shot where nothing is clipped at the top
    const deadline = Date.now() + (track.seconds + 40) * 1000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      if (screenshot && !clean) {
        const view = await page.evaluate(() => {
          const root = document.querySelector('tab-captions-overlay')?.shadowRoot;
          const cue = root?.querySelector<HTMLElement>('.cue[data-translated="true"][data-fading="false"]');
          const under = !!cue && cue.querySelector('.line + .translation:not([hidden])') !== null;
          return { under, clipped: root?.querySelector<HTMLElement>('.lines')?.dataset.overflow === 'true' };
        });
        if (view.under) {
          fs.mkdirSync(path.dirname(screenshot), { recursive: true });
          await page.screenshot({ path: screenshot as `${string}.png` });
          shot = true;
          clean = !view.clipped;
        }
      }
      if (await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).ended)) break;
      if (Date.now() > deadline) throw new Error('video did not end');
    }
    await waitForCaptionsToSettle(page, { quietMs: 4000, maxMs: 45_000, minFinals: 2 });
    await new Promise((r) => setTimeout(r, 1500)); // the last translation follows its final
    return shot;
  }

  /** Apertium's own translation of `text`, straight from the server. */
  async function apertium(text: string): Promise<string> {
    const res = await fetch(`${server.httpUrl}/translate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: [text], source: 'en', target: 'es' }),
    });
    return (await res.json()).translatedText[0];
  }

  const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}']+/u).filter(Boolean);
  /** Share of `expected`'s words found in `shown`. */
  const overlap = (expected: string, shown: string) => {
    const have = new Set(words(shown));
    const want = words(expected);
    return want.filter((w) => have.has(w)).length / Math.max(1, want.length);
  };

  async function checkPairings(pairings: Pairing[], finals: Record<string, string>) {
    expect(pairings.length).toBeGreaterThanOrEqual(2);
    for (const p of pairings) {
      // Under a final English line, and it is that line's translation (a sentence joined from
      // several finals starts at its first line), not a neighbour's: never the wrong line.
      expect(p.aboveKind).toBe('final');
      const english = finals[p.above!];
      expect(english, `final ${p.above}`).toBeTruthy();
      expect(p.lang).toBe('es');
      const own = overlap(await apertium(english!), p.text);
      expect(own, `"${p.text}" under "${english}"`).toBeGreaterThanOrEqual(0.6);
    }
    const spanish = pairings.map((p) => p.text).join(' ');
    expect(spanish).toMatch(SPANISH);
    expect(spanish).not.toBe(Object.values(finals).join(' '));
  }

  it('shows Spanish under the English captions (server translation, pushed)', async () => {
    const page = await openSpeechPage();
    const popup = await openPopup(eb, page);
    await chooseTranslation(popup, 'es', 'server');
    await startFromPopup(popup, server.wsUrl, 'sphinx');
    const shot = await playThrough(page, SCREENSHOT);
    const pairings = await recordedTranslations(page);
    const finals = await finalTexts(page);
    const status = await popup.evaluate(() => {
      const el = document.getElementById('translation-status');
      return el ? { provider: el.dataset.provider, text: el.textContent } : null;
    });
    results.pushed = { pairings, finals, status, screenshot: shot };
    console.log('[e2e] pushed translations:', JSON.stringify(results.pushed, null, 2));
    await checkPairings(pairings, finals);
    expect(status?.provider).toBe('push');
    expect(shot).toBe(true);
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
    await popup.close().catch(() => {});
    await page.close();
  });

  it("Chromium's built-in Translator: availability, the download gesture, fallback to the server", async () => {
    const page = await openSpeechPage();
    const popup = await openPopup(eb, page);
    const api = await popup.evaluate(() => ({ inPopup: 'Translator' in self, version: navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] }));
    await chooseTranslation(popup, 'es', 'auto');
    // The popup asks Translator.availability for the pair and shows the answer.
    await popup.waitForSelector('#chrome-translator:not([data-state="checking"])', { timeout: 15_000 });
    const availability = await popup.$eval('#chrome-translator', (el) => (el as HTMLElement).dataset.state);
    const download: Record<string, unknown> = { availability };
    if (availability === 'downloadable') {
      // The click is the user gesture Translator.create needs; progress shows while it runs.
      const clickedAt = Date.now();
      await popup.click('#chrome-download');
      await popup.waitForSelector('#chrome-translator[data-state="downloading-model"] progress', { timeout: 5_000 });
      download.progressShown = true;
      // Offline (no route to Google's model servers) create() never settles; the popup's
      // deadline ends the wait with a clear message.
      await popup.waitForSelector('#chrome-translator[data-state="failed"], #chrome-translator[data-state="available"]', { timeout: 60_000 });
      download.outcome = await popup.$eval('#chrome-translator', (el) => ({ state: (el as HTMLElement).dataset.state, text: el.textContent }));
      download.seconds = (Date.now() - clickedAt) / 1000;
    }
    // Where the API is exposed: the page, the content script's isolated world, the service
    // worker (the offscreen document is checked once captions run, below).
    const probe = "(async () => 'Translator' in self ? await Translator.availability({ sourceLanguage: 'en', targetLanguage: 'es' }) : 'absent')()";
    const cdp = await page.createCDPSession();
    const contexts: { id: number; name: string; auxData?: { type?: string } }[] = [];
    cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
    await cdp.send('Runtime.enable');
    const contentWorld = contexts.find((c) => c.auxData?.type === 'isolated' && c.name === 'Tab Captions');
    const inContext = async (contextId?: number) =>
      (await cdp.send('Runtime.evaluate', { expression: probe, awaitPromise: true, returnByValue: true, ...(contextId ? { contextId } : {}) })).result.value;
    const exposure: Record<string, unknown> = {
      page: await inContext(),
      contentScript: contentWorld ? await inContext(contentWorld.id) : 'content script context not found',
      serviceWorker: await (await eb.worker()).evaluate(probe),
      popup: await popup.evaluate(probe),
    };
    await cdp.detach();
    results.builtIn = { api, download, exposure };
    console.log('[e2e] built-in Translator:', JSON.stringify(results.builtIn, null, 2));
    expect(api.inPopup).toBe(true);
    expect(['downloadable', 'available']).toContain(availability);

    // Captions with `auto`: the offscreen document tries Chrome first; without the model it
    // falls back to the server's /translate, and Spanish still appears under the English.
    await startFromPopup(popup, server.wsUrl, 'sphinx');
    await playThrough(page);
    const pairings = await recordedTranslations(page);
    const finals = await finalTexts(page);
    const status = await popup.evaluate(() => {
      const el = document.getElementById('translation-status');
      return el ? { provider: el.dataset.provider, text: el.textContent } : null;
    });
    const off = await offscreenPage(eb);
    exposure.offscreen = off ? await off.evaluate(probe) : 'no offscreen document';
    Object.assign(results.builtIn as object, { pairings, status });
    console.log('[e2e] auto provider:', JSON.stringify({ pairings, status }, null, 2));
    await checkPairings(pairings, finals);
    console.log('[e2e] Translator exposure:', JSON.stringify(exposure));
    // The popup (download) and the offscreen document (translating) are where we use it.
    expect(['available', 'downloadable', 'downloading']).toContain(exposure.popup);
    expect(['available', 'downloadable', 'downloading']).toContain(exposure.offscreen);
    if (availability === 'downloadable') {
      expect(download.outcome).toMatchObject({ state: 'failed', text: expect.stringMatching(/translated by the server instead/) });
      expect(status).toMatchObject({ provider: 'server', text: expect.stringMatching(/Chrome's on-device translator failed/) });
    }
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
    await page.close();
  });
});

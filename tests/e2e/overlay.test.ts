// The caption overlay and the extension's pages as a user meets them: the built extension in
// real headless Chromium, our real server (sphinx), real speech playing in a <video>.
// Checks geometry numerically and writes the README's screenshots to docs/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { buildExtension } from './helpers/build.ts';
import { captionEvents, installCaptionRecorder, summarize } from './helpers/caption-recorder.ts';
import { findChromium, launchWithExtension, offscreenPage, openPopup, sessionStates, startFromPopup, type ExtensionBrowser } from './helpers/chromium.ts';
import { makeSpeechTrack, serveTestPage, type SpeechTrack, type TestPageServer } from './helpers/test-page.ts';
import { inside, type Box } from './helpers/geometry.ts';

const SHOTS = path.join(repoRoot, 'docs/screenshots');
const shot = (name: string) => path.join(SHOTS, name) as `${string}.png`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** The caption panel's and the video's boxes, as the page lays them out. */
function geometry(page: Page) {
  return page.evaluate(() => {
    const box = (r: DOMRect) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height });
    const host = document.querySelector('tab-captions-overlay') as HTMLElement | null;
    const panel = host?.shadowRoot?.querySelector('.panel') as HTMLElement | null;
    const video = document.getElementById('player');
    return {
      placement: host?.dataset.placement ?? null,
      inTopLayer: !!host?.matches(':popover-open'),
      visible: panel ? getComputedStyle(panel).opacity !== '0' : false,
      panel: panel ? box(panel.getBoundingClientRect()) : null,
      video: video ? box(video.getBoundingClientRect()) : null,
      viewport: { width: window.innerWidth, height: window.innerHeight },
    };
  });
}


/** Waits until the overlay shows at least one line (speech is playing and being captioned). */
async function waitForVisibleCaptions(page: Page, timeout = 45_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const panel = document.querySelector('tab-captions-overlay')?.shadowRoot?.querySelector('.panel') as HTMLElement | null;
      return !!panel && panel.dataset.empty === 'false' && panel.querySelectorAll('.line').length > 0;
    },
    { timeout, polling: 200 },
  );
}

describe('caption overlay and extension pages (real Chromium, real server)', () => {
  let server: RunningServer;
  let eb: ExtensionBrowser;
  let track: SpeechTrack;
  let site: TestPageServer;
  let dist: string;
  // Chromium saves chrome.downloads files to $HOME/Downloads: a throwaway home keeps them out of the user's.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tab-captions-home-'));
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
    dist = buildExtension();
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer(['--engine', 'sphinx']);
    // About 75 s of real speech with pauses: long enough to drag, reload and go fullscreen while it plays.
    track = makeSpeechTrack(['en-jfk', 'en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-librivox-0930']);
    site = await serveTestPage(track, 'A lecture with live captions');
    eb = await launchWithExtension(dist, { env: { HOME: home } });
    await eb.worker();
  });

  afterAll(async () => {
    console.log('[e2e overlay] figures:', JSON.stringify(figures, null, 2));
    await eb?.close();
    await site?.close();
    await server?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('follows the video, applies the style live, is dragged, remembers the spot per site, follows SPA navigation and fullscreen', async () => {
    const page = await eb.browser.newPage();
    await page.goto(site.url);
    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
    await installCaptionRecorder(page);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, server.wsUrl, 'sphinx');
    const tabId = Object.values(await sessionStates(eb)).find((s) => s.phase === 'live')!.tabId;
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());

    // 1. Over the video: the caption panel lies inside the video's box, centred near its bottom.
    await page.waitForFunction(() => (window.__captionEvents ?? []).some((e) => e.kind === 'final'), { timeout: 60_000 });
    await waitForVisibleCaptions(page);
    const g1 = await geometry(page);
    figures.overVideo = g1;
    expect(g1.placement).toBe('video');
    expect(g1.inTopLayer).toBe(true);
    expect(inside(g1.panel!, g1.video!)).toBe(true);
    expect(Math.abs((g1.panel!.left + g1.panel!.right) / 2 - (g1.video!.left + g1.video!.right) / 2)).toBeLessThan(2);
    expect(g1.video!.bottom - g1.panel!.bottom).toBeCloseTo(58, 0); // clear of the native controls
    // Finished lines are announced politely to screen readers.
    const live = await page.evaluate(() => {
      const log = document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('[aria-live="polite"]');
      return { role: log?.getAttribute('role'), text: log?.textContent ?? '' };
    });
    expect(live.role).toBe('log');
    expect(live.text).toMatch(/\w{3}/);
    await page.screenshot({ path: shot('overlay-over-video.png') });

    // 2. A translation arrives through the background, sent from the offscreen document as the
    // translation code sends it (the background takes translations from nobody else): it shows
    // under the line it covers and lands in the transcript.
    const lastFinal = (await captionEvents(page)).filter((e) => e.kind === 'final').at(-1)!;
    const translation = { ids: [lastFinal.id], text: 'ترجمة: نختار أن نذهب إلى القمر', language: 'ar', provider: 'push' };
    await (await offscreenPage(eb))!.evaluate((msg) => chrome.runtime.sendMessage(msg), { to: 'background', type: 'translation', tabId, translation });
    const shownTranslation = await page
      .waitForFunction(
        (id) => {
          const root = document.querySelector('tab-captions-overlay')!.shadowRoot!;
          const line = [...root.querySelectorAll<HTMLElement>('.line')].find((l) => l.dataset.segmentId === id);
          const tr = line?.parentElement?.querySelector<HTMLElement>('.translation');
          return tr && !tr.hidden ? { text: tr.textContent, dir: tr.dir, lang: tr.lang } : null;
        },
        { timeout: 10_000 },
        lastFinal.id,
      )
      .then((h) => h.jsonValue());
    expect(shownTranslation).toEqual({ text: translation.text, dir: 'auto', lang: 'ar' });
    await page.screenshot({ path: shot('overlay-translation.png') });

    // 3. Style settings apply live to the running overlay (no restart).
    const before = await page.evaluate(() => {
      const panel = document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.panel')!;
      return parseFloat(getComputedStyle(panel).fontSize);
    });
    await popup.evaluate(() =>
      chrome.storage.sync.set({
        captionStyle: { fontScale: 150, font: 'serif', textColor: '#ffe08a', backgroundColor: '#102040', backgroundOpacity: 0.6, lines: 2, display: 'both', hideAfterSeconds: 6 },
      }),
    );
    const styled = await page
      .waitForFunction(
        () => {
          const panel = document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.panel')!;
          const cs = getComputedStyle(panel);
          return cs.color === 'rgb(255, 224, 138)' ? { color: cs.color, background: cs.backgroundColor, fontSize: parseFloat(cs.fontSize), font: cs.fontFamily } : null;
        },
        { timeout: 10_000 },
      )
      .then((h) => h.jsonValue());
    expect(styled!.background).toBe('rgba(16, 32, 64, 0.6)');
    expect(styled!.fontSize / before).toBeCloseTo(1.5, 1);
    expect(styled!.font).toMatch(/Georgia|serif/);
    await waitForVisibleCaptions(page);
    const g2 = await geometry(page);
    expect(inside(g2.panel!, g2.video!)).toBe(true);
    await page.screenshot({ path: shot('overlay-styled.png') });
    await popup.evaluate(() => chrome.storage.sync.remove('captionStyle'));
    await popup.close();

    // 4. Drag the panel up and to the left with the mouse, as a user would.
    await waitForVisibleCaptions(page);
    const g3 = await geometry(page);
    const from = { x: g3.panel!.left + 30, y: (g3.panel!.top + g3.panel!.bottom) / 2 };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x - 30, from.y - 120, { steps: 8 });
    await page.mouse.move(from.x - 60, from.y - 260, { steps: 8 });
    await page.mouse.up();
    const g4 = await geometry(page);
    figures.drag = { before: g3.panel, after: g4.panel };
    expect(g4.panel!.left - g3.panel!.left).toBeCloseTo(-60, 0);
    expect(g4.panel!.bottom - g3.panel!.bottom).toBeCloseTo(-260, 0);
    expect(inside(g4.panel!, g4.video!)).toBe(true);
    // The video was not paused by the drag (the page never saw the click).
    expect(await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).paused)).toBe(false);
    const worker = await eb.worker();
    const origin = new URL(site.url).origin;
    const saved = (await worker.evaluate((key) => chrome.storage.local.get(key), `placement:${origin}`)) as Record<string, { cx: number; bottom: number; width: number }>;
    const placement = saved[`placement:${origin}`];
    expect(placement.cx).toBeCloseTo(((g4.panel!.left + g4.panel!.right) / 2 - g4.video!.left) / g4.video!.width, 2);
    expect(placement.bottom).toBeCloseTo((g4.panel!.bottom - g4.video!.top) / g4.video!.height, 2);
    await page.screenshot({ path: shot('overlay-dragged.png') });

    // 5. Reload the page: the session goes on and the captions come back where they were left.
    const dragged = { ...g4.panel!, videoLeft: g4.video!.left, videoTop: g4.video!.top };
    await page.reload();
    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
    await installCaptionRecorder(page);
    await page.evaluate(() => {
      const v = document.getElementById('player') as HTMLVideoElement;
      v.currentTime = 14; // skip the clip already heard
      return v.play();
    });
    await waitForVisibleCaptions(page);
    const g5 = await geometry(page);
    figures.afterReload = g5.panel;
    expect(g5.panel!.left - g5.video!.left).toBeCloseTo(dragged.left - dragged.videoLeft, 0);
    expect(g5.panel!.bottom - g5.video!.top).toBeCloseTo(dragged.bottom - dragged.videoTop, 0);
    expect(g5.panel!.width).toBeCloseTo(dragged.width, 0);
    await page.screenshot({ path: shot('overlay-after-reload.png') });

    // 6. An SPA navigation (history.pushState) swaps the player for a smaller one elsewhere on
    // the page: the overlay follows the new video.
    await page.evaluate(() => {
      const old = document.getElementById('player') as HTMLVideoElement;
      const at = old.currentTime;
      history.pushState({}, '', '/watch/next');
      const v = document.createElement('video');
      v.src = old.currentSrc;
      v.controls = true;
      v.style.cssText = 'width: 720px !important; height: 405px !important; margin-left: 220px';
      old.remove();
      v.id = 'player';
      document.querySelector('main')!.insertBefore(v, document.getElementById('info'));
      v.currentTime = at;
      return v.play();
    });
    await page.waitForFunction(
      () => {
        const host = document.querySelector('tab-captions-overlay') as HTMLElement;
        const v = document.getElementById('player')!.getBoundingClientRect();
        const h = host.getBoundingClientRect();
        return Math.abs(h.left - v.left) < 1 && Math.abs(h.width - v.width) < 1 && location.pathname === '/watch/next';
      },
      { timeout: 10_000 },
    );
    await waitForVisibleCaptions(page);
    const g6 = await geometry(page);
    figures.afterSpaNavigation = g6;
    expect(g6.video!.width).toBeCloseTo(720, 0);
    expect(inside(g6.panel!, g6.video!)).toBe(true);
    await page.screenshot({ path: shot('overlay-spa-navigation.png') });

    // 7. Fullscreen: the overlay covers the fullscreen video, in the top layer, and keeps the
    // user's placement (relative to the video, so it scales).
    await page.click('#fs');
    await page.waitForFunction(() => document.fullscreenElement?.id === 'player');
    await sleep(500);
    await waitForVisibleCaptions(page);
    const g7 = await geometry(page);
    figures.fullscreen = g7;
    expect(g7.inTopLayer).toBe(true);
    expect(g7.video).toMatchObject({ left: 0, top: 0, width: g7.viewport.width, height: g7.viewport.height });
    expect(inside(g7.panel!, g7.video!)).toBe(true);
    expect(((g7.panel!.left + g7.panel!.right) / 2) / g7.viewport.width).toBeCloseTo(placement.cx, 1);
    await page.screenshot({ path: shot('overlay-fullscreen.png') });
    await page.evaluate(() => document.exitFullscreen());

    // 8. Window resize: still inside the (reflowed) video.
    await page.setViewport({ width: 900, height: 700 });
    await sleep(400);
    const g8 = await geometry(page);
    expect(inside(g8.panel!, g8.video!)).toBe(true);
    await page.setViewport({ width: 1280, height: 800 });

    // 9. Auto-hide: after the speech ends the panel fades out by itself (default 6 s of silence).
    await page.evaluate(() => {
      const v = document.getElementById('player') as HTMLVideoElement;
      v.pause();
    });
    await page.waitForFunction(
      () => (document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.panel') as HTMLElement).dataset.empty === 'true',
      { timeout: 30_000, polling: 250 },
    );

    // 10. The transcript panel: every final with timestamps and the translation; search; export.
    const stopper = await openPopup(eb, page);
    await stopper.click('#toggle');
    await stopper.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });
    // The popup's Transcript button opens the side panel (or, where there is none, a tab) for this tab.
    const transcriptPage = `chrome-extension://${eb.extensionId}/src/transcript/index.html`;
    const opened = eb.browser.waitForTarget((tg) => tg.url().startsWith(transcriptPage), { timeout: 15_000 });
    await stopper.click('#open-transcript');
    const openedPage = await (await opened).asPage();
    // Whichever it is, it shows this tab's transcript.
    await openedPage.waitForSelector('#entries .entry', { timeout: 10_000 });
    const sidePanels = await (await eb.worker()).evaluate(() =>
      chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.SIDE_PANEL] }).then((c) => c.length),
    );
    figures.transcriptOpenedIn = sidePanels > 0 ? 'side panel' : 'tab (fallback)';
    await stopper.close().catch(() => {}); // it closes itself after opening the panel
    const panel = await eb.browser.newPage();
    await panel.setViewport({ width: 420, height: 800 });
    await panel.goto(`chrome-extension://${eb.extensionId}/src/transcript/index.html?tab=${tabId}`);
    await panel.waitForSelector('#entries .entry');
    const entries = await panel.$$eval('#entries .entry', (els) =>
      els.map((el) => ({ stamp: el.querySelector('.stamp')!.textContent, text: el.querySelector('.original')?.textContent, tr: el.querySelector('.translated')?.textContent ?? null })),
    );
    figures.transcriptEntries = entries.length;
    expect(entries.length).toBeGreaterThanOrEqual(2);
    // Every line the overlay finished since the reload is in the transcript, word for word.
    const sinceReload = summarize(await captionEvents(page)).finals.map((f) => f.text);
    expect(sinceReload.length).toBeGreaterThan(0);
    expect(entries.map((e) => e.text)).toEqual(expect.arrayContaining(sinceReload));
    expect(entries.every((e) => /^\d\d:\d\d:\d\d$/.test(e.stamp!))).toBe(true);
    expect(entries.map((e) => e.stamp)).toEqual([...entries.map((e) => e.stamp)].sort());
    expect(entries.find((e) => e.tr)?.tr).toBe(translation.text);
    await panel.screenshot({ path: shot('transcript-panel.png') });
    const word = entries[0].text!.split(/\s+/).find((w) => w.length >= 4)!.toLowerCase().replace(/[^\p{L}]/gu, '');
    await panel.type('#search', word);
    const filtered = await panel.$$eval('#entries .entry .original', (els) => els.map((el) => el.textContent!.toLowerCase()));
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.length).toBeLessThanOrEqual(entries.length);
    expect(filtered.every((t) => t.includes(word))).toBe(true);
    await panel.click('#search', { count: 3 });
    await panel.keyboard.press('Backspace');

    const exported: Record<string, string> = {};
    for (const format of ['srt', 'vtt', 'txt'] as const) {
      await panel.click(`#export-${format}`);
      const file = await panel
        .waitForFunction(
          async (ext) => {
            const [d] = await chrome.downloads.search({ filenameRegex: `\\.${ext}$`, state: 'complete' });
            return d?.filename ?? null;
          },
          { timeout: 15_000, polling: 200 },
          format,
        )
        .then((h) => h.jsonValue() as Promise<string>);
      // Named after the page and the session's start, saved where Chrome saves downloads.
      expect(path.basename(file)).toMatch(new RegExp(`^captions-A-lecture-with-live-captions-\\d{4}-\\d\\d-\\d\\d_\\d{4}\\.${format}$`));
      expect(path.dirname(file)).toBe(path.join(home, 'Downloads'));
      exported[format] = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    }
    const cues = exported.srt.trim().split(/\n\n/);
    expect(cues).toHaveLength(entries.length);
    expect(cues[0]).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n\S/);
    expect(exported.srt).toContain(translation.text);
    expect(exported.vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(exported.vtt.match(/ --> /g)).toHaveLength(entries.length);
    expect(exported.txt.split('\n')[0]).toMatch(/^\[\d\d:\d\d:\d\d\] \S/);
    figures.srtHead = exported.srt.slice(0, 300);
    await panel.close();
    await page.close();
  });

  it('shows the popup and options page in Arabic, right to left', async () => {
    const ar = await launchWithExtension(dist, { args: ['--lang=ar'], env: { LANGUAGE: 'ar', LANG: 'ar_EG.UTF-8' } });
    try {
      await ar.worker();
      const page = await ar.browser.newPage();
      await page.goto(site.url);
      const popup = await openPopup(ar, page);
      const view = await popup.evaluate(() => {
        const form = document.querySelector('.settings')!.getBoundingClientRect();
        // The label's text, not its (full-width) box.
        const range = document.createRange();
        range.selectNodeContents(document.querySelector('label[for="engine"]')!);
        const label = range.getBoundingClientRect();
        return {
          dir: document.documentElement.dir,
          lang: document.documentElement.lang,
          uiLanguage: chrome.i18n.getUILanguage(),
          acceptLanguages: navigator.languages,
          title: document.querySelector('h1')!.textContent,
          toggle: document.getElementById('toggle')!.textContent,
          status: document.getElementById('status')!.textContent,
          labelGapRight: form.right - label.right,
          labelGapLeft: label.left - form.left,
        };
      });
      figures.arabicPopup = view;
      const messages = JSON.parse(fs.readFileSync(path.join(repoRoot, 'public/_locales/ar/messages.json'), 'utf8'));
      expect(view.dir).toBe('rtl');
      expect(view.lang).toBe('ar');
      expect(view.title).toBe(messages.extName.message);
      expect(view.toggle).toBe(messages.startCaptions.message);
      expect(view.status).toBe(messages.captionsOff.message);
      // Mirrored: labels start at the right edge.
      expect(view.labelGapRight).toBeLessThan(1);
      expect(view.labelGapLeft).toBeGreaterThan(20);
      // Focus order follows the visual order: first the spoken language, then down the form.
      const order: string[] = [];
      for (let i = 0; i < 5; i++) {
        await popup.keyboard.press('Tab');
        order.push(await popup.evaluate(() => document.activeElement?.id ?? ''));
      }
      expect(order).toEqual(['source-language', 'target-language', 'engine', 'server-url', 'toggle']);
      await (await popup.$('main'))!.screenshot({ path: shot('popup-arabic.png') });

      const options = await ar.browser.newPage();
      await options.setViewport({ width: 900, height: 1100 });
      await options.goto(`chrome-extension://${ar.extensionId}/src/options/index.html`);
      await options.waitForSelector('#font-scale');
      expect(await options.evaluate(() => document.documentElement.dir)).toBe('rtl');
      expect(await options.$eval('h1', (el) => el.textContent)).toBe(messages.optionsTitle.message);
      await options.screenshot({ path: shot('options-arabic.png'), fullPage: true });
      await options.close();
      await popup.close().catch(() => {}); // Chrome closes a popup once another page takes focus
      await page.close();
    } finally {
      await ar.close();
    }
  });

  it('options page: style changes are saved and the contrast check warns about unreadable colours', async () => {
    const options = await eb.browser.newPage();
    await options.setViewport({ width: 900, height: 1100 });
    await options.goto(`chrome-extension://${eb.extensionId}/src/options/index.html`);
    await options.waitForSelector('#background-opacity');
    expect(await options.$eval('#contrast', (el) => el.className)).toBe('hint');
    await options.screenshot({ path: shot('options.png'), fullPage: true });
    // Drag the opacity slider to the start: white on transparent over bright video is unreadable.
    await options.focus('#background-opacity');
    await options.keyboard.press('Home');
    await options.waitForFunction(() => document.getElementById('contrast')!.className === 'field-error');
    const stored = (await options.evaluate(() => chrome.storage.sync.get('captionStyle'))) as { captionStyle: { backgroundOpacity: number } };
    expect(stored.captionStyle.backgroundOpacity).toBe(0);
    expect(Number(await options.$eval('#contrast', (el) => (el as HTMLElement).dataset.ratio))).toBeLessThan(4.5);
    await options.click('#reset-style');
    await options.waitForFunction(() => document.getElementById('contrast')!.className === 'hint');
    await options.close();
  });
});

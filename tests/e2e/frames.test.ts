// Captions where real sites put their players, and the broadcast-style layout: the built
// extension in real headless Chromium, our real server (sphinx), real speech. One browser and
// one captioned tab go through a cross-origin iframe (captions moving into it from the top
// page, per-site position, the iframe in fullscreen), a nested iframe in reading mode and a
// player in an open shadow root (2 rows, rolling up). Geometry is checked numerically, the
// overlays are counted across every frame of the tab, screenshots go to docs/screenshots/.
import path from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';
import { captionEvents, installCaptionRecorder } from './helpers/caption-recorder.ts';
import { openPopup, sessionStates, startFromPopup } from './helpers/chromium.ts';
import { serveFramePages, type FramePages } from './helpers/frame-pages.ts';
import { startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';
import { inside, type Box } from './helpers/geometry.ts';

const shot = (name: string) => path.join(repoRoot, 'docs/screenshots', name) as `${string}.png`;


interface FrameView {
  overlays: number;
  visible: boolean;
  panel: Box | null;
  /** The playing video (else the first one), found through open shadow roots. */
  video: Box | null;
  /** Rendered rows of caption text inside the box now. */
  rows: number;
  /** Text beyond the rows: older rows have scrolled up and out. */
  rolledUp: boolean;
  /** The newest row ends at the bottom of the text area. */
  newestAtBottom: boolean;
  /** Characters in the newest caption line. */
  newestLength: number;
  /** The video's playback position (s). */
  currentTime: number;
  viewport: { width: number; height: number };
}

/** What one frame shows: its overlays, the caption box, its video. */
function frameView(frame: Frame): Promise<FrameView> {
  return frame.evaluate(() => {
    const box = (r: DOMRect) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height });
    const host = document.querySelector('tab-captions-overlay') as HTMLElement | null;
    const panel = host?.shadowRoot?.querySelector('.panel') as HTMLElement | null;
    const lines = host?.shadowRoot?.querySelector('.lines') as HTMLElement | null;
    const videos: HTMLVideoElement[] = [];
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el instanceof HTMLVideoElement) videos.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    const video = videos.find((v) => !v.paused) ?? videos[0] ?? null;
    let rows = 0;
    let hiddenAbove = 0;
    let newestAtBottom = false;
    if (lines) {
      const lb = lines.getBoundingClientRect();
      const tops = new Set<number>();
      let lowest = -Infinity;
      const walker = document.createTreeWalker(lines, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) {
          const mid = (r.top + r.bottom) / 2;
          if (r.width > 0 && mid > lb.top && mid < lb.bottom) tops.add(Math.round(r.top));
          if (r.width > 0 && mid < lb.top) hiddenAbove++;
          if (r.width > 0) lowest = Math.max(lowest, r.bottom);
        }
      }
      rows = tops.size;
      // Glyph boxes sit inside the line box (half-leading below): within half an em of its bottom.
      newestAtBottom = lb.bottom - lowest >= -0.5 && lb.bottom - lowest < parseFloat(getComputedStyle(lines).fontSize) * 0.5;
    }
    return {
      overlays: document.querySelectorAll('tab-captions-overlay').length,
      visible: !!panel && panel.dataset.empty === 'false' && !!lines?.querySelector('.line'),
      panel: panel ? box(panel.getBoundingClientRect()) : null,
      video: video ? box(video.getBoundingClientRect()) : null,
      rows,
      // A bottom-aligned box clips at the top, which scrollHeight does not show: look for text above it.
      rolledUp: hiddenAbove > 0,
      newestAtBottom,
      newestLength: [...(lines?.querySelectorAll('.line') ?? [])].at(-1)?.textContent?.length ?? 0,
      currentTime: video?.currentTime ?? 0,
      viewport: { width: window.innerWidth, height: window.innerHeight },
    };
  });
}

/** Overlays in every frame of the tab (one overlay per tab). */
async function overlayCount(page: Page): Promise<number> {
  const counts = await Promise.all(page.frames().map((f) => f.evaluate(() => document.querySelectorAll('tab-captions-overlay').length).catch(() => 0)));
  return counts.reduce((a, b) => a + b, 0);
}


async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const got = await probe();
      if (got) return got;
    } catch (err) {
      last = err; // a frame navigating away mid-probe
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const frameOf = (page: Page, url: string) => waitFor(async () => page.frames().find((f) => f.url().startsWith(url)), 15_000, `frame ${url}`);

/** Captions visible in `frame` and no overlay in any other frame of the tab. */
const captionsOnlyIn = (page: Page, frame: Frame, what: string, timeoutMs = 45_000) =>
  waitFor(async () => {
    const view = await frameView(frame);
    return view.visible && (await overlayCount(page)) === 1 ? view : null;
  }, timeoutMs, what);

/** Lets the panel's fade-in finish before a screenshot. */
const settle = () => new Promise((r) => setTimeout(r, 700));

const play = (frame: Frame, selector = '#player') =>
  frame.evaluate((sel) => {
    const v = document.querySelector(sel) as HTMLVideoElement;
    v.currentTime = 0;
    return v.play();
  }, selector);

describe('captions in any frame, broadcast-style layout (real Chromium, real server)', () => {
  let suite: ExtensionSuite;
  let pages: FramePages;
  let page: Page;
  const figures: Record<string, unknown> = {};

  /** Starts captioning the tab from its popup, unless an earlier test left it captioned. */
  async function ensureCaptioning(): Promise<void> {
    if (Object.values(await sessionStates(suite.eb)).some((s) => s.phase === 'live')) return;
    const popup = await openPopup(suite.eb, page);
    await startFromPopup(popup, suite.server.wsUrl, 'sphinx');
    await popup.close();
  }

  beforeAll(async () => {
    // A short sentence, then two long ones: the long ones must roll up inside 2 rows.
    suite = await startExtensionSuite({ clips: ['en-jfk', 'en-LJ001-0001', 'en-LJ001-0003'], title: 'Frames' });
    pages = await serveFramePages(suite.track);
    page = await suite.eb.browser.newPage();
  });

  afterAll(async () => {
    console.log('[e2e frames] figures:', JSON.stringify(figures, null, 2));
    await pages?.close();
    await suite?.close();
  });

  it('a cross-origin iframe: captions move into it from the top page, keep a per-site position, follow it into fullscreen', async () => {
    await page.goto(`${pages.top}cross`);
    await page.waitForFunction(() => (document.getElementById('top-video') as HTMLVideoElement).readyState >= 1);
    await ensureCaptioning();

    // The top page's own (small) video plays first: the captions are drawn over it.
    await play(page.mainFrame(), '#top-video');
    const onTop = await captionsOnlyIn(page, page.mainFrame(), 'captions over the top page video');
    expect(inside(onTop.panel!, onTop.video!)).toBe(true);

    // Then the embedded player (another origin) becomes the one playing: the one overlay moves there.
    await page.evaluate(() => (document.getElementById('top-video') as HTMLVideoElement).pause());
    const player = await frameOf(page, pages.player);
    await play(player);
    const inFrame = await captionsOnlyIn(page, player, 'captions inside the cross-origin iframe');
    const iframe = await page.$eval('#frame', (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    });
    const onPage = { ...inFrame.panel!, left: inFrame.panel!.left + iframe.left, right: inFrame.panel!.right + iframe.left, top: inFrame.panel!.top + iframe.top, bottom: inFrame.panel!.bottom + iframe.top };
    figures.crossOrigin = { panelOnPage: onPage, iframe, video: inFrame.video };
    expect(inside(inFrame.panel!, inFrame.video!)).toBe(true);
    expect(inside(onPage, iframe)).toBe(true);
    await settle();
    await page.screenshot({ path: shot('frames-cross-origin.png') });

    // Per-site position: the site of the frame that shows the captions (the player's origin).
    await player.evaluate(() => (document.querySelector('tab-captions-overlay')!.shadowRoot!.querySelector('.panel') as HTMLElement).focus());
    await page.keyboard.press('ArrowUp');
    const key = `placement:${new URL(pages.player).origin}`;
    const worker = await suite.eb.worker();
    const saved = await waitFor(async () => ((await worker.evaluate((k) => chrome.storage.local.get(k), key)) as Record<string, unknown>)[key], 5_000, key);
    expect(saved).toMatchObject({ cx: expect.any(Number), bottom: expect.any(Number) });
    expect(await worker.evaluate(() => chrome.storage.local.get(null).then((all) => Object.keys(all).filter((k) => k.startsWith('placement:'))))).toEqual([key]);
    await page.keyboard.press('Escape'); // back to the default spot (forgets it)
    await waitFor(async () => !((await worker.evaluate((k) => chrome.storage.local.get(k), key)) as Record<string, unknown>)[key], 5_000, 'position reset');

    // The iframe in fullscreen (a real click on the page's button): the captions stay over its video.
    await page.click('#fs-frame');
    await page.waitForFunction(() => document.fullscreenElement?.id === 'frame');
    // The iframe's own viewport reaches the screen's size a little after fullscreenElement is set
    // (its video already filled the iframe before: compare with the top page's size, not its own).
    const screenSize = await page.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    const full = await waitFor(async () => {
      const v = await frameView(player);
      return v.visible && v.viewport.width === screenSize.width && v.video!.width === v.viewport.width && (await overlayCount(page)) === 1 ? v : null;
    }, 15_000, 'captions over the fullscreen iframe');
    figures.iframeFullscreen = { panel: full.panel, video: full.video };
    expect(full.video).toMatchObject({ left: 0, top: 0, width: 1280, height: 800 });
    expect(inside(full.panel!, full.video!)).toBe(true);
    await settle();
    await page.screenshot({ path: shot('frames-iframe-fullscreen.png') });
    await page.evaluate(() => document.exitFullscreen());
    await page.waitForFunction(() => !document.fullscreenElement);
  });

  it('a nested iframe in reading mode: only finished sentences, drawn in the innermost frame', async () => {
    const worker = await suite.eb.worker();
    await worker.evaluate(() => chrome.storage.sync.set({ captionStyle: { readingMode: true } }));
    // The same captioned tab navigates to another page: the session goes on.
    await page.goto(`${pages.top}nested`);
    const inner = await waitFor(async () => page.frames().find((f) => f.url().startsWith(pages.player) && f.parentFrame()?.url().endsWith('/middle')), 15_000, 'nested player frame');
    await inner.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
    await ensureCaptioning();
    await installCaptionRecorder(inner);
    await play(inner);
    const view = await captionsOnlyIn(page, inner, 'captions inside the nested iframe');
    expect(inside(view.panel!, view.video!)).toBe(true);
    // Let a few sentences go by: none of them ever shows as changing partial text.
    await waitFor(async () => new Set((await captionEvents(inner)).map((e) => e.id)).size >= 2, 40_000, 'two sentences');
    const events = await captionEvents(inner);
    figures.readingMode = events.map((e) => `${e.kind}: ${e.text}`);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.kind === 'final')).toBe(true);
    expect(await overlayCount(page)).toBe(1);
    await settle();
    await page.screenshot({ path: shot('frames-nested.png') });
    await worker.evaluate(() => chrome.storage.sync.remove('captionStyle'));
  });

  it('a player in an open shadow root at default settings: at most 2 rows and a fifth of the video, rolling up', async () => {
    await page.goto(`${pages.top}shadow`);
    const frame = page.mainFrame();
    await frame.waitForFunction(() => (document.querySelector('lecture-player')!.shadowRoot!.getElementById('player') as HTMLVideoElement).readyState >= 1);
    await ensureCaptioning();
    await frame.evaluate(() => {
      const v = document.querySelector('lecture-player')!.shadowRoot!.getElementById('player') as HTMLVideoElement;
      return v.play();
    });
    await captionsOnlyIn(page, frame, 'captions over the shadow-root player');
    // Watch while the long sentences are spoken: the box never grows past 2 rows, it rolls up.
    let maxRows = 0;
    let maxHeight = 0;
    let rolled: FrameView | null = null;
    let shotOfLongSentence = false;
    const end = Date.now() + 45_000;
    // Through the first long sentence (spoken from about 12 s to 22 s of the track).
    for (;;) {
      const v = await frameView(frame);
      if (v.visible) {
        expect(inside(v.panel!, v.video!)).toBe(true);
        maxRows = Math.max(maxRows, v.rows);
        maxHeight = Math.max(maxHeight, v.panel!.height);
        if (v.rolledUp && !rolled) rolled = v;
        // The picture for the README: a long sentence rolling up inside its 2 rows.
        if (v.rolledUp && v.newestLength >= 60 && !shotOfLongSentence) {
          shotOfLongSentence = true;
          await page.screenshot({ path: shot('layout-rollup.png') });
        }
      }
      if (v.currentTime > 23 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const video = (await frameView(frame)).video!;
    figures.layout = { video: { width: video.width, height: video.height }, maxRows, maxBoxHeight: maxHeight, share: Number((maxHeight / video.height).toFixed(3)), rolled, longSentenceRolledUp: shotOfLongSentence };
    expect(video).toMatchObject({ width: 960, height: 540 });
    expect(rolled).not.toBeNull();
    expect(rolled!.newestAtBottom).toBe(true);
    expect(shotOfLongSentence).toBe(true); // a long sentence rolled up instead of growing the box
    expect(maxRows).toBe(2);
    expect(maxHeight / video.height).toBeLessThanOrEqual(0.2);
    expect(await overlayCount(page)).toBe(1);
  });
});

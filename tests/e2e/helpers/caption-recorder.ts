// Watches the overlay's shadow DOM from the page and records every change of every caption
// line, with timestamps: the overlay only shows the last few lines, so the full transcript
// (and whether partials came before finals) must be collected as it happens.
import type { Frame, Page } from 'puppeteer-core';

export interface CaptionEvent {
  t: number;
  id: string;
  kind: 'partial' | 'final';
  text: string;
}

declare global {
  interface Window {
    __captionEvents?: CaptionEvent[];
  }
}

/** Installs the recorder in the page's (or a frame's) main world (the shadow root is open). */
export async function installCaptionRecorder(page: Page | Frame): Promise<void> {
  await page.evaluate(() => {
    const events: CaptionEvent[] = (window.__captionEvents = []);
    const last = new Map<string, string>();
    const scan = (root: ShadowRoot) => {
      for (const el of root.querySelectorAll<HTMLElement>('.line')) {
        const id = el.dataset.segmentId ?? '';
        const kind = el.dataset.kind as 'partial' | 'final';
        const text = el.textContent ?? '';
        const key = `${kind}\u0000${text}`;
        if (last.get(id) === key) continue;
        last.set(id, key);
        events.push({ t: Date.now(), id, kind, text });
      }
    };
    const watch = (host: Element) => {
      const root = host.shadowRoot;
      if (!root) return;
      scan(root);
      new MutationObserver(() => scan(root)).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    };
    const existing = document.querySelector('tab-captions-overlay');
    if (existing) watch(existing);
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n instanceof Element && n.localName === 'tab-captions-overlay') watch(n);
    }).observe(document.documentElement, { childList: true });
  });
}

export function captionEvents(page: Page | Frame): Promise<CaptionEvent[]> {
  return page.evaluate(() => window.__captionEvents ?? []);
}

export interface CaptionSummary {
  /** Final text per segment, in order of first appearance. */
  finals: { id: string; text: string; t: number; partialsBefore: number; firstSeen: number }[];
  transcript: string;
  firstPartialAt: number | null;
  firstFinalAt: number | null;
  partialCount: number;
}

export function summarize(events: CaptionEvent[]): CaptionSummary {
  const order: string[] = [];
  const info = new Map<string, { final?: CaptionEvent; partials: number; firstSeen: number }>();
  for (const e of events) {
    let i = info.get(e.id);
    if (!i) {
      i = { partials: 0, firstSeen: e.t };
      info.set(e.id, i);
      order.push(e.id);
    }
    if (e.kind === 'partial' && !i.final) i.partials++;
    if (e.kind === 'final') i.final = e;
  }
  const finals = order
    .map((id) => ({ id, i: info.get(id)! }))
    .filter(({ i }) => i.final)
    .map(({ id, i }) => ({ id, text: i.final!.text, t: i.final!.t, partialsBefore: i.partials, firstSeen: i.firstSeen }));
  const partials = events.filter((e) => e.kind === 'partial');
  return {
    finals,
    transcript: finals.map((f) => f.text).join(' '),
    firstPartialAt: partials[0]?.t ?? null,
    firstFinalAt: events.find((e) => e.kind === 'final')?.t ?? null,
    partialCount: partials.length,
  };
}

/** Waits until the speech is mid-phrase: a final came (the session has a timeline) and a partial is the latest caption. */
export async function waitUntilMidPhrase(page: Page): Promise<void> {
  await page.waitForFunction(() => (window.__captionEvents ?? []).some((e) => e.kind === 'final'), { timeout: 60_000 });
  await page.waitForFunction(() => (window.__captionEvents ?? []).at(-1)?.kind === 'partial', { timeout: 30_000, polling: 50 });
}

/** Waits for the first caption event after epoch ms `t` (captions flowing again after an outage). */
export async function waitForCaptionAfter(page: Page, t: number): Promise<void> {
  await page.waitForFunction((since) => (window.__captionEvents ?? []).some((e) => e.t > since), { timeout: 60_000, polling: 50 }, t);
}

/**
 * Waits until captions settle: no partial left open and nothing new for `quietMs`. The
 * server may lag behind real time on a busy machine, so a fixed sleep is not enough.
 */
export async function waitForCaptionsToSettle(page: Page, { quietMs = 4000, maxMs = 60_000, minFinals = 1 } = {}): Promise<void> {
  const end = Date.now() + maxMs;
  let lastCount = -1;
  let lastChange = Date.now();
  for (;;) {
    const events = await captionEvents(page);
    if (events.length !== lastCount) {
      lastCount = events.length;
      lastChange = Date.now();
    }
    const latest = new Map(events.map((e) => [e.id, e.kind]));
    const open = [...latest.values()].some((k) => k === 'partial');
    const finals = [...latest.values()].filter((k) => k === 'final').length;
    if (!open && finals >= minFinals && Date.now() - lastChange >= quietMs) return;
    if (Date.now() > end) return; // the assertions that follow report what is missing
    await new Promise((r) => setTimeout(r, 250));
  }
}

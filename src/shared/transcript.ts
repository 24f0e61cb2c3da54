// The session's transcript, free of Chrome APIs: finals with session-relative timestamps and
// the translations that cover them. The background keeps one per tab in
// chrome.storage.session, so it outlives the popup and service-worker restarts.

import { parseSpans, type MediaSpan, type MediaTime } from './media-timeline.ts';
import type { CaptionUpdate, TranslationUpdate } from './messages.ts';

export interface TranscriptEntry {
  /** CaptionUpdate id (`<connection>:<segment>`). */
  id: string;
  /** Seconds since the session started. */
  start: number;
  end: number;
  text: string;
  language?: string;
  /** Translation shown under this entry (a translation covering several finals sits on the first). */
  translation?: string;
  translationLanguage?: string;
  /** Where it was heard on the playing media's own timeline (see transcript-media.ts). */
  media?: MediaTime;
}

export interface Transcript {
  tabId: number;
  /** Epoch ms when the session started. */
  startedAt: number;
  /** Page title and address when the session started, for file names and headers. */
  title?: string;
  url?: string;
  entries: TranscriptEntry[];
  /**
   * Per connection: seconds to add to the server's connection-relative times. Servers restart
   * their clocks on every (re)connection, so each connection is anchored once, at its first final.
   */
  offsets: Record<string, number>;
  /** The playing media's clock over the session, as spans (see media-timeline.ts). */
  media?: MediaSpan[];
}

/** Bounds memory and storage on very long sessions (about 10 hours of speech). */
export const MAX_ENTRIES = 20_000;

export function emptyTranscript(tabId: number, startedAt: number, page: { title?: string; url?: string } = {}): Transcript {
  return { tabId, startedAt, ...page, entries: [], offsets: {} };
}

const connectionOf = (id: string) => id.slice(0, Math.max(0, id.lastIndexOf(':')));

/** Adds (or replaces) a final; `arrivedAt` (epoch ms) anchors a new connection's clock. */
export function addFinal(t: Transcript, caption: CaptionUpdate, arrivedAt: number): Transcript {
  if (caption.kind !== 'final') return t;
  const text = caption.text.trim();
  const entries = t.entries.filter((e) => e.id !== caption.id);
  if (!text) return entries.length === t.entries.length ? t : { ...t, entries };
  const conn = connectionOf(caption.id);
  const offsets = { ...t.offsets };
  if (!(conn in offsets)) {
    // When its audio was captured, if the offscreen document says; else the final arrives just
    // after its audio ended: session time of its end ≈ arrival time.
    const sessionEnd = Math.max(0, ((caption.capturedAt?.end ?? arrivedAt) - t.startedAt) / 1000);
    offsets[conn] = Math.max(0, sessionEnd - caption.end);
  }
  const base = offsets[conn];
  const start = round3(base + Math.max(0, caption.start));
  const end = round3(Math.max(start, base + caption.end));
  const entry: TranscriptEntry = { id: caption.id, start, end, text, ...(caption.language ? { language: caption.language } : {}) };
  const old = t.entries.find((e) => e.id === caption.id);
  if (old?.translation) Object.assign(entry, { translation: old.translation, translationLanguage: old.translationLanguage });
  if (old?.media) entry.media = old.media;
  entries.push(entry);
  entries.sort((a, b) => a.start - b.start);
  if (entries.length > MAX_ENTRIES) entries.splice(0, entries.length - MAX_ENTRIES);
  return { ...t, entries, offsets };
}

/** Puts a translation on the first entry it covers; returns the transcript unchanged if none is known. */
export function addTranslation(t: Transcript, tr: TranslationUpdate): Transcript {
  const text = tr.text.trim();
  const covered = new Set(tr.ids);
  const first = t.entries.findIndex((e) => covered.has(e.id));
  if (first < 0 || !text) return t;
  const entries = t.entries.map((e, i) => {
    if (i === first) return { ...e, translation: text, translationLanguage: tr.language };
    if (covered.has(e.id) && e.translation) {
      // A newer translation spans this entry too: drop the older one so nothing shows twice.
      const { translation: _t, translationLanguage: _l, ...rest } = e;
      return rest;
    }
    return e;
  });
  return { ...t, entries };
}

/** Entries whose original or translation contains every word of `query` (case-insensitive). */
export function searchTranscript(entries: readonly TranscriptEntry[], query: string): TranscriptEntry[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const hay = `${e.text}\n${e.translation ?? ''}`.toLocaleLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** chrome.storage.session key of a tab's transcript. */
export const transcriptKey = (tabId: number) => `transcript:${tabId}`;

/** Accepts only a well-formed transcript from storage (older or damaged data yields null). */
export function parseTranscript(raw: unknown): Transcript | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<Transcript>;
  if (typeof r.tabId !== 'number' || typeof r.startedAt !== 'number' || !Array.isArray(r.entries)) return null;
  const entries = r.entries
    .filter(
      (e): e is TranscriptEntry =>
        !!e && typeof e.id === 'string' && typeof e.text === 'string' && Number.isFinite(e.start) && Number.isFinite(e.end),
    )
    .map((e) => (e.media === undefined || validMediaTime(e.media) ? e : { ...e, media: undefined }));
  return {
    ...(r as Transcript),
    entries,
    offsets: typeof r.offsets === 'object' && r.offsets ? r.offsets : {},
    ...(r.media !== undefined ? { media: parseSpans(r.media) } : {}),
  };
}

function validMediaTime(m: unknown): m is MediaTime {
  const x = m as Partial<MediaTime> | null;
  return !!x && Number.isFinite(x.start) && Number.isFinite(x.end) && typeof x.src === 'string' && Number.isFinite(x.frameId);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

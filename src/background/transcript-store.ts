// Every tab's transcript, kept in chrome.storage.session: it survives the popup closing and the
// service worker being stopped, and the transcript side panel renders straight from storage.
// A new session on a tab starts a new transcript; the last one stays until then (so it can
// be exported after Stop) or until the tab closes.

import type { CaptionUpdate, TranslationUpdate } from '../shared/messages.ts';
import type { MediaSample } from '../shared/media-timeline.ts';
import { addFinal, addTranslation, emptyTranscript, parseTranscript, transcriptKey, type Transcript } from '../shared/transcript.ts';
import { addMediaSample, placeOnMedia, spanCount } from '../shared/transcript-media.ts';
import type { SessionStorageArea } from './tab-session-store.ts';

export class TranscriptStore {
  private readonly transcripts = new Map<number, Transcript>();
  /** Per tab: the write chain, so storage always ends on the newest transcript. */
  private readonly writes = new Map<number, Promise<unknown>>();

  constructor(private readonly storage: Pick<SessionStorageArea, 'set' | 'remove'> & { getKey(key: string): Promise<unknown> }) {}

  async begin(tabId: number, startedAt: number, page: { title?: string; url?: string } = {}): Promise<void> {
    await this.save(emptyTranscript(tabId, startedAt, page));
  }

  async onCaption(tabId: number, caption: CaptionUpdate, now: number): Promise<void> {
    if (caption.kind !== 'final') return;
    const t = await this.get(tabId);
    if (!t) return;
    const next = placeOnMedia(addFinal(t, caption, now), caption);
    if (next !== t) await this.save(next);
  }

  /** A reading of the playing media's clock: stored when it starts a span (a seek, a pause…). */
  async onMediaSample(tabId: number, sample: MediaSample, frameId: number): Promise<void> {
    const t = await this.get(tabId);
    if (!t) return;
    const next = addMediaSample(t, sample, frameId);
    if (next === t) return;
    // A refined reading of the same span is kept in memory only: it travels with the next write.
    if (spanCount(next) === spanCount(t)) this.transcripts.set(tabId, next);
    else await this.save(next);
  }

  async onTranslation(tabId: number, translation: TranslationUpdate): Promise<void> {
    const t = await this.get(tabId);
    if (!t) return;
    const next = addTranslation(t, translation);
    if (next !== t) await this.save(next);
  }

  async remove(tabId: number): Promise<void> {
    this.transcripts.delete(tabId);
    await this.chain(tabId, () => this.storage.remove(transcriptKey(tabId)));
  }

  async get(tabId: number): Promise<Transcript | null> {
    const cached = this.transcripts.get(tabId);
    if (cached) return cached;
    // After a worker restart: pick up where the previous incarnation left off.
    const loaded = parseTranscript(await this.storage.getKey(transcriptKey(tabId)));
    if (loaded && !this.transcripts.has(tabId)) this.transcripts.set(tabId, loaded);
    return this.transcripts.get(tabId) ?? null;
  }

  private save(t: Transcript): Promise<void> {
    this.transcripts.set(t.tabId, t);
    return this.chain(t.tabId, () => this.storage.set({ [transcriptKey(t.tabId)]: t }));
  }

  private chain(tabId: number, op: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(tabId) ?? Promise.resolve()).then(op, op);
    this.writes.set(
      tabId,
      next.catch((err) => console.error('[background] transcript write failed', err)),
    );
    return next;
  }
}

export const chromeTranscriptStorage = {
  set: (items: Record<string, unknown>) => chrome.storage.session.set(items),
  remove: (key: string) => chrome.storage.session.remove(key),
  getKey: async (key: string) => (await chrome.storage.session.get(key))[key],
};

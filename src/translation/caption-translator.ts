// The caption translation pipeline, free of Chrome and network: finals in, TranslationUpdates
// out. Partials are never translated. Finals are joined into sentences and flushed at a
// sentence end, after a silence, or at a length cap; flushed groups are batched with one
// request in flight at a time; results are cached (LRU). A translation is keyed by the ids of
// the finals it covers, so it can never land under the wrong line. Providers are tried in
// order: one that is unavailable, fails or times out hands its work to the next; when none is
// left, captions go on untranslated with a note. Pushed server translations win over all.

import type { CaptionUpdate, TranslationUpdate } from '../shared/messages.ts';
import { normalizeLanguage } from '../../protocol/languages.ts';
import { LRUCache } from 'lru-cache';
import { withTimeout, type ProviderId, type TranslationProvider } from './provider.ts';
import { endsWithSentence } from './sentences.ts';

export interface TranslationStatus {
  /** Who translates now: a provider, the server's pushes, or nobody. */
  provider: ProviderId | 'push';
  /** Plain words for the user when something is not as chosen (fallback, unavailable pair). */
  note?: string;
}

export interface CaptionTranslatorOptions {
  /** In order of preference. */
  providers: TranslationProvider[];
  /** ISO 639-1 target. */
  target: string;
  /** The session's source language setting ('auto' or a code), used when a final has none. */
  sourceHint: string;
  emit(update: TranslationUpdate): void;
  onStatus?(status: TranslationStatus): void;
  /** Flush the buffered finals when no new final came for this long (ms). */
  silenceMs?: number;
  /** Flush when the buffered text reaches this many characters. */
  maxChars?: number;
  /** Most groups in one request. */
  maxBatch?: number;
  /** A provider's prepare (e.g. Translator.create) may hang: give up after this (ms). */
  prepareTimeoutMs?: number;
  /** One translate request may take this long (ms). */
  requestTimeoutMs?: number;
  cacheSize?: number;
}

interface Group {
  ids: string[];
  text: string;
  source: string;
}

export class CaptionTranslator {
  private readonly opts: Required<Omit<CaptionTranslatorOptions, 'onStatus'>> & Pick<CaptionTranslatorOptions, 'onStatus'>;
  private readonly cache: LRUCache<string, string>;
  private buffer: { id: string; text: string }[] = [];
  private bufferSource = '';
  private queue: Group[] = [];
  private inFlight: AbortController | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Index of the provider in use; providers before it failed. */
  private current = 0;
  /** Pairs each provider has prepared (`source|target`). */
  private prepared = new Map<TranslationProvider, Set<string>>();
  /** Bumped on every language change: results of older requests are dropped. */
  private generation = 0;
  private pushMode = false;
  private disposed = false;
  private lastStatus = '';

  constructor(options: CaptionTranslatorOptions) {
    this.opts = {
      silenceMs: 1200,
      maxChars: 160,
      maxBatch: 8,
      prepareTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      cacheSize: 500,
      ...options,
    };
    this.cache = new LRUCache({ max: this.opts.cacheSize });
  }

  get target(): string {
    return this.opts.target;
  }

  /** A caption from the server; only finals with text are translated. */
  addCaption(caption: CaptionUpdate): void {
    if (this.disposed || this.pushMode || caption.kind !== 'final' || !this.opts.target) return;
    const text = caption.text.trim();
    if (!text) return;
    const source = normalizeLanguage(caption.language) ?? normalizeLanguage(this.opts.sourceHint);
    if (!source || source === this.opts.target) return;
    const provider = this.opts.providers[this.current];
    if (!provider || provider.id === 'none') return; // nobody can translate: originals only
    if (this.buffer.length > 0 && source !== this.bufferSource) this.flush();
    this.buffer.push({ id: caption.id, text });
    this.bufferSource = source;
    const joined = this.buffer.map((b) => b.text).join(' ');
    clearTimeout(this.silenceTimer);
    if (endsWithSentence(joined, source) || joined.length >= this.opts.maxChars) this.flush();
    else this.silenceTimer = setTimeout(() => this.flush(), this.opts.silenceMs);
  }

  /**
   * The server pushed the translation of one final: from now on the server translates this
   * session, and our own requests stop.
   */
  addPushed(id: string, text: string, language: string): void {
    if (this.disposed) return;
    if (!this.pushMode) {
      this.pushMode = true;
      this.cancelWork();
      this.status({ provider: 'push' });
    }
    if (normalizeLanguage(language) !== this.opts.target) return; // pushed for an older target
    this.opts.emit({ ids: [id], text, language: this.opts.target, provider: 'push' });
  }

  /** Use the server's pushes without waiting for the first one (its `ready` promised them). */
  expectPushes(): void {
    if (this.pushMode || this.disposed) return;
    this.pushMode = true;
    this.cancelWork();
    this.status({ provider: 'push' });
  }

  /** The server could not translate after all: translate ourselves from now on. */
  stopExpectingPushes(note: string): void {
    if (!this.pushMode || this.disposed) return;
    this.pushMode = false;
    this.status({ provider: this.opts.providers[this.current]?.id ?? 'none', note });
  }

  /** A new target language: everything pending or in flight for the old one is dropped. */
  setTarget(target: string): void {
    const t = normalizeLanguage(target) ?? '';
    if (t === this.opts.target) return;
    this.opts.target = t;
    this.cancelWork();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelWork();
  }

  private cancelWork(): void {
    this.generation++;
    clearTimeout(this.silenceTimer);
    this.buffer = [];
    this.queue = [];
    this.inFlight?.abort();
    this.inFlight = null;
    for (const p of this.opts.providers) p.abort();
  }

  private flush(): void {
    clearTimeout(this.silenceTimer);
    if (this.buffer.length === 0) return;
    this.queue.push({ ids: this.buffer.map((b) => b.id), text: this.buffer.map((b) => b.text).join(' '), source: this.bufferSource });
    this.buffer = [];
    this.pump();
  }

  private key(g: Group): string {
    return `${g.source}|${this.opts.target}|${g.text}`;
  }

  /** Sends the next batch when nothing is in flight. */
  private pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.disposed) return;
    // A batch shares one source language (one request per pair).
    const source = this.queue[0]!.source;
    let n = 0;
    while (n < this.queue.length && n < this.opts.maxBatch && this.queue[n]!.source === source) n++;
    const batch = this.queue.splice(0, n);
    const todo = batch.filter((g) => this.cache.get(this.key(g)) === undefined);
    if (todo.length === 0) {
      this.deliver(batch, 'cache');
      this.pump();
      return;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    const generation = this.generation;
    void this.request(todo, source, controller).then(
      ({ texts, provider }) => {
        if (generation !== this.generation) return;
        this.inFlight = null;
        todo.forEach((g, i) => this.cache.set(this.key(g), texts[i] ?? ''));
        this.deliver(batch, provider);
        this.pump();
      },
      () => {
        if (generation !== this.generation) return;
        // Every provider failed: these captions stay untranslated, the rest too.
        this.inFlight = null;
        this.queue = [];
      },
    );
  }

  /** Emits a batch in order from the cache (everything in it is cached by now). */
  private deliver(batch: Group[], provider: ProviderId | 'cache'): void {
    for (const g of batch) {
      const text = this.cache.get(this.key(g));
      if (text === undefined) continue;
      const by = provider === 'cache' ? (this.opts.providers[this.current]?.id ?? 'server') : provider;
      this.opts.emit({ ids: g.ids, text, language: this.opts.target, provider: by === 'none' ? 'server' : by });
    }
  }

  /** Tries the current provider, falling back along the list on failure or timeout. */
  private async request(groups: Group[], source: string, controller: AbortController): Promise<{ texts: string[]; provider: 'chrome' | 'server' }> {
    const target = this.opts.target;
    const generation = this.generation;
    for (;;) {
      const provider = this.opts.providers[this.current];
      if (!provider || provider.id === 'none') {
        this.status({ provider: 'none', note: `No translation into ${target} is available here; showing original captions only.` });
        throw new Error('no provider left');
      }
      try {
        await this.ensurePrepared(provider, source, target);
        const texts = await withTimeout(
          provider.translate(groups.map((g) => g.text), source, target, controller.signal),
          this.opts.requestTimeoutMs,
          `${provider.id} translation`,
          controller,
        );
        if (generation !== this.generation) throw new Error('cancelled');
        if (texts.length !== groups.length) throw new Error(`${provider.id} returned ${texts.length} translations for ${groups.length} texts`);
        this.status({ provider: provider.id, ...(this.current > 0 ? { note: this.lastNote } : {}) });
        return { texts, provider: provider.id };
      } catch (err) {
        if (generation !== this.generation) throw err; // cancelled: language changed
        const next = this.opts.providers[this.current + 1];
        this.lastNote = `${label(provider.id)} failed (${(err as Error).message})${next && next.id !== 'none' ? `; using ${label(next.id)} instead` : ''}.`;
        this.current++;
        if (controller.signal.aborted) {
          // The timeout aborted this controller; the next provider needs a fresh signal.
          const fresh = new AbortController();
          this.inFlight = fresh;
          controller = fresh;
        }
      }
    }
  }

  private lastNote = '';

  private async ensurePrepared(provider: TranslationProvider, source: string, target: string): Promise<void> {
    const pair = `${source}|${target}`;
    const done = this.prepared.get(provider) ?? new Set<string>();
    this.prepared.set(provider, done);
    if (done.has(pair)) return;
    const availability = await withTimeout(provider.availability(source, target), this.opts.prepareTimeoutMs, `${provider.id} availability`);
    if (availability === 'unavailable') throw new Error(`it cannot translate ${source}→${target}`);
    await withTimeout(provider.prepare(source, target), this.opts.prepareTimeoutMs, `${provider.id} preparation`);
    done.add(pair);
  }

  private status(s: TranslationStatus): void {
    const key = JSON.stringify(s);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.opts.onStatus?.(s);
  }
}

const label = (id: ProviderId) => (id === 'chrome' ? "Chrome's on-device translator" : id === 'server' ? 'Server translation' : 'Translation');

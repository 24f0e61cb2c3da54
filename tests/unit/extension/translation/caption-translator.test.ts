// The caption translation pipeline with fake providers and fake timers: what is sent, when,
// in what order, what is cached, what is dropped on a language change, and the fallbacks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptionUpdate, TranslationUpdate } from '../../../../src/shared/messages.ts';
import { CaptionTranslator, type TranslationStatus } from '../../../../src/translation/caption-translator.ts';
import { noneProvider, type PairAvailability, type ProviderId, type TranslationProvider } from '../../../../src/translation/provider.ts';

interface Call {
  texts: string[];
  source: string;
  target: string;
  signal?: AbortSignal;
  resolve(out?: string[]): void;
  reject(err: Error): void;
}

/** A provider whose every request waits until the test answers it. */
class FakeProvider implements TranslationProvider {
  calls: Call[] = [];
  aborts = 0;
  prepareCalls = 0;
  constructor(
    readonly id: ProviderId,
    public avail: PairAvailability = 'available',
    public prepareHangs = false,
  ) {}
  async availability() {
    return this.avail;
  }
  prepare() {
    this.prepareCalls++;
    return this.prepareHangs ? new Promise<void>(() => {}) : Promise.resolve();
  }
  translate(texts: string[], source: string, target: string, signal?: AbortSignal) {
    return new Promise<string[]>((resolve, reject) => {
      this.calls.push({
        texts,
        source,
        target,
        signal,
        resolve: (out) => resolve(out ?? texts.map((t) => `${target}:${t}`)),
        reject,
      });
    });
  }
  abort() {
    this.aborts++;
  }
}

let n = 0;
const final = (text: string, language = 'en'): CaptionUpdate => ({ kind: 'final', id: `1:${n}`, segmentId: n++, text, start: 0, end: 1, language });
const partial = (text: string): CaptionUpdate => ({ kind: 'partial', id: `1:${n}`, segmentId: n, text, start: 0, end: 1 });

const flushMicrotasks = () => vi.advanceTimersByTimeAsync(0);

function setup(providers: TranslationProvider[], extra: Partial<ConstructorParameters<typeof CaptionTranslator>[0]> = {}) {
  const out: TranslationUpdate[] = [];
  const statuses: TranslationStatus[] = [];
  const t = new CaptionTranslator({
    providers,
    target: 'es',
    sourceHint: 'auto',
    emit: (u) => out.push(u),
    onStatus: (s) => statuses.push(s),
    silenceMs: 1000,
    maxChars: 80,
    prepareTimeoutMs: 3000,
    requestTimeoutMs: 5000,
    ...extra,
  });
  return { t, out, statuses };
}

beforeEach(() => {
  vi.useFakeTimers();
  n = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CaptionTranslator: what gets translated, and when', () => {
  it('never translates partials; joins finals into one sentence and flushes at its end', async () => {
    const p = new FakeProvider('server');
    const { t, out } = setup([p]);
    t.addCaption(partial('hello there'));
    const a = final('Hello there,');
    t.addCaption(a);
    await flushMicrotasks();
    expect(p.calls).toHaveLength(0); // sentence not finished yet
    const b = final('how are you?');
    t.addCaption(b);
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts)).toEqual([['Hello there, how are you?']]);
    expect(p.calls[0]).toMatchObject({ source: 'en', target: 'es' });
    p.calls[0]!.resolve(['Hola, ¿cómo estás?']);
    await flushMicrotasks();
    expect(out).toEqual([{ ids: [a.id, b.id], text: 'Hola, ¿cómo estás?', language: 'es', provider: 'server' }]);
  });

  it('flushes unpunctuated finals after a silence, and long ones at the length cap', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p]);
    t.addCaption(final('ask not what your country can do for you'));
    await vi.advanceTimersByTimeAsync(999);
    expect(p.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.calls.map((c) => c.texts)).toEqual([['ask not what your country can do for you']]);
    p.calls[0]!.resolve();
    await flushMicrotasks();
    // 80 characters reached by the second final: flushed at once, no silence needed.
    t.addCaption(final('and so my fellow americans ask not what your country'));
    t.addCaption(final('can do for you ask what you can do for your country'));
    await flushMicrotasks();
    expect(p.calls).toHaveLength(2);
    expect(p.calls[1]!.texts[0]!.length).toBeGreaterThanOrEqual(80);
  });

  it('skips empty finals, finals already in the target language, and an empty target', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p]);
    t.addCaption(final('   '));
    t.addCaption(final('Hola amigos.', 'es'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(p.calls).toHaveLength(0);
    t.setTarget('');
    t.addCaption(final('Hello.'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(p.calls).toHaveLength(0);
  });

  it('uses the source setting when a final has no language', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p], { sourceHint: 'de-DE' });
    t.addCaption({ kind: 'final', id: 'x', segmentId: 0, text: 'Guten Tag.', start: 0, end: 1 });
    await flushMicrotasks();
    expect(p.calls[0]).toMatchObject({ source: 'de', texts: ['Guten Tag.'] });
  });
});

describe('CaptionTranslator: batching, order, cache', () => {
  it('keeps one request in flight and batches what queued meanwhile, emitting in order', async () => {
    const p = new FakeProvider('server');
    const { t, out } = setup([p]);
    const s = ['One.', 'Two.', 'Three.', 'Four.'].map((x) => final(x));
    t.addCaption(s[0]!);
    await flushMicrotasks();
    t.addCaption(s[1]!);
    t.addCaption(s[2]!);
    t.addCaption(s[3]!);
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts)).toEqual([['One.']]); // the others wait
    p.calls[0]!.resolve();
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts)).toEqual([['One.'], ['Two.', 'Three.', 'Four.']]);
    p.calls[1]!.resolve();
    await flushMicrotasks();
    expect(out.map((u) => [u.ids, u.text])).toEqual([
      [[s[0]!.id], 'es:One.'],
      [[s[1]!.id], 'es:Two.'],
      [[s[2]!.id], 'es:Three.'],
      [[s[3]!.id], 'es:Four.'],
    ]);
  });

  it('caps a batch at maxBatch groups', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p], { maxBatch: 2 });
    t.addCaption(final('Zero.'));
    await flushMicrotasks();
    for (const x of ['A.', 'B.', 'C.']) t.addCaption(final(x));
    p.calls[0]!.resolve();
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts)).toEqual([['Zero.'], ['A.', 'B.']]);
    p.calls[1]!.resolve();
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts).at(-1)).toEqual(['C.']);
  });

  it('answers a repeated sentence from the cache, under the new line', async () => {
    const p = new FakeProvider('server');
    const { t, out } = setup([p]);
    t.addCaption(final('Thank you.'));
    await flushMicrotasks();
    p.calls[0]!.resolve(['Gracias.']);
    await flushMicrotasks();
    const again = final('Thank you.');
    t.addCaption(again);
    await flushMicrotasks();
    expect(p.calls).toHaveLength(1);
    expect(out.at(-1)).toEqual({ ids: [again.id], text: 'Gracias.', language: 'es', provider: 'server' });
  });

  it('evicts the least recently used entry beyond the cache size', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p], { cacheSize: 2 });
    for (const x of ['A.', 'B.', 'C.', 'A.']) {
      t.addCaption(final(x));
      await flushMicrotasks();
      p.calls.at(-1)!.resolve();
      await flushMicrotasks();
    }
    expect(p.calls.map((c) => c.texts[0])).toEqual(['A.', 'B.', 'C.', 'A.']); // A was evicted by C
  });
});

describe('CaptionTranslator: language change, pushes', () => {
  it('aborts the request in flight on a language change and never shows its answer', async () => {
    const p = new FakeProvider('server');
    const { t, out } = setup([p]);
    t.addCaption(final('Good night.'));
    t.addCaption(final('Sleep'));
    await flushMicrotasks();
    const old = p.calls[0]!;
    t.setTarget('fr');
    expect(p.aborts).toBe(1);
    old.resolve(['Buenas noches.']);
    await vi.advanceTimersByTimeAsync(5000); // the buffered "Sleep" was dropped too
    expect(out).toEqual([]);
    const later = final('Good morning.');
    t.addCaption(later);
    await flushMicrotasks();
    expect(p.calls.at(-1)).toMatchObject({ target: 'fr', texts: ['Good morning.'] });
    p.calls.at(-1)!.resolve(['Bonjour.']);
    await flushMicrotasks();
    expect(out).toEqual([{ ids: [later.id], text: 'Bonjour.', language: 'fr', provider: 'server' }]);
  });

  it('switches to the server pushes at the first one, dropping its own work', async () => {
    const p = new FakeProvider('server');
    const { t, out, statuses } = setup([p]);
    const a = final('Hello.');
    t.addCaption(a);
    await flushMicrotasks();
    t.addPushed(a.id, 'Hola.', 'es');
    p.calls[0]!.resolve(['(late own answer)']);
    t.addCaption(final('Goodbye.'));
    await vi.advanceTimersByTimeAsync(3000);
    expect(p.calls).toHaveLength(1);
    expect(out).toEqual([{ ids: [a.id], text: 'Hola.', language: 'es', provider: 'push' }]);
    expect(statuses.at(-1)).toEqual({ provider: 'push' });
  });

  it('translates itself again when the server says its pushes failed', async () => {
    const p = new FakeProvider('server');
    const { t } = setup([p]);
    t.expectPushes();
    t.addCaption(final('One.'));
    await flushMicrotasks();
    expect(p.calls).toHaveLength(0);
    t.stopExpectingPushes('the server cannot translate');
    t.addCaption(final('Two.'));
    await flushMicrotasks();
    expect(p.calls.map((c) => c.texts)).toEqual([['Two.']]);
  });
});

describe('CaptionTranslator: fallback', () => {
  it('falls back to the next provider when prepare hangs (Translator.create offline)', async () => {
    const chrome = new FakeProvider('chrome', 'available', true);
    const server = new FakeProvider('server');
    const { t, out, statuses } = setup([chrome, server]);
    const a = final('Hello.');
    t.addCaption(a);
    await vi.advanceTimersByTimeAsync(2999);
    expect(server.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.calls.map((c) => c.texts)).toEqual([['Hello.']]);
    server.calls[0]!.resolve(['Hola.']);
    await flushMicrotasks();
    expect(out).toEqual([{ ids: [a.id], text: 'Hola.', language: 'es', provider: 'server' }]);
    expect(statuses.at(-1)!.provider).toBe('server');
    expect(statuses.at(-1)!.note).toMatch(/Chrome's on-device translator failed \(chrome preparation did not finish within 3 s\); using Server translation instead/);
    // Later captions go straight to the server.
    t.addCaption(final('Bye.'));
    await flushMicrotasks();
    expect(server.calls).toHaveLength(2);
    expect(chrome.prepareCalls).toBe(1);
  });

  it('falls back when a translate request times out, resending the same batch', async () => {
    const chrome = new FakeProvider('chrome');
    const server = new FakeProvider('server');
    const { t, out } = setup([chrome, server]);
    const a = final('Hello.');
    t.addCaption(a);
    await flushMicrotasks();
    expect(chrome.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(chrome.calls[0]!.signal!.aborted).toBe(true);
    expect(server.calls.map((c) => c.texts)).toEqual([['Hello.']]);
    expect(server.calls[0]!.signal!.aborted).toBe(false);
    server.calls[0]!.resolve();
    await flushMicrotasks();
    expect(out.map((u) => u.provider)).toEqual(['server']);
  });

  it('skips a provider that cannot do the pair or needs a download', async () => {
    const chrome = new FakeProvider('chrome', 'unavailable');
    const server = new FakeProvider('server');
    const { t } = setup([chrome, server]);
    t.addCaption(final('Hello.'));
    await flushMicrotasks();
    expect(chrome.calls).toHaveLength(0);
    expect(server.calls).toHaveLength(1);
  });

  it('with every provider down: a clear note, originals only, no further requests', async () => {
    const server = new FakeProvider('server');
    const { t, out, statuses } = setup([server, noneProvider]);
    t.addCaption(final('Hello.'));
    await flushMicrotasks();
    server.calls[0]!.reject(new Error('the server cannot be reached'));
    await flushMicrotasks();
    expect(statuses.at(-1)).toEqual({ provider: 'none', note: 'No translation into es is available here; showing original captions only.' });
    t.addCaption(final('Still talking.'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.calls).toHaveLength(1);
    expect(out).toEqual([]);
  });
});

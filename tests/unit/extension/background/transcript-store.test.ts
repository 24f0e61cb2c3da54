// The background's transcript store and its wiring in the TabSessionManager, with fake storage.
import { describe, expect, it } from 'vitest';
import { TranscriptStore } from '../../../../src/background/transcript-store.ts';
import type { CaptionUpdate } from '../../../../src/shared/messages.ts';
import { parseTranscript } from '../../../../src/shared/transcript.ts';

function memory() {
  const data: Record<string, unknown> = {};
  return {
    data,
    set: async (items: Record<string, unknown>) => void Object.assign(data, structuredClone(items)),
    remove: async (key: string) => void delete data[key],
    getKey: async (key: string) => structuredClone(data[key]),
  };
}

const fin = (id: string, start: number, end: number, text: string): CaptionUpdate => ({ kind: 'final', id, segmentId: 0, text, start, end });

describe('TranscriptStore', () => {
  it('records finals and translations into session storage, and a restarted worker continues it', async () => {
    const storage = memory();
    const store = new TranscriptStore(storage);
    await store.begin(5, 10_000, { title: 'Lecture' });
    await store.onCaption(5, { ...fin('a:0', 0, 1, 'ignored'), kind: 'partial' }, 11_000);
    await store.onCaption(5, fin('a:0', 0, 1, 'Hello.'), 11_000);
    await store.onTranslation(5, { ids: ['a:0'], text: 'مرحبا.', language: 'ar', provider: 'server' });
    expect(parseTranscript(storage.data['transcript:5'])).toMatchObject({
      title: 'Lecture',
      entries: [{ id: 'a:0', start: 0, end: 1, text: 'Hello.', translation: 'مرحبا.' }],
    });
    // A new worker incarnation: nothing in memory, everything in storage.
    const again = new TranscriptStore(storage);
    await again.onCaption(5, fin('a:1', 2, 3, 'Again.'), 13_000);
    expect(parseTranscript(storage.data['transcript:5'])!.entries.map((e) => e.text)).toEqual(['Hello.', 'Again.']);
    await again.remove(5);
    expect(storage.data['transcript:5']).toBeUndefined();
  });

  it('keeps the media clock: a write per new span only; finals with capture times get media times', async () => {
    const storage = memory();
    let writes = 0;
    const counting = { ...storage, set: async (items: Record<string, unknown>) => (writes++, storage.set(items)) };
    const store = new TranscriptStore(counting);
    await store.begin(5, 10_000);
    writes = 0;
    const reading = (at: number, time: number) => ({ at, time, rate: 1, playing: true, src: 'v.mp4', live: false, seekable: true });
    await store.onMediaSample(5, reading(10_000, 40), 0);
    for (let k = 1; k <= 5; k++) await store.onMediaSample(5, reading(10_000 + k * 1000, 40 + k), 0); // steady: memory only
    expect(writes).toBe(1);
    await store.onMediaSample(5, reading(16_000, 20), 0); // the user seeks back
    expect(writes).toBe(2);
    await store.onCaption(5, { ...fin('a:0', 6.5, 8, 'After the seek.'), capturedAt: { start: 16_500, end: 18_000 } }, 18_700);
    const saved = parseTranscript(storage.data['transcript:5'])!;
    expect(saved.media).toHaveLength(2);
    expect(saved.entries[0]).toMatchObject({ start: 6.5, end: 8, media: { start: 20.5, end: 22, src: 'v.mp4', frameId: 0 } });
  });

  it('does nothing for a tab without a session', async () => {
    const storage = memory();
    const store = new TranscriptStore(storage);
    await store.onCaption(9, fin('a:0', 0, 1, 'x'), 1);
    expect(storage.data).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../../src/offscreen/session/backoff.ts';
import { AudioLog } from '../../../../../src/offscreen/session/audio-log.ts';
import { PauseChunker } from '../../../../../src/offscreen/session/pause-chunker.ts';
import { mergeChunkText } from '../../../../../src/offscreen/session/text-merge.ts';
import { encodeWav } from '../../../../../protocol/wav.ts';

describe('backoffDelay', () => {
  const opts = { baseMs: 500, maxMs: 8000, factor: 2 };
  it('doubles per attempt up to the cap, with half of it random', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 4000]);
  });
  it('never goes below half the exponential delay', () => {
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

describe('AudioLog', () => {
  const f = (n: number, samples = 1600) => new Int16Array(samples).fill(n);

  it('places frames on one absolute timeline and forgets only what is confirmed', () => {
    const log = new AudioLog(1_000_000);
    log.push(f(1));
    log.push(f(2, 800));
    log.push(f(3));
    expect([log.start, log.end]).toEqual([0, 4000]);
    log.ack(1600); // the first frame is confirmed
    expect(log.start).toBe(1600);
    log.ack(2000); // half of the second: it stays, the range starts mid-frame
    expect([...log.range(2000)].map((x) => [x.start, x.pcm.length, x.pcm[0]])).toEqual([
      [2000, 400, 2],
      [2400, 1600, 3],
    ]);
    expect(log.slice(2300, 2500)).toEqual(new Int16Array([...Array(100).fill(2), ...Array(100).fill(3)]));
  });

  it('drops the oldest audio beyond its bound and counts it', () => {
    const log = new AudioLog(3200);
    for (let i = 0; i < 4; i++) log.push(f(i));
    expect(log.heldSamples).toBe(3200);
    expect(log.droppedSamples).toBe(3200);
    expect(log.start).toBe(3200);
    expect([...log.range(0)].map((x) => x.pcm[0])).toEqual([2, 3]);
  });
});

describe('PauseChunker', () => {
  const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  const silence = (n: number) => new Int16Array(n);

  it('cuts in the middle of the first pause after the minimum length', () => {
    const c = new PauseChunker(0, { minSeconds: 1, maxSeconds: 8, pauseMs: 300, quietRms: 0.01, sampleRate: 16000 });
    expect(c.push(tone(8000))).toEqual([]); // 0.5 s of speech
    expect(c.push(silence(4000))).toEqual([]); // a pause, but the chunk is not 1 s long yet
    expect(c.push(tone(16000))).toEqual([]);
    const cuts = c.push(silence(8000));
    expect(cuts).toHaveLength(1);
    // within the pause that started at 28000, keeping some silence on both sides
    expect(cuts[0].end).toBeGreaterThan(28000);
    expect(cuts[0].end).toBeLessThan(28000 + 4800);
    expect(cuts[0].voiced).toBe(true);
  });

  it('never cuts a chunk shorter than the minimum, and marks chunks of pure silence', () => {
    const c = new PauseChunker(0, { minSeconds: 1, maxSeconds: 3, pauseMs: 300, quietRms: 0.01, sampleRate: 16000 });
    const cuts = [...c.push(tone(8000)), ...c.push(silence(16000 * 6)), ...c.push(tone(16000)), ...c.push(silence(8000))];
    const lengths = cuts.map((x, i) => x.end - (i ? cuts[i - 1].end : 0));
    for (const len of lengths) expect(len).toBeGreaterThanOrEqual(16000);
    const voiced = cuts.map((x) => x.voiced);
    // speech, then chunks of nothing but the 6 s of silence, then the second phrase
    expect(voiced[0]).toBe(true);
    expect(voiced.at(-1)).toBe(true);
    expect(voiced.slice(1, -1).length).toBeGreaterThanOrEqual(2);
    expect(voiced.slice(1, -1).every((v) => !v)).toBe(true);
  });

  it('cuts at the maximum length when nobody pauses', () => {
    const c = new PauseChunker(1000, { minSeconds: 1, maxSeconds: 2, pauseMs: 300, quietRms: 0.01, sampleRate: 16000 });
    expect(c.push(tone(70000))).toEqual([
      { end: 33000, voiced: true },
      { end: 65000, voiced: true },
    ]);
  });
});

describe('mergeChunkText', () => {
  it('trims and drops words repeated across the cut, ignoring case and punctuation', () => {
    expect(mergeChunkText('', '  hello there ')).toBe('hello there');
    expect(mergeChunkText('we choose to go to the Moon,', 'the moon in this decade')).toBe('in this decade');
    expect(mergeChunkText('ask not what', 'your country')).toBe('your country');
    expect(mergeChunkText('same words', 'same words')).toBe('');
  });
});

describe('encodeWav', () => {
  it('writes a 16 kHz mono PCM16 RIFF header and the samples', () => {
    const wav = encodeWav(new Int16Array([1, -2, 3]));
    const v = new DataView(wav);
    expect(new TextDecoder().decode(wav.slice(0, 4))).toBe('RIFF');
    expect(new TextDecoder().decode(wav.slice(8, 12))).toBe('WAVE');
    expect([v.getUint16(22, true), v.getUint32(24, true), v.getUint16(34, true), v.getUint32(40, true)]).toEqual([1, 16000, 16, 6]);
    expect(Array.from(new Int16Array(wav, 44))).toEqual([1, -2, 3]);
  });
});

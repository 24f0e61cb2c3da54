import { describe, expect, it } from 'vitest';
import { Endpointer, type EndpointEvent, type EndpointerOptions } from '../../../../server/vad/endpointer.ts';

const W = 512;
const MS = 16; // samples per ms at 16 kHz

/** Audio whose every sample tells where it came from, so handed-out audio can be checked exactly. */
const sampleAt = (i: number) => ((i * 7919) % 65536) - 32768;
function source(from: number, to: number): Int16Array {
  const a = new Int16Array(to - from);
  for (let i = 0; i < a.length; i++) a[i] = sampleAt(from + i);
  return a;
}

/** Script: [probability, number of windows] runs. */
function script(...runs: [number, number][]): number[] {
  return runs.flatMap(([p, n]) => Array<number>(n).fill(p));
}

interface Run {
  events: EndpointEvent[];
  /** Index of the window during whose push each event came out. */
  at: number[];
  ep: Endpointer;
}

/** Pushes one window at a time, as the session would with 32 ms frames. */
function feed(probs: number[], opts?: EndpointerOptions, ep = new Endpointer(opts)): Run {
  const events: EndpointEvent[] = [];
  const at: number[] = [];
  const base = ep.samplesReceived;
  probs.forEach((p, k) => {
    for (const e of ep.push(source(base + k * W, base + (k + 1) * W), [p])) {
      events.push(e);
      at.push(k);
    }
  });
  return { events, at, ep };
}

/** Pushes the same stream in irregular chunks, with the probabilities each chunk completes. */
function feedChunked(probs: number[], sizes: number[], opts?: EndpointerOptions): EndpointEvent[] {
  const ep = new Endpointer(opts);
  const total = probs.length * W;
  const events: EndpointEvent[] = [];
  let pos = 0;
  for (let i = 0; pos < total; i++) {
    const n = Math.min(sizes[i % sizes.length], total - pos);
    const done = Math.floor(pos / W);
    const doneAfter = Math.floor((pos + n) / W);
    events.push(...ep.push(source(pos, pos + n), probs.slice(done, doneAfter)));
    pos += n;
  }
  return events;
}

type Seg = { start: number; speechStart: number; end: number; speechEnd: number; reason: string; audio: Int16Array; audioStart: number };

/** Groups events into segments, checking the event grammar (start, audio*, end) and audio contiguity. */
function segments(events: EndpointEvent[]): Seg[] {
  const segs: Seg[] = [];
  let cur: { start: number; speechStart: number; parts: Int16Array[]; next: number } | null = null;
  for (const e of events) {
    if (e.type === 'start') {
      expect(cur).toBeNull();
      cur = { start: e.sample, speechStart: e.speechSample, parts: [], next: e.sample };
    } else if (e.type === 'audio') {
      expect(cur).not.toBeNull();
      expect(e.sample).toBe(cur!.next); // contiguous, no gap, no overlap
      cur!.parts.push(e.pcm);
      cur!.next += e.pcm.length;
    } else {
      expect(cur).not.toBeNull();
      expect(cur!.next).toBe(e.sample); // all audio up to the end was handed out
      const audio = new Int16Array(e.sample - cur!.start);
      let o = 0;
      for (const p of cur!.parts) audio.set(p, (o += p.length) - p.length);
      segs.push({ start: cur!.start, speechStart: cur!.speechStart, end: e.sample, speechEnd: e.speechSample, reason: e.reason, audio, audioStart: cur!.start });
      cur = null;
    }
  }
  return segs;
}

function expectAudioExact(seg: Seg): void {
  const want = source(seg.start, seg.end);
  expect(seg.audio.length).toBe(want.length);
  const bad = seg.audio.findIndex((v, i) => v !== want[i]); // toEqual on 400k elements is slow
  expect(bad).toBe(-1);
}

describe('Endpointer', () => {
  it('opens and closes a segment at exact sample offsets with pre-roll and tail', () => {
    const r = feed(script([0, 20], [0.9, 30], [0, 40]));
    const segs = segments(r.events);
    expect(segs).toHaveLength(1);
    const s = segs[0];
    expect(s.speechStart).toBe(20 * W); // first window ≥ 0.5
    expect(s.start).toBe(20 * W - 300 * MS); // 300 ms pre-roll
    expect(s.speechEnd).toBe(50 * W); // end of the last speech window
    expect(s.end).toBe(50 * W + 200 * MS); // 200 ms tail
    expect(s.reason).toBe('silence');
    expectAudioExact(s);
    // Opened once 100 ms of speech was seen (4 windows: 20..23), closed after 600 ms of silence
    // (19 windows, the first count ≥ 9600 samples: windows 50..68).
    expect(r.at[0]).toBe(23);
    expect(r.at[r.events.length - 1]).toBe(68);
    expect(r.ep.inSegment).toBe(false);
  });

  it('hands audio out as it arrives during speech, holding back only possible silence', () => {
    const r = feed(script([0, 10], [0.9, 10], [0.1, 10]));
    // After window 19 (last speech) everything up to its end was handed out.
    const audioUpTo19 = r.events
      .filter((e, i) => e.type === 'audio' && r.at[i] <= 19)
      .reduce((end, e) => Math.max(end, e.type === 'audio' ? e.sample + e.pcm.length : 0), 0);
    expect(audioUpTo19).toBe(20 * W);
    // During silence only the 200 ms tail comes out, nothing beyond it.
    const last = r.events[r.events.length - 1];
    expect(last.type === 'audio' && last.sample + last.pcm.length).toBe(20 * W + 200 * MS);
    expect(r.ep.inSegment).toBe(true);
  });

  it('uses hysteresis: 0.4 does not start speech but keeps it going', () => {
    expect(feed(script([0.4, 100])).events).toEqual([]);
    const segs = segments(feed(script([0, 5], [0.9, 5], [0.4, 60], [0.3, 19], [0.4, 3], [0, 30])).events);
    expect(segs).toHaveLength(1);
    expect(segs[0].speechEnd).toBe(70 * W); // the 0.4 windows counted as speech, 0.3 did not
  });

  it('pauses shorter than the end silence do not split a segment', () => {
    const segs = segments(feed(script([0.9, 10], [0, 18], [0.9, 10], [0, 40])).events);
    expect(segs).toHaveLength(1);
    expectAudioExact(segs[0]); // the held-back pause was handed out once speech resumed
    expect(segs[0].speechEnd).toBe(38 * W);
  });

  it('ignores blips shorter than the minimum speech duration', () => {
    expect(feed(script([0, 10], [0.9, 3], [0, 10], [0.95, 1], [0.2, 1], [0.9, 2], [0, 30])).events).toEqual([]);
    expect(segments(feed(script([0, 10], [0.9, 4], [0, 30])).events)).toHaveLength(1);
    // minSpeechMs is configurable
    expect(feed(script([0, 10], [0.9, 4], [0, 30]), { minSpeechMs: 200 }).events).toEqual([]);
  });

  it('clamps the pre-roll at the stream start and at the previous segment end', () => {
    const segs = segments(feed(script([0, 2], [0.9, 10], [0, 19], [0.9, 10], [0, 30])).events);
    expect(segs).toHaveLength(2);
    expect(segs[0].start).toBe(0);
    expect(segs[0].speechStart).toBe(2 * W);
    expect(segs[0].end).toBe(12 * W + 200 * MS);
    // Second onset at window 31: its pre-roll starts at 11072, after the first segment's end.
    expect(segs[1].speechStart).toBe(31 * W);
    expect(segs[1].start).toBe(31 * W - 300 * MS);
    segs.forEach(expectAudioExact);

    // With a short end silence the previous segment's tail does reach into the pre-roll.
    const close = segments(feed(script([0.9, 10], [0, 10], [0.9, 10], [0, 30]), { endSilenceMs: 300, tailMs: 200 }).events);
    expect(close).toHaveLength(2);
    expect(close[0].end).toBe(10 * W + 200 * MS);
    expect(close[1].start).toBe(close[0].end); // no overlap: clamped
    expect(close[1].speechStart).toBe(20 * W);
    close.forEach(expectAudioExact);
  });

  it('splits continuous speech at the cap when nothing is quieter', () => {
    const cap = 25_000 * MS;
    const segs = segments(feed(script([0.9, 1700], [0, 40])).events);
    // The last window end within the cap: 781 * 512 = 399872.
    const firstCut = Math.floor(cap / W) * W;
    expect(segs[0]).toMatchObject({ start: 0, end: firstCut, reason: 'max_length' });
    expect(segs[1]).toMatchObject({ start: firstCut, speechStart: firstCut, reason: 'max_length' });
    expect(segs[1].end).toBe(2 * firstCut);
    expect(segs[2]).toMatchObject({ start: segs[1].end, end: 1700 * W + 200 * MS, reason: 'silence' });
    segs.forEach(expectAudioExact);
    for (const s of segs) expect(s.end - s.start).toBeLessThanOrEqual(cap);
  });

  it('splits at the least speech-like window within the last second before the cap', () => {
    const probs = script([0.9, 1000], [0, 40]);
    probs[770] = 0.4; // ends at 394752: within the last second before the cap (≥ 384000)
    probs[775] = 0.45;
    probs[700] = 0.36; // quieter, but too early to be a candidate
    const segs = segments(feed(probs).events);
    expect(segs).toHaveLength(2);
    expect(segs[0]).toMatchObject({ end: 771 * W, speechEnd: 771 * W, reason: 'max_length' });
    expect(segs[1]).toMatchObject({ start: 771 * W, speechStart: 771 * W, reason: 'silence' });
    segs.forEach(expectAudioExact);
  });

  it('ends at max length inside a pause and reopens with pre-roll when speech resumes', () => {
    // Speech stops at 770 * 512 = 394240; the cap (window ending at 399872) comes 11 silent
    // windows later, before the 600 ms end silence: the cut falls in the pause, tail kept.
    const segs = segments(feed(script([0.9, 770], [0, 18], [0.9, 20], [0, 40])).events);
    expect(segs).toHaveLength(2);
    expect(segs[0]).toMatchObject({ start: 0, end: 770 * W + 200 * MS, speechEnd: 770 * W, reason: 'max_length' });
    expect(segs[1].speechStart).toBe(788 * W);
    expect(segs[1].start).toBe(788 * W - 300 * MS);
    segs.forEach(expectAudioExact);
  });

  it('flush closes mid-speech with all audio, partial window included', () => {
    const ep = new Endpointer();
    const probs = script([0, 10], [0.9, 20]);
    const events = feed(probs, undefined, ep).events;
    events.push(...ep.push(source(30 * W, 30 * W + 100), [])); // 100 samples, no window yet
    events.push(...ep.flush());
    const segs = segments(events);
    expect(segs).toHaveLength(1);
    expect(segs[0]).toMatchObject({ end: 30 * W + 100, speechEnd: 30 * W + 100, reason: 'flush' });
    expectAudioExact(segs[0]);
    expect(ep.flush()).toEqual([]); // nothing open any more

    // Speech goes on after the flush: a new segment, never overlapping the flushed one.
    const more: EndpointEvent[] = [];
    more.push(...ep.push(source(30 * W + 100, 31 * W), [0.9]));
    for (let k = 31; k < 60; k++) more.push(...ep.push(source(k * W, (k + 1) * W), [k < 40 ? 0.9 : 0]));
    const next = segments(more);
    expect(next).toHaveLength(1);
    expect(next[0].start).toBe(30 * W + 100);
    expectAudioExact(next[0]);
  });

  it('flush during trailing silence cuts like a silence end; flush while idle does nothing', () => {
    const ep = new Endpointer();
    const events = feed(script([0.9, 10], [0, 10]), undefined, ep).events;
    events.push(...ep.flush());
    const segs = segments(events);
    expect(segs[0]).toMatchObject({ end: 10 * W + 200 * MS, speechEnd: 10 * W, reason: 'flush' });
    expectAudioExact(segs[0]);

    const idle = new Endpointer();
    feed(script([0, 10], [0.9, 2]), undefined, idle); // a candidate, not yet speech
    expect(idle.flush()).toEqual([]);
  });

  it('gives the same result whatever the chunking', () => {
    const probs = script([0, 13], [0.9, 40], [0.2, 10], [0.6, 30], [0, 25], [0.9, 3], [0, 9], [0.9, 50], [0, 30]);
    const ref = segments(feed(probs).events);
    expect(ref.length).toBe(2);
    for (const sizes of [[1], [100, 3000, 7], [512], [16000], [511, 513]]) {
      const segs = segments(feedChunked(probs, sizes));
      expect(segs.map(({ audio, ...s }) => s)).toEqual(ref.map(({ audio, ...s }) => s));
      segs.forEach(expectAudioExact);
    }
  });

  it('keeps memory bounded over long streams fed in large chunks', () => {
    // 20 minutes: alternating long speech (forced splits) and long silence, 10 s chunks.
    const probs: number[] = [];
    for (let i = 0; i < 20; i++) probs.push(...script([0.9, 1500], [0.05, 375]));
    const segs = segments(feedChunked(probs, [160_000]));
    expect(segs.length).toBeGreaterThanOrEqual(40);
    for (const s of segs) expect(s.end - s.start).toBeLessThanOrEqual(25_000 * MS);
  });

  it('rejects probabilities that do not match the audio', () => {
    const ep = new Endpointer();
    expect(() => ep.push(new Int16Array(1000), [])).toThrow(/completes 1 windows/);
    expect(() => ep.push(new Int16Array(100), [0.5])).toThrow();
  });
});

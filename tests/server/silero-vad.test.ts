import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad, VAD_WINDOW, defaultSileroModelPath } from '../../server/vad/silero.ts';
import { Endpointer, type EndpointEvent } from '../../server/vad/endpointer.ts';
import { loadWav16k } from '../helpers/fixtures.ts';
import { realSpeechDir } from '../helpers/paths.ts';

const realSpeech = (name: string) => path.join(realSpeechDir, name);
const SR = 16000;
const readWav16k = loadWav16k;

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function whiteNoise(samples: number, rms: number, seed = 1): Int16Array {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1; // deterministic
  const a = new Int16Array(samples);
  for (let i = 0; i < samples; i++) a[i] = Math.round(rnd() * rms * Math.sqrt(3)); // uniform: rms = amp/√3
  return a;
}

/** Where speech is, independently of the VAD: first/last 20 ms frame within 15 dB of the loudest. */
function energyBounds(pcm: Int16Array): { start: number; end: number } {
  const frame = 320;
  const db: number[] = [];
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    let e = 0;
    for (let j = 0; j < frame; j++) e += pcm[i + j] ** 2;
    db.push(10 * Math.log10(e / frame + 1e-9));
  }
  const thr = Math.max(...db) - 15;
  const first = db.findIndex((d) => d > thr);
  const last = db.length - 1 - [...db].reverse().findIndex((d) => d > thr);
  return { start: first * frame, end: (last + 1) * frame };
}

/** Feeds pcm in chunks of the given sizes (cycled), like WebSocket frames. */
async function probsOf(vad: SileroVad, pcm: Int16Array, sizes = [VAD_WINDOW]): Promise<number[]> {
  const stream = vad.createStream();
  const out: number[] = [];
  for (let pos = 0, i = 0; pos < pcm.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(...(await stream.process(pcm.subarray(pos, pos + n))));
    pos += n;
  }
  return out;
}

describe('Silero VAD v5 (onnxruntime-node)', () => {
  let vad: SileroVad;
  let jfk: Int16Array;

  beforeAll(async () => {
    vad = await SileroVad.load();
    jfk = readWav16k(realSpeech('en-jfk.wav'));
  });
  afterAll(async () => {
    await vad?.close();
  });

  it('finds the model inside @ricky0123/vad-web', () => {
    expect(defaultSileroModelPath()).toMatch(/@ricky0123[\\/]vad-web[\\/]dist[\\/]silero_vad_v5\.onnx$/);
  });

  it('rejects a model with another interface (the v4 "legacy" one)', async () => {
    const legacy = path.join(path.dirname(defaultSileroModelPath()), 'silero_vad_legacy.onnx');
    await expect(SileroVad.load({ modelPath: legacy })).rejects.toThrow(/not a Silero VAD v5/);
  });

  it('gives high probabilities on real speech', async () => {
    const probs = await probsOf(vad, jfk);
    expect(probs).toHaveLength(Math.floor(jfk.length / VAD_WINDOW));
    const speechy = probs.filter((p) => p >= 0.5).length / probs.length;
    // en-jfk is ~11 s with ~3.5 s of pauses: most windows, not all, are speech.
    expect(speechy).toBeGreaterThan(0.55);
    expect(Math.max(...probs)).toBeGreaterThan(0.95);
    // "And so my fellow Americans" runs from about 0.35 s to 2.2 s.
    const phrase = probs.slice(Math.ceil((0.4 * SR) / VAD_WINDOW), Math.floor((2.1 * SR) / VAD_WINDOW));
    expect(phrase.reduce((a, b) => a + b, 0) / phrase.length).toBeGreaterThan(0.8);
  });

  it('gives low probabilities on digital silence and low-level white noise', async () => {
    const silence = await probsOf(vad, new Int16Array(3 * SR));
    expect(Math.max(...silence)).toBeLessThan(0.1);
    for (const dbfs of [-60, -50, -40]) {
      const rms = 32768 * 10 ** (dbfs / 20);
      const noise = await probsOf(vad, whiteNoise(5 * SR, rms, 7));
      const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
      expect(mean, `white noise at ${dbfs} dBFS`).toBeLessThan(0.1);
      expect(Math.max(...noise), `white noise at ${dbfs} dBFS`).toBeLessThan(0.35);
    }
  });

  it('does not depend on how the audio is chunked', async () => {
    const ref = await probsOf(vad, jfk);
    for (const sizes of [[160], [1000, 37, 4096], [SR]]) {
      const probs = await probsOf(vad, jfk, sizes);
      expect(probs).toHaveLength(ref.length);
      probs.forEach((p, i) => expect(p).toBeCloseTo(ref[i], 5));
    }
  });

  it('serializes calls that are not awaited, and reset() starts afresh', async () => {
    const ref = await probsOf(vad, jfk);
    const stream = vad.createStream();
    const calls: Promise<number[]>[] = [];
    for (let pos = 0; pos < jfk.length; pos += 3000) calls.push(stream.process(jfk.subarray(pos, pos + 3000)));
    const probs = (await Promise.all(calls)).flat();
    probs.forEach((p, i) => expect(p).toBeCloseTo(ref[i], 5));

    stream.reset();
    const again = await stream.process(jfk);
    again.forEach((p, i) => expect(p).toBeCloseTo(ref[i], 5));
  });

  it('keeps streams independent when 50 run at once (batched), and measures the cost', async () => {
    const clip = jfk.subarray(0, 5 * SR);
    // Single stream, one window per call: the unbatched cost.
    const t0 = performance.now();
    const ref = await probsOf(vad, clip);
    const singleMs = (performance.now() - t0) / ref.length;

    // 50 streams fed 20 ms frames in lockstep, as 50 live sessions would be.
    const streams = Array.from({ length: 50 }, () => vad.createStream());
    const results: number[][] = streams.map(() => []);
    const before = { ...vad.stats };
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const t1 = performance.now();
    for (let pos = 0; pos < clip.length; pos += 320) {
      const frame = clip.subarray(pos, pos + 320);
      const got = await Promise.all(streams.map((s) => s.process(frame)));
      got.forEach((g, i) => results[i].push(...g));
    }
    const wall = performance.now() - t1;
    lag.disable();
    const windows = vad.stats.windows - before.windows;
    const runs = vad.stats.runs - before.runs;
    for (const r of results) r.forEach((p, i) => expect(p).toBeCloseTo(ref[i], 5));
    expect(windows).toBe(50 * ref.length);

    const batchedMs = wall / windows;
    console.log(
      `[silero-vad] single stream: ${singleMs.toFixed(3)} ms per 32 ms window (one run() each); ` +
        `50 streams: ${batchedMs.toFixed(3)} ms per window wall, ${(windows / runs).toFixed(1)} windows per run(), ` +
        `event-loop delay max ${(lag.max / 1e6).toFixed(1)} ms; ` +
        `50 live streams would need ${((50 * batchedMs * 1000) / 32 / 10).toFixed(1)}% of one core`,
    );
    // Generous bounds (shared CI machines): 50 real-time streams must fit in well under a core.
    expect(singleMs).toBeLessThan(2);
    expect(batchedMs * 50).toBeLessThan(32 * 0.75);
  });

  it('close() fails pending and later calls instead of hanging', async () => {
    const own = await SileroVad.load();
    const stream = own.createStream();
    const pending = stream.process(jfk.subarray(0, 10 * VAD_WINDOW));
    await own.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(stream.process(jfk.subarray(0, VAD_WINDOW))).rejects.toThrow(/closed/);
  });

  it('drives the endpointer to two segments on two clips with 1.5 s of silence between', async () => {
    const a = readWav16k(realSpeech('en-librivox-0880.wav'));
    const b = readWav16k(realSpeech('en-librivox-0930.wav'));
    const lead = new Int16Array(1 * SR);
    const gap = new Int16Array(1.5 * SR);
    const trail = new Int16Array(1.5 * SR);
    const audio = concat(lead, a, gap, b, trail);
    const offB = lead.length + a.length + gap.length;
    const truth = [energyBounds(a), energyBounds(b)].map((t, i) => {
      const off = i === 0 ? lead.length : offB;
      return { start: off + t.start, end: off + t.end };
    });

    const stream = vad.createStream();
    const ep = new Endpointer();
    const events: EndpointEvent[] = [];
    for (let pos = 0; pos < audio.length; pos += 1600) {
      const pcm = audio.subarray(pos, pos + 1600); // 100 ms frames
      events.push(...ep.push(pcm, await stream.process(pcm)));
    }
    events.push(...ep.flush());

    const starts = events.filter((e) => e.type === 'start');
    const ends = events.filter((e) => e.type === 'end');
    expect(starts).toHaveLength(2);
    expect(ends).toHaveLength(2);
    const ms = (s: number) => Math.round((s / SR) * 1000);
    console.log(
      '[silero-vad] segments (ms): ' +
        starts
          .map((s, i) => `speech ${ms(s.speechSample)}–${ms(ends[i].speechSample)} audio ${ms(s.sample)}–${ms(ends[i].sample)} (${ends[i].reason}); truth ${ms(truth[i].start)}–${ms(truth[i].end)}`)
          .join('; '),
    );
    const tol = 0.3 * SR;
    starts.forEach((s, i) => {
      const e = ends[i];
      expect(e.reason).toBe('silence');
      expect(Math.abs(s.speechSample - truth[i].start)).toBeLessThanOrEqual(tol);
      expect(Math.abs(e.speechSample - truth[i].end)).toBeLessThanOrEqual(tol);
      // The audio handed to a recognizer covers the whole utterance.
      expect(s.sample).toBeLessThanOrEqual(truth[i].start);
      expect(e.sample).toBeGreaterThanOrEqual(truth[i].end - 0.1 * SR);
    });
    // And it is exactly the source audio of each segment.
    const audioEvents = events.filter((e) => e.type === 'audio');
    for (const ev of audioEvents) {
      expect(Buffer.compare(Buffer.from(ev.pcm.buffer, ev.pcm.byteOffset, ev.pcm.byteLength), Buffer.from(audio.buffer, ev.sample * 2, ev.pcm.byteLength))).toBe(0);
    }
  });
});

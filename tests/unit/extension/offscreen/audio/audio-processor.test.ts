// Runs capture-processor.ts the way Chrome's AudioWorkletGlobalScope would — a fake
// scope with registerProcessor, an AudioWorkletProcessor base with a port, and the
// `sampleRate` global — and drives process() with 128-frame quanta of stereo audio.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioWorkletProcessorImpl, AudioWorkletProcessorImplConstructor } from '../../../../../src/offscreen/audio/worklet-globals';

interface Posted {
  message: { type: string; pcm?: ArrayBuffer; rms?: number };
  transfer?: Transferable[];
}

class FakePort {
  posted: Posted[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  postMessage(message: Posted['message'], transfer?: Transferable[]): void {
    this.posted.push({ message, transfer });
  }
  /** Deliver a message from the node side, as the worklet's event loop would. */
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }
}

const GLOBALS = ['sampleRate', 'currentFrame', 'currentTime', 'AudioWorkletProcessor', 'registerProcessor'] as const;

async function loadProcessor(rate: number) {
  const registered = new Map<string, AudioWorkletProcessorImplConstructor>();
  const g = globalThis as Record<string, unknown>;
  g.sampleRate = rate;
  g.currentFrame = 0;
  g.currentTime = 0;
  g.AudioWorkletProcessor = class {
    readonly port = new FakePort();
  };
  g.registerProcessor = (name: string, ctor: AudioWorkletProcessorImplConstructor) => {
    if (registered.has(name)) throw new Error(`${name} registered twice`);
    registered.set(name, ctor);
  };
  vi.resetModules();
  await import('../../../../../src/offscreen/audio/capture-processor.ts');
  const Ctor = registered.get('pcm16-capture');
  if (!Ctor) throw new Error('pcm16-capture was not registered');
  const processor = new Ctor({ numberOfInputs: 1, numberOfOutputs: 0 }) as AudioWorkletProcessorImpl & { port: FakePort };
  return { processor, port: processor.port };
}

afterEach(() => {
  for (const k of GLOBALS) delete (globalThis as Record<string, unknown>)[k];
});

const frames = (port: FakePort) => port.posted.filter((p) => p.message.type === 'frame');
const levels = (port: FakePort) => port.posted.filter((p) => p.message.type === 'level').map((p) => p.message.rms as number);

/** Stereo test signal: left 0.6·sin(440 Hz), right 0.2·sin(2 kHz) + a 15 kHz tone the resampler must remove. */
function stereoQuanta(rate: number, quanta: number, startFrame = 0) {
  const out: Float32Array[][] = [];
  for (let q = 0; q < quanta; q++) {
    const l = new Float32Array(128);
    const r = new Float32Array(128);
    for (let i = 0; i < 128; i++) {
      const t = (startFrame + q * 128 + i) / rate;
      l[i] = 0.6 * Math.sin(2 * Math.PI * 440 * t);
      r[i] = 0.2 * Math.sin(2 * Math.PI * 2000 * t) + 0.2 * Math.sin(2 * Math.PI * 15000 * t);
    }
    out.push([l, r]);
  }
  return out;
}

/** The mono signal the server should receive, at input time t seconds: (L + R) / 2 without the 15 kHz part. */
const expectedMono = (t: number) => 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.1 * Math.sin(2 * Math.PI * 2000 * t);

describe.each([48000, 44100])('pcm16-capture processor at %i Hz', (rate) => {
  it('registers and turns 2-channel render quanta into 100 ms Int16 frames with the right content', async () => {
    const { processor, port } = await loadProcessor(rate);
    const quanta = stereoQuanta(rate, Math.ceil(rate / 128)); // just over 1 s
    for (const q of quanta) expect(processor.process([q], [], {})).toBe(true);

    const got = frames(port);
    expect(got.length).toBe(10);
    for (const f of got) {
      expect(f.message.pcm).toBeInstanceOf(ArrayBuffer);
      expect(f.message.pcm!.byteLength).toBe(3200);
      expect(f.transfer).toEqual([f.message.pcm]); // transferred, not copied
    }

    // Compare against the ideal mono signal, delayed by the filter's group delay.
    const pcm = new Int16Array(16000);
    got.forEach((f, i) => pcm.set(new Int16Array(f.message.pcm!), i * 1600));
    const { StreamingResampler } = await import('../../../../../dsp/resampler.ts');
    const delay = new StreamingResampler(rate).design.delayInputSamples / rate;
    let maxErr = 0;
    for (let n = 100; n < 16000; n++) {
      maxErr = Math.max(maxErr, Math.abs(pcm[n] / 32767 - expectedMono(n / 16000 - delay)));
    }
    expect(maxErr).toBeLessThan(2e-3); // < 0.2 % of full scale: 15 kHz gone, both channels present

    // A level report per 100 ms, RMS of the mono 16 kHz signal: sqrt(0.3²/2 + 0.1²/2).
    const rmsList = levels(port);
    expect(rmsList.length).toBe(10);
    for (const v of rmsList.slice(1)) expect(v).toBeCloseTo(Math.sqrt((0.09 + 0.01) / 2), 2);
  });

  it('flush posts the partial frame, then flushed; later frames continue from there', async () => {
    const { processor, port } = await loadProcessor(rate);
    for (const q of stereoQuanta(rate, 100)) processor.process([q], [], {});
    const before = frames(port).length;
    const produced = Math.ceil((100 * 128 * 16000) / rate);
    expect(before).toBe(Math.floor(produced / 1600));

    port.deliver({ type: 'flush' });
    const tail = port.posted.slice(-2);
    expect(tail[0].message.type).toBe('frame');
    expect(tail[0].message.pcm!.byteLength).toBe((produced % 1600) * 2);
    expect(tail[1].message).toEqual({ type: 'flushed' });

    // A second flush with nothing buffered only acknowledges.
    port.deliver({ type: 'flush' });
    expect(port.posted.at(-1)!.message).toEqual({ type: 'flushed' });
    expect(frames(port).length).toBe(before + 1);

    // Unknown messages are ignored.
    port.deliver({ type: 'bogus' });
    port.deliver(null);
    expect(port.posted.at(-1)!.message).toEqual({ type: 'flushed' });

    for (const q of stereoQuanta(rate, Math.ceil(rate / 128), 100 * 128)) processor.process([q], [], {});
    const after = frames(port).slice(before + 1);
    expect(after.length).toBeGreaterThanOrEqual(9);
    for (const f of after) expect(f.message.pcm!.byteLength).toBe(3200);
  });

  it('keeps producing (silent) frames when the input has no channels', async () => {
    const { processor, port } = await loadProcessor(rate);
    const quanta = Math.ceil(rate / 128);
    for (let q = 0; q < quanta; q++) expect(processor.process([[]], [], {})).toBe(true);
    const got = frames(port);
    expect(got.length).toBe(10);
    for (const f of got) expect(new Int16Array(f.message.pcm!).every((v) => v === 0)).toBe(true);
    expect(levels(port).every((v) => v === 0)).toBe(true);
  });

  it('handles mono input', async () => {
    const { processor, port } = await loadProcessor(rate);
    const quanta = stereoQuanta(rate, Math.ceil(rate / 128));
    for (const q of quanta) processor.process([[q[0]]], [], {});
    const rmsList = levels(port);
    expect(rmsList.length).toBe(10);
    expect(rmsList.at(-1)).toBeCloseTo(0.6 / Math.SQRT2, 2);
  });
});

// TranscriptionPipeline.whenSilent(): the event draining waits on instead of polling. Real
// endpointer and pipeline; a fake VAD (loud window = speech) and a fake recognizer.
import { describe, expect, it, vi } from 'vitest';
import type { Recognizer } from '../../../server/engines/engine.ts';
import { silentLogger } from '../../../server/log.ts';
import { TranscriptionPipeline, type SegmentSink } from '../../../server/pipeline.ts';

vi.mock('../../../server/vad/silero.ts', () => ({
  SileroVad: {
    load: async () => ({
      createStream: () => ({
        // One probability per whole 512-sample window: speech when the window is loud. Tests push whole windows.
        process: async (pcm: Int16Array) =>
          Array.from({ length: Math.floor(pcm.length / 512) }, (_, w) => (Math.abs(pcm[w * 512]!) > 1000 ? 0.9 : 0.01)),
      }),
    }),
  },
}));

const WINDOWS_PER_SECOND = 31; // 31 × 512 samples ≈ 1 s at 16 kHz
const audio = (seconds: number, loud: boolean) => new Int16Array(Math.round(seconds * WINDOWS_PER_SECOND) * 512).fill(loud ? 8000 : 0);

async function pipeline(finals: string[] = []) {
  const recognizer: Recognizer = {
    accept: async () => {},
    partial: async () => ({ text: '' }),
    finish: async () => ({ text: 'words' }),
    close: async () => {},
  };
  const sink: SegmentSink = { partial() {}, final: (f) => void finals.push(f.text), error() {} };
  return TranscriptionPipeline.create(recognizer, sink, { endSilenceMs: 600, maxSegmentSeconds: 25, language: 'en', log: silentLogger });
}

/** Lets the pipeline's queue run what was pushed (the fakes answer at once). */
async function idle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Whether `p` has settled once everything queued so far has run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await idle();
  return done;
}

describe('TranscriptionPipeline.whenSilent', () => {
  it('resolves at once while no phrase is open', async () => {
    const p = await pipeline();
    p.push(audio(1, false));
    expect(await settled(p.whenSilent())).toBe(true);
  });

  it('waits while a phrase is open and resolves when it ends, before its final goes out', async () => {
    const finals: string[] = [];
    const p = await pipeline(finals);
    p.push(audio(1, true));
    await idle();
    const silent = p.whenSilent();
    p.push(audio(0.3, false)); // shorter than the 600 ms that ends a phrase
    expect(await settled(silent)).toBe(false);
    p.push(audio(0.5, false)); // now 800 ms of silence: the phrase ends
    expect(await settled(silent)).toBe(true);
    await p.flush();
    expect(finals).toEqual(['words']);
  });

  it('resolves when the pipeline closes with a phrase open', async () => {
    const p = await pipeline();
    p.push(audio(1, true));
    await idle();
    const silent = p.whenSilent();
    expect(await settled(silent)).toBe(false);
    await p.close();
    expect(await settled(silent)).toBe(true);
  });
});

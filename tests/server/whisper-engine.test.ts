// The whisper engine's real plumbing (native binding, model loading, queued async inference,
// streaming policy) with whisper.cpp's weightless test models: they load and run like real
// ones but decode to nothing, so the assertions are about behaviour, not accuracy.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../protocol/wav.ts';
import { EngineUnavailableError } from '../../server/engines/engine.ts';
import { createWhisperEngine, type WhisperEngine } from '../../server/engines/whisper.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared');
const MODEL = path.join(sharedDir, 'fixtures/models/for-tests-ggml-tiny.bin');
const MODEL_EN = path.join(sharedDir, 'fixtures/models/for-tests-ggml-tiny.en.bin');
const CHUNK = 1600; // 100 ms, as a session feeds it

function speech(): Int16Array {
  const wav = parseWav(readFileSync(path.join(sharedDir, 'fixtures/speech/en-weather.wav')));
  expect(wav).toMatchObject({ sampleRate: 16000, channels: 1 });
  return wav.samples;
}

/** Runs fn while counting 10 ms timer ticks: a blocked event loop would count ~none. */
async function countingTicks<T>(fn: () => Promise<T>): Promise<{ value: T; ticks: number; ms: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = Date.now();
  try {
    const value = await fn();
    return { value, ticks, ms: Date.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

let engine: WhisperEngine;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'whisper-engine-'));
  engine = await createWhisperEngine({ modelPath: MODEL });
});

afterAll(async () => {
  await engine?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('whisper engine with the weightless test model', () => {
  it('describes itself and warns that the model has no weights', () => {
    expect(engine.info).toEqual({ name: 'whisper', model: 'for-tests-ggml-tiny', languages: 'multi' });
    expect(engine.backend).toBe('cpu');
    expect(engine.notice).toMatch(/no weights/);
  });

  it('streams speech through partial() and finish() off the event loop, decoding to empty text', async () => {
    // 'auto' also exercises language detection (the test model "detects" some language).
    const rec = await engine.createRecognizer({ language: 'auto' });
    const pcm = speech();
    for (let i = 0; i < pcm.length; i += CHUNK) await rec.accept(pcm.subarray(i, i + CHUNK));

    const { value: partial, ticks, ms } = await countingTicks(() => rec.partial());
    expect(partial.text).toBe('');
    // Inference ran (it takes a while even without weights) and timers kept firing.
    expect(ms).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan((ms / 10) * 0.5);

    // No audio since the partial: finish() reuses that pass, and reports its language.
    const final = await rec.finish();
    expect(final.text).toBe('');
    expect(final.language).toMatch(/^[a-z]{2,3}$/);

    // The recognizer is ready for the next utterance.
    expect((await rec.partial()).text).toBe('');
    await rec.close();
    await expect(rec.accept(new Int16Array(10))).rejects.toThrow(/closed/);
  });

  it('skips inference on near-silent audio', async () => {
    const rec = await engine.createRecognizer({ language: 'en' });
    await rec.accept(new Int16Array(3 * 16000).map((_, i) => (i % 7) - 3)); // ~-80 dBFS hiss
    const { value, ms } = await countingTicks(() => rec.partial());
    expect(value.text).toBe('');
    expect(ms).toBeLessThan(1000);
    expect((await rec.finish()).text).toBe('');
    await rec.close();
  });

  it('rejects languages Whisper does not know', async () => {
    await expect(engine.createRecognizer({ language: 'xx' })).rejects.toMatchObject({ code: 'unsupported_language' });
    await expect(engine.createRecognizer({ language: 'yue' })).rejects.toThrow(/cannot transcribe/); // large-v3 only
    const rec = await engine.createRecognizer({ language: 'pt-BR' });
    await rec.close();
  });
});

describe('English-only model', () => {
  it('offers only English', async () => {
    const en = await createWhisperEngine({ modelPath: MODEL_EN });
    try {
      expect(en.info.languages).toEqual(['en']);
      await expect(en.createRecognizer({ language: 'de' })).rejects.toMatchObject({ code: 'unsupported_language' });
      const rec = await en.createRecognizer({ language: 'auto' });
      expect((await rec.finish()).text).toBe('');
      await rec.close();
    } finally {
      await en.close();
    }
    await expect(en.createRecognizer({ language: 'en' })).rejects.toThrow(/closed/);
  });
});

describe('errors', () => {
  it('reports a missing model file', async () => {
    const err = await createWhisperEngine({ modelPath: path.join(tmp, 'nope.bin') }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toMatch(/whisper engine unavailable: model file not found: .*nope\.bin.*npm run model/);
  });

  it('reports a file that is not a model', async () => {
    const file = path.join(tmp, 'garbage.bin');
    await writeFile(file, Buffer.alloc(10_000, 0x41));
    const err = await createWhisperEngine({ modelPath: file }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toMatch(/not a whisper\.cpp ggml model/);
  });

  it('reports a corrupt model that whisper.cpp itself refuses', async () => {
    // A valid header followed by garbage gets past our check and fails in the native loader.
    const file = path.join(tmp, 'corrupt.bin');
    const head = readFileSync(MODEL).subarray(0, 48);
    await writeFile(file, Buffer.concat([head, Buffer.alloc(50_000, 0xff)]));
    const err = await createWhisperEngine({ modelPath: file }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toMatch(/could not load model .*corrupt\.bin/);
  });

  it('falls back to CPU with a notice when the GPU build cannot be used', async () => {
    const gpu = await createWhisperEngine({ modelPath: MODEL, gpu: 'cuda' });
    try {
      expect(gpu.backend).toBe('cpu');
      expect(gpu.notice).toMatch(/cuda/);
    } finally {
      await gpu.close();
    }
  });
});

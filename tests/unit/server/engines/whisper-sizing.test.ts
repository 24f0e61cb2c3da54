import { describe, expect, it } from 'vitest';
import {
  AUDIO_CTX_FLOOR,
  FULL_AUDIO_CTX,
  audioCtxFor,
  maxTokensFor,
  passSize,
} from '../../../../server/engines/whisper-sizing.ts';

describe('audio_ctx from the buffered audio', () => {
  it('never goes below the floor (≈5 s), whatever the audio', () => {
    expect(AUDIO_CTX_FLOOR).toBe(256);
    expect(audioCtxFor(0)).toBe(256);
    expect(audioCtxFor(0.5)).toBe(256);
    expect(audioCtxFor(3)).toBe(256); // 150 positions + 64 margin → 214 → floor
  });

  it('covers the audio plus a margin of more than a second, in steps of 64', () => {
    for (const s of [4, 5, 7.3, 10, 14.9, 20, 27]) {
      const ctx = audioCtxFor(s);
      expect(ctx % 64 === 0 || ctx === FULL_AUDIO_CTX).toBe(true);
      expect(ctx).toBeGreaterThanOrEqual(Math.min(FULL_AUDIO_CTX, Math.ceil(s * 50) + 64));
      expect(ctx).toBeLessThan(Math.ceil(s * 50) + 64 + 64);
    }
    expect(audioCtxFor(5)).toBe(320); // 250 + 64 = 314 → 320
    expect(audioCtxFor(10)).toBe(576); // 564 → 576
  });

  it('is the full window (1500) from about 29 s', () => {
    expect(audioCtxFor(29)).toBe(FULL_AUDIO_CTX);
    expect(audioCtxFor(28)).toBe(1472);
    expect(audioCtxFor(45)).toBe(FULL_AUDIO_CTX);
  });
});

describe('decoded-token cap', () => {
  it('grows with the audio: 10 + 6 per second', () => {
    expect(maxTokensFor(0)).toBe(10);
    expect(maxTokensFor(1)).toBe(16);
    expect(maxTokensFor(5)).toBe(40);
    expect(maxTokensFor(2.1)).toBe(23);
  });

  it('leaves room for fast real speech (4 tokens a second) and stops runaway loops', () => {
    for (const s of [1, 3, 10, 25]) expect(maxTokensFor(s)).toBeGreaterThan(4 * s + 2);
    expect(maxTokensFor(5)).toBeLessThan(224 / 4);
  });
});

describe('pass options', () => {
  it('partials never use temperature fallback; finals may', () => {
    expect(passSize(4, false).temperatureInc).toBe(0);
    expect(passSize(4, true).temperatureInc).toBeGreaterThan(0);
  });

  it('sizes both from the audio, or the full window when asked', () => {
    expect(passSize(4, false)).toEqual({ audioCtx: 320, maxTokens: 34, temperatureInc: 0 });
    expect(passSize(4, false, { fullWindow: true }).audioCtx).toBe(0);
  });
});

describe('--whisper-workers', () => {
  it('sets how many passes run at once (flag or WHISPER_WORKERS); unset leaves the 2-3 default', async () => {
    const { parseConfig } = await import('../../../../server/config.ts');
    const { defaultWorkers } = await import('../../../../server/engines/whisper.ts');
    expect(parseConfig(['--whisper-workers', '4'], {})).toMatchObject({ engine: { whisperWorkers: 4 } });
    expect(parseConfig([], { WHISPER_WORKERS: '1' })).toMatchObject({ engine: { whisperWorkers: 1 } });
    expect((parseConfig([], {}) as { engine: { whisperWorkers?: number } }).engine.whisperWorkers).toBeUndefined();
    expect(() => parseConfig(['--whisper-workers', '0'], {})).toThrow(/whisper-workers/);
    expect([defaultWorkers(1), defaultWorkers(2), defaultWorkers(16)]).toEqual([2, 2, 3]);
  });
});

// How big a whisper.cpp pass needs to be for the audio it is given: encoder positions
// (audio_ctx), a cap on decoded tokens, and whether temperature fallback may run.
//
// Whisper's encoder sees 30 s (1500 positions, 50 per second) whatever the input; whisper.cpp's
// audio_ctx lets it encode only the first N positions, which makes a pass over a few seconds
// of speech several times cheaper. The accuracy risk: the model was trained on full 30 s
// windows only. With a context just long enough for the audio it tends to drop or repeat the
// last word, and very short contexts (< ~5 s) raise the hallucination rate. We therefore
// round up with a margin of more than a second of silence and never go below AUDIO_CTX_FLOOR
// (~5 s), where the measurements and whisper.cpp's stream example (which uses 512 and
// lower) show usable text.

export const POSITIONS_PER_SECOND = 50;
export const FULL_AUDIO_CTX = 1500;
/** Never encode less than this (≈5.1 s): shorter contexts lose words and hallucinate more. */
export const AUDIO_CTX_FLOOR = 256;
/** Context past the end of the audio (≈1.3 s), so the last word is never at the edge. */
export const AUDIO_CTX_MARGIN = 64;
/** Contexts are rounded up to a multiple of this, so similar lengths reuse buffer sizes. */
export const AUDIO_CTX_STEP = 64;

/** Encoder positions for `seconds` of audio: margin, rounded up, between the floor and 1500. */
export function audioCtxFor(seconds: number, floor = AUDIO_CTX_FLOOR): number {
  if (!(seconds > 0)) return Math.min(FULL_AUDIO_CTX, floor);
  const need = Math.ceil(seconds * POSITIONS_PER_SECOND) + AUDIO_CTX_MARGIN;
  const rounded = Math.ceil(need / AUDIO_CTX_STEP) * AUDIO_CTX_STEP;
  return Math.min(FULL_AUDIO_CTX, Math.max(floor, rounded));
}

/**
 * Real speech runs at 2-3 words (3-4 tokens) a second; timestamps add 2 per segment. The cap
 * leaves room for fast speakers and stops the runaway repetition loops Whisper falls into on
 * noise, which would otherwise decode up to 224 tokens per pass.
 */
export const TOKENS_PER_SECOND_CAP = 6;
export const TOKENS_BASE = 10;

export function maxTokensFor(seconds: number): number {
  return TOKENS_BASE + Math.ceil(Math.max(0, seconds) * TOKENS_PER_SECOND_CAP);
}

export interface PassSize {
  audioCtx: number;
  maxTokens: number;
  /** 0 for partials: a partial that goes wrong is replaced by the next one, not retried. */
  temperatureInc: number;
}

/** The pass for `seconds` of buffered audio; `final` allows temperature fallback. */
export function passSize(seconds: number, final: boolean, opts: { fullWindow?: boolean } = {}): PassSize {
  return {
    audioCtx: opts.fullWindow ? 0 : audioCtxFor(seconds),
    maxTokens: maxTokensFor(seconds),
    temperatureInc: final ? 0.2 : 0,
  };
}

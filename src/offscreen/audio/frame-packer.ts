// The wire format is pcm_s16le at 16 kHz in 100 ms (1600-sample) binary WebSocket frames.
// This turns the resampler's arbitrary-sized Float32 output into exactly those frames:
// clip to ±1, scale by 32767, round, store little-endian. Each frame is a fresh
// ArrayBuffer so the worklet can transfer it (zero-copy) to the offscreen document.
// Pure: no Web Audio, no DOM.

export const FRAME_SAMPLES = 1600;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float sample in [-1, 1] → Int16 (clipped, rounded; NaN → 0). -1 maps to -32767. */
export function floatToInt16(x: number): number {
  if (!(x === x)) return 0; // NaN
  const c = x > 1 ? 1 : x < -1 ? -1 : x;
  return Math.round(c * 32767) | 0;
}

export class FramePacker {
  readonly frameSamples: number;
  private readonly onFrame: (pcm: ArrayBuffer) => void;
  private frame: Int16Array;
  private view: DataView | null;
  private fill = 0;

  /**
   * @param onFrame receives each complete frame (frameSamples × 2 bytes), and the partial
   *   frame on `flush()`. Ownership passes to the callee (safe to transfer).
   */
  constructor(onFrame: (pcm: ArrayBuffer) => void, frameSamples: number = FRAME_SAMPLES) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) {
      throw new RangeError(`frameSamples must be a positive integer, got ${frameSamples}`);
    }
    this.frameSamples = frameSamples;
    this.onFrame = onFrame;
    this.frame = new Int16Array(frameSamples);
    this.view = LITTLE_ENDIAN_HOST ? null : new DataView(this.frame.buffer);
  }

  /** Samples buffered towards the next frame. */
  get pending(): number {
    return this.fill;
  }

  /** Append the first `length` samples of `samples`; emits every frame that completes. */
  push(samples: Float32Array, length: number = samples.length): void {
    let i = 0;
    while (i < length) {
      const take = Math.min(length - i, this.frameSamples - this.fill);
      const frame = this.frame;
      const view = this.view;
      let f = this.fill;
      if (view === null) {
        for (let k = 0; k < take; k++) frame[f++] = floatToInt16(samples[i + k]);
      } else {
        for (let k = 0; k < take; k++) view.setInt16(2 * f++, floatToInt16(samples[i + k]), true);
      }
      this.fill = f;
      i += take;
      if (this.fill === this.frameSamples) this.emit(this.frameSamples);
    }
  }

  /** Emit the buffered partial frame (if any) and return how many samples it held. */
  flush(): number {
    const n = this.fill;
    if (n > 0) this.emit(n);
    return n;
  }

  /** Drop buffered samples without emitting them. */
  reset(): void {
    this.fill = 0;
  }

  private emit(samples: number): void {
    const full = this.frame.buffer as ArrayBuffer;
    const out = samples === this.frameSamples ? full : full.slice(0, samples * 2);
    // A full frame's buffer is handed over (and may be transferred/detached): start a new one.
    if (out === full) {
      this.frame = new Int16Array(this.frameSamples);
      this.view = LITTLE_ENDIAN_HOST ? null : new DataView(this.frame.buffer);
    }
    this.fill = 0;
    this.onFrame(out);
  }
}

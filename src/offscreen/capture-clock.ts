// When each captured sample was heard, in epoch ms: maps the capture's sample count (the
// StreamSession's absolute timeline) to wall-clock time, so finals can be placed on the
// playing media's own timeline (see shared/media-timeline.ts).

/**
 * Frames arrive from the audio thread some (varying) time after their last sample was
 * captured, never before: the smallest `arrival − samples/rate` over the recent frames is the
 * best estimate of when sample 0 was heard. A recent window follows slow clock drift and gaps.
 */
export class CaptureClock {
  private samples = 0;
  private readonly origins: number[] = [];

  constructor(
    private readonly rate = 16_000,
    private readonly window = 50,
  ) {}

  /** A frame of `n` samples arrived at `now` (epoch ms). */
  frame(n: number, now: number): void {
    this.samples += n;
    this.origins.push(now - (this.samples / this.rate) * 1000);
    if (this.origins.length > this.window) this.origins.shift();
  }

  /** Epoch ms at which absolute sample `n` was heard; null before the first frame. */
  epochOf(n: number): number | null {
    if (this.origins.length === 0) return null;
    return Math.round(Math.min(...this.origins) + (n / this.rate) * 1000);
  }

  /** `capturedAt` for a caption's [first, end) samples. */
  stamp(samples: readonly [number, number] | undefined): { start: number; end: number } | undefined {
    if (!samples) return undefined;
    const start = this.epochOf(samples[0]);
    const end = this.epochOf(samples[1]);
    return start === null || end === null ? undefined : { start, end };
  }
}

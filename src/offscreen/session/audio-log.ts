// Every captured sample the server has not confirmed yet, on one absolute timeline (sample 0 =
// first captured sample of the tab's session). A final from the server confirms the audio up
// to its end; a server that died (its session lost) or a chunk whose answer never came needs
// the rest again, so nothing is thrown away until confirmed — except when the log outgrows its
// bound: then the oldest audio goes first, and the loss is counted so the user can be told.

export interface LoggedFrame {
  /** Absolute index of the frame's first sample. */
  start: number;
  pcm: Int16Array;
}

export class AudioLog {
  private frames: LoggedFrame[] = [];
  private samples = 0;
  /** Next absolute sample index (= samples captured so far). */
  end = 0;
  /** Everything before this is confirmed by the server. */
  acked = 0;
  /** Unconfirmed samples dropped for space. */
  droppedSamples = 0;

  constructor(readonly maxSamples: number) {}

  /** Appends one captured frame; returns how many unconfirmed samples overflow dropped (0 usually). */
  push(pcm: Int16Array): number {
    this.frames.push({ start: this.end, pcm });
    this.end += pcm.length;
    this.samples += pcm.length;
    let dropped = 0;
    while (this.samples > this.maxSamples && this.frames.length > 1) {
      // Counted as lost even if a server had it: after an outage this long it rarely survives.
      const f = this.frames.shift()!;
      this.samples -= f.pcm.length;
      dropped += f.pcm.length;
    }
    this.droppedSamples += dropped;
    if (this.frames.length) this.acked = Math.max(this.acked, this.frames[0].start);
    return dropped;
  }

  /** First sample still held. */
  get start(): number {
    return this.frames[0]?.start ?? this.end;
  }

  /** The server confirmed every sample before `sample`: forget them. */
  ack(sample: number): void {
    if (sample <= this.acked) return;
    this.acked = Math.min(sample, this.end);
    while (this.frames.length && this.frames[0].start + this.frames[0].pcm.length <= this.acked) {
      this.samples -= this.frames.shift()!.pcm.length;
    }
  }

  /** Held audio from absolute sample `from` (clamped to what is held) up to `to`, as frames. */
  *range(from: number, to = this.end): Generator<LoggedFrame> {
    for (const f of this.frames) {
      const fEnd = f.start + f.pcm.length;
      if (fEnd <= from) continue;
      if (f.start >= to) break;
      const a = Math.max(0, from - f.start);
      const b = Math.min(f.pcm.length, to - f.start);
      yield a === 0 && b === f.pcm.length ? f : { start: f.start + a, pcm: f.pcm.subarray(a, b) };
    }
  }

  /** One contiguous copy of [from, to). */
  slice(from: number, to: number): Int16Array {
    const out = new Int16Array(Math.max(0, to - Math.max(from, this.start)));
    let o = 0;
    for (const f of this.range(from, to)) {
      out.set(f.pcm, o);
      o += f.pcm.length;
    }
    return out.subarray(0, o);
  }

  /** Unconfirmed audio held, in samples. */
  get heldSamples(): number {
    return this.samples;
  }

  clear(): void {
    this.frames = [];
    this.samples = 0;
    this.acked = this.end;
  }
}

// Cuts a stream of 16 kHz PCM16 into chunks of a few seconds, at pauses, for servers that
// transcribe each uploaded file on its own (the original protocol's WebSocket, REST): a cut in
// the middle of a word would garble it on both sides. A simple energy detector is enough: a
// pause is `pauseMs` of 20 ms windows whose RMS stays under a threshold that follows the
// recording's noise floor. Pure: fed samples, it answers where to cut.

export interface PauseChunkerOptions {
  /** A chunk is not cut at a pause before it is this long (s). */
  minSeconds: number;
  /** A chunk is cut here even without a pause (s). */
  maxSeconds: number;
  /** Quiet needed to count as a pause (ms). */
  pauseMs: number;
  /** RMS (0…1) below which a window is always quiet. */
  quietRms: number;
  sampleRate: number;
}

export const DEFAULT_CHUNKER: PauseChunkerOptions = { minSeconds: 2.5, maxSeconds: 8, pauseMs: 300, quietRms: 0.01, sampleRate: 16000 };

export class PauseChunker {
  private readonly win: number;
  /** Absolute sample where the current chunk began. */
  private chunkStart: number;
  private pos: number;
  private acc = 0;
  private accN = 0;
  private quietRun = 0;
  private noiseFloor = 0.003;
  /** Some window of the current chunk was not quiet. */
  private voiced = false;

  constructor(start: number, private readonly o: PauseChunkerOptions = DEFAULT_CHUNKER) {
    this.win = Math.round(o.sampleRate * 0.02);
    this.chunkStart = start;
    this.pos = start;
  }

  /**
   * Samples following the last ones fed; returns where chunks end (absolute sample) and
   * whether they hold anything but quiet (a silent chunk need not be transcribed).
   */
  push(pcm: Int16Array): ChunkCut[] {
    const cuts: ChunkCut[] = [];
    const min = this.o.minSeconds * this.o.sampleRate;
    const max = this.o.maxSeconds * this.o.sampleRate;
    const pauseWins = Math.max(1, Math.round(this.o.pauseMs / 20));
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i] / 32768;
      this.acc += s * s;
      this.accN++;
      this.pos++;
      if (this.accN === this.win) {
        const rms = Math.sqrt(this.acc / this.accN);
        this.acc = 0;
        this.accN = 0;
        // The floor drops at once to a quieter window and creeps up very slowly (steady
        // background noise), and is capped so continuous speech never becomes "quiet".
        this.noiseFloor = rms < this.noiseFloor ? rms : this.noiseFloor * 0.999 + rms * 0.001;
        const quiet = rms < Math.max(this.o.quietRms, Math.min(this.noiseFloor * 2, 0.03));
        this.quietRun = quiet ? this.quietRun + 1 : 0;
        if (!quiet) this.voiced = true;
        const len = this.pos - this.chunkStart;
        if (len >= min && this.quietRun >= pauseWins) {
          // Cut in the middle of the pause as soon as it is one, so both chunks keep a little
          // silence around their words (and a long silence never shrinks a chunk below min).
          this.cut(Math.max(this.chunkStart + min, this.pos - Math.round((this.quietRun * this.win) / 2)), cuts);
        }
      }
      if (this.pos - this.chunkStart >= max) this.cut(this.pos, cuts);
    }
    return cuts;
  }

  /** Where the chunk in progress began. */
  get pendingStart(): number {
    return this.chunkStart;
  }

  private cut(at: number, cuts: ChunkCut[]): void {
    cuts.push({ end: at, voiced: this.voiced });
    this.chunkStart = at;
    // What follows the cut so far is the quiet half of the pause.
    this.quietRun = 0;
    this.voiced = false;
  }
}

export interface ChunkCut {
  end: number;
  voiced: boolean;
}

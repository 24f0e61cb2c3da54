// Audio captured while the socket cannot take it (connecting, reconnecting, waiting for
// `ready`), sent in order once the server is ready. Bounded, so a long outage costs at most
// `maxBytes` of memory: the oldest audio is dropped first and counted.
//
// Every frame carries a sequence number and its position in samples, so a later lossless
// mode can keep frames until the server acknowledges them and resend from any point.

export interface BufferedFrame {
  /** 0, 1, 2… in capture order, across reconnects. */
  seq: number;
  /** Index of the frame's first sample since capture began. */
  sampleOffset: number;
  pcm: ArrayBuffer;
}

export class FrameBuffer {
  private frames: BufferedFrame[] = [];
  private bytes = 0;
  private nextSeq = 0;
  private nextSample = 0;
  /** Frames thrown away because the buffer was full, since creation. */
  droppedFrames = 0;

  constructor(readonly maxBytes: number) {}

  /** Numbers a captured frame; every frame passes here, buffered or not, to keep positions true. */
  stamp(pcm: ArrayBuffer): BufferedFrame {
    const frame = { seq: this.nextSeq++, sampleOffset: this.nextSample, pcm };
    this.nextSample += pcm.byteLength / 2;
    return frame;
  }

  /** Keeps a frame for later; returns how many old frames had to be dropped for it. */
  push(frame: BufferedFrame): number {
    this.frames.push(frame);
    this.bytes += frame.pcm.byteLength;
    let dropped = 0;
    while (this.bytes > this.maxBytes && this.frames.length > 1) {
      this.bytes -= this.frames.shift()!.pcm.byteLength;
      dropped++;
    }
    this.droppedFrames += dropped;
    return dropped;
  }

  /** Removes and returns every buffered frame, oldest first. */
  drain(): BufferedFrame[] {
    const out = this.frames;
    this.frames = [];
    this.bytes = 0;
    return out;
  }

  clear(): void {
    this.drain();
  }

  get length(): number {
    return this.frames.length;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Seconds of audio held, assuming 16 kHz mono PCM16. */
  seconds(sampleRate = 16000): number {
    return this.bytes / 2 / sampleRate;
  }
}

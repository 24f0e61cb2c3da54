// The server's side of the shared resampler (dsp/): interleaved PCM16 at the client's rate in,
// 16 kHz mono PCM16 out. De-interleaves, averages the channels (dsp/downmix.ts) and resamples
// (dsp/resampler.ts) with zero delay: output n is the input at exactly n·in/out, and flush()
// ends a stream with exactly ceil(N·out/in) samples. Chunks pushed one by one give exactly the
// same output as one push.
import { downmixToMono } from '../../dsp/downmix.ts';
import { WIRE_SAMPLE_RATE } from '../../protocol/index.ts';
import { StreamingResampler } from '../../dsp/resampler.ts';

/** Frames per pass through the filter: bounds the scratch buffers whatever the chunk size. */
const BLOCK = 4096;

function checkChannels(channels: number): void {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`invalid channel count ${channels}`);
}

/** Splits frames [from, from + frames) of interleaved PCM16 into planar floats (int16 scale). */
function deinterleave(interleaved: Int16Array, channels: number, from: number, frames: number, planar: Float32Array[]): void {
  if (channels === 1) {
    const mono = planar[0];
    for (let f = 0; f < frames; f++) mono[f] = interleaved[from + f];
    return;
  }
  for (let c = 0; c < channels; c++) {
    const plane = planar[c];
    for (let f = 0, s = from * channels + c; f < frames; f++, s += channels) plane[f] = interleaved[s];
  }
}

/** Averages interleaved channels into one mono channel (int16 scale, as floats). */
export function downmix(interleaved: Int16Array, channels: number): Float32Array {
  checkChannels(channels);
  const frames = Math.floor(interleaved.length / channels);
  const planar = Array.from({ length: channels }, () => new Float32Array(frames));
  deinterleave(interleaved, channels, 0, frames, planar);
  if (channels === 1) return planar[0];
  const out = new Float32Array(frames);
  downmixToMono(planar, out, frames);
  return out;
}

function toInt16(x: number): number {
  const r = Math.round(x);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

export class Resampler {
  private readonly core: StreamingResampler;
  private readonly planar: Float32Array[];
  private readonly mono = new Float32Array(BLOCK);
  private readonly out: Float32Array;

  constructor(
    readonly inRate: number,
    readonly outRate: number = WIRE_SAMPLE_RATE,
    readonly channels: number = 1,
  ) {
    for (const [name, v] of [['input rate', inRate], ['output rate', outRate], ['channels', channels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`invalid ${name} ${v}`);
    }
    this.core = new StreamingResampler(inRate, outRate, { alignment: 'centered' });
    this.planar = channels === 1 ? [this.mono] : Array.from({ length: channels }, () => new Float32Array(BLOCK));
    this.out = new Float32Array(Math.max(this.core.maxOutput(BLOCK), this.core.maxOutput(this.core.design.lookaheadInputSamples)));
  }

  /** Consumes interleaved PCM16 at `inRate`; returns the mono output ready so far. */
  push(interleaved: Int16Array): Int16Array {
    const { channels, core, mono, out, planar } = this;
    if (interleaved.length % channels !== 0) {
      throw new Error(`chunk of ${interleaved.length} samples is not a whole number of ${channels}-channel frames`);
    }
    const frames = interleaved.length / channels;
    const result = new Int16Array(core.outputLength(frames));
    let written = 0;
    for (let from = 0; from < frames; from += BLOCK) {
      const len = Math.min(BLOCK, frames - from);
      deinterleave(interleaved, channels, from, len, planar);
      if (channels > 1) downmixToMono(planar, mono, len);
      const n = core.process(mono, out, len);
      for (let i = 0; i < n; i++) result[written++] = toInt16(out[i]);
    }
    return result;
  }

  /** Ends the stream: returns the remaining output and resets for a new stream. */
  flush(): Int16Array {
    const n = this.core.flush(this.out);
    return Int16Array.from(this.out.subarray(0, n), toInt16);
  }

  reset(): void {
    this.core.reset();
  }
}

/** One-shot conversion of a whole clip to 16 kHz mono. */
export function resampleTo16k(samples: Int16Array, sampleRate: number, channels = 1): Int16Array {
  const r = new Resampler(sampleRate, WIRE_SAMPLE_RATE, channels);
  const head = r.push(samples);
  const tail = r.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

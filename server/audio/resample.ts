// Streaming polyphase windowed-sinc resampler (Kaiser window) with stereo→mono downmix.
// Engines want 16 kHz mono; clients and fixtures arrive at 8–48 kHz, mono or stereo.
// Streaming matters: chunks pushed one by one give exactly the same output as one push.

export const TARGET_SAMPLE_RATE = 16000;

/** Zero crossings of the low-pass on each side: sets the transition band (~1.2 kHz at 16 kHz out). */
const ZERO_CROSSINGS = 32;
/** Cutoff as a fraction of the lower Nyquist frequency (7.36 kHz for 16 kHz out). */
const ROLLOFF = 0.92;
/** Kaiser beta for roughly 80 dB stop-band attenuation. */
const KAISER_BETA = 8;
/** Beyond this many phases, phases are quantized (error < 1/1024 of a sample period). */
const MAX_PHASES = 1024;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Averages interleaved channels into one mono channel (int16 scale, as floats). */
export function downmix(interleaved: Int16Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`invalid channel count ${channels}`);
  const frames = Math.floor(interleaved.length / channels);
  const out = new Float32Array(frames);
  if (channels === 1) {
    out.set(interleaved.subarray(0, frames));
    return out;
  }
  for (let f = 0, s = 0; f < frames; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += interleaved[s++];
    out[f] = acc / channels;
  }
  return out;
}

function toInt16(x: number): number {
  const r = Math.round(x);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

export class Resampler {
  private readonly up: number; // L: output samples per `down` input samples
  private readonly down: number; // M
  private readonly half: number; // K: taps on each side of the output instant
  private readonly phases: number;
  private readonly table: Float32Array; // phases × 2K taps
  private buf = new Float32Array(0); // mono input history
  private bufLen = 0;
  private base = 0; // absolute input index of buf[0]
  private idx = 0; // integer part of the next output instant, in input samples
  private phase = 0; // fractional part, in units of 1/up
  private received = 0; // input frames so far
  private produced = 0; // output samples so far

  constructor(
    readonly inRate: number,
    readonly outRate: number = TARGET_SAMPLE_RATE,
    readonly channels: number = 1,
  ) {
    for (const [name, v] of [['input rate', inRate], ['output rate', outRate], ['channels', channels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`invalid ${name} ${v}`);
    }
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    // Low-pass below the lower of the two Nyquist frequencies; units: cycles per input sample.
    const fc = 0.5 * Math.min(1, outRate / inRate) * ROLLOFF;
    const halfWidth = ZERO_CROSSINGS / (2 * fc);
    this.half = Math.ceil(halfWidth);
    this.phases = Math.min(this.up, MAX_PHASES);
    const taps = 2 * this.half;
    this.table = new Float32Array(this.phases * taps);
    const i0b = besselI0(KAISER_BETA);
    for (let p = 0; p < this.phases; p++) {
      const frac = p / this.phases;
      let sum = 0;
      for (let j = 0; j < taps; j++) {
        const d = frac + this.half - 1 - j; // distance from the output instant to tap j
        const r = d / halfWidth;
        if (Math.abs(r) >= 1) continue;
        const x = 2 * fc * d;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const h = 2 * fc * sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0b);
        this.table[p * taps + j] = h;
        sum += h;
      }
      // Unit DC gain for every phase, so a constant signal stays exactly constant.
      for (let j = 0; j < taps; j++) this.table[p * taps + j] /= sum;
    }
    this.reset();
  }

  /** Consumes interleaved PCM16 at `inRate`; returns the mono output ready so far. */
  push(interleaved: Int16Array): Int16Array {
    if (interleaved.length % this.channels !== 0) {
      throw new Error(`chunk of ${interleaved.length} samples is not a whole number of ${this.channels}-channel frames`);
    }
    const mono = downmix(interleaved, this.channels);
    if (this.up === this.down) return Int16Array.from(mono, toInt16);
    this.append(mono);
    this.received += mono.length;
    return this.drain(Infinity);
  }

  /** Ends the stream: returns the remaining output and resets for a new stream. */
  flush(): Int16Array {
    if (this.up === this.down) return new Int16Array(0);
    // Zeros after the end let the last outputs see their full window; stop at the input's end.
    this.append(new Float32Array(this.half + 1));
    const total = Math.ceil((this.received * this.up) / this.down);
    const out = this.drain(total - this.produced);
    this.reset();
    return out;
  }

  reset(): void {
    // Virtual zeros before the first sample give the first outputs a full window, no delay.
    this.buf = new Float32Array(4096);
    this.bufLen = this.half;
    this.base = -this.half;
    this.idx = 0;
    this.phase = 0;
    this.received = 0;
    this.produced = 0;
  }

  private append(x: Float32Array): void {
    if (this.bufLen + x.length > this.buf.length) {
      const grown = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + x.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(x, this.bufLen);
    this.bufLen += x.length;
  }

  private drain(limit: number): Int16Array {
    const taps = 2 * this.half;
    const end = this.base + this.bufLen; // first absolute index not yet received
    // Output m (m = 0, 1, ...) needs input up to floor((idx·up + phase + m·down) / up) + K < end.
    const room = (end - this.half - this.idx) * this.up - this.phase;
    const available = room > 0 ? Math.ceil(room / this.down) : 0;
    const n = Math.min(available, limit);
    const out = new Int16Array(n);
    const { buf, table, up, down, phases } = this;
    let { idx, phase } = this;
    for (let o = 0; o < n; o++) {
      const p = phases === up ? phase : Math.floor((phase * phases) / up);
      const start = idx - this.half + 1 - this.base;
      const row = p * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += buf[start + j] * table[row + j];
      out[o] = toInt16(acc);
      phase += down;
      if (phase >= up) {
        idx += Math.floor(phase / up);
        phase %= up;
      }
    }
    this.idx = idx;
    this.phase = phase;
    this.produced += n;
    // Keep only the history the next output still needs.
    const keepFrom = idx - this.half + 1 - this.base;
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.bufLen);
      this.bufLen -= keepFrom;
      this.base += keepFrom;
    }
    return out;
  }
}

/** One-shot conversion of a whole clip to 16 kHz mono. */
export function resampleTo16k(samples: Int16Array, sampleRate: number, channels = 1): Int16Array {
  const r = new Resampler(sampleRate, TARGET_SAMPLE_RATE, channels);
  const head = r.push(samples);
  const tail = r.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

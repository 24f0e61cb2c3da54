// Turns a client's binary frames into 16 kHz mono PCM16: raw PCM in the format the client
// declared in init, or complete WAV files (original-protocol clients send those).
import { WIRE_SAMPLE_RATE, type AudioSpec, type ErrorCode } from '../../protocol/index.ts';
import { parseWav } from '../../protocol/wav.ts';
import { Resampler, resampleTo16k } from './resample.ts';

export type Decoded = { ok: true; pcm: Int16Array } | { ok: false; code: ErrorCode; message: string };

export function isWav(buf: Uint8Array): boolean {
  return (
    buf.length >= 12 &&
    buf[0] === 0x52 && buf[1] === 0x49 && buf[2] === 0x46 && buf[3] === 0x46 && // RIFF
    buf[8] === 0x57 && buf[9] === 0x41 && buf[10] === 0x56 && buf[11] === 0x45 // WAVE
  );
}

/** Copies little-endian PCM16 out of a buffer that may be unaligned. */
function readInt16(buf: Uint8Array): Int16Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Int16Array(buf.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

export class AudioDecoder {
  /** Streaming state for raw PCM that is not already 16 kHz mono. */
  private readonly resampler: Resampler | null;

  constructor(private readonly spec: AudioSpec) {
    const passthrough = spec.sampleRate === WIRE_SAMPLE_RATE && spec.channels === 1;
    this.resampler = passthrough ? null : new Resampler(spec.sampleRate, WIRE_SAMPLE_RATE, spec.channels);
  }

  decodePcm(buf: Uint8Array, maxSeconds: number): Decoded {
    const { sampleRate, channels } = this.spec;
    const frameBytes = 2 * channels;
    if (buf.byteLength % frameBytes !== 0) {
      return {
        ok: false,
        code: 'odd_length',
        message: `audio frame of ${buf.byteLength} bytes is not a whole number of ${channels}-channel PCM16 samples (${frameBytes} bytes each); frame ignored`,
      };
    }
    const seconds = buf.byteLength / frameBytes / sampleRate;
    if (seconds > maxSeconds) {
      return {
        ok: false,
        code: 'frame_too_large',
        message: `audio frame of ${seconds.toFixed(2)} s is above the ${maxSeconds} s limit; send 20-250 ms frames; frame ignored`,
      };
    }
    const samples = readInt16(buf);
    return { ok: true, pcm: this.resampler ? this.resampler.push(samples) : samples };
  }

  decodeWav(buf: Uint8Array, maxSeconds: number): Decoded {
    let wav;
    try {
      wav = parseWav(buf);
    } catch (err) {
      return { ok: false, code: 'unsupported_audio', message: `WAV frame ignored: ${(err as Error).message}` };
    }
    const seconds = wav.samples.length / wav.channels / wav.sampleRate;
    if (seconds > maxSeconds) {
      return {
        ok: false,
        code: 'frame_too_large',
        message: `WAV frame of ${seconds.toFixed(1)} s is above the ${maxSeconds} s limit; frame ignored`,
      };
    }
    if (wav.sampleRate < 8000 || wav.sampleRate > 192000) {
      return { ok: false, code: 'unsupported_audio', message: `WAV sample rate ${wav.sampleRate} Hz is not supported` };
    }
    return { ok: true, pcm: resampleTo16k(wav.samples, wav.sampleRate, wav.channels) };
  }
}

// Opus on the wire (init.audio.encoding "opus"): each binary frame is one Opus packet
// (RFC 6716, no container), decoded with opus-decoder (libopus compiled to WebAssembly, from
// the maintained wasm-audio-decoders project) straight to 16 kHz, downmixed to mono PCM16.
import { OpusDecoder } from 'opus-decoder';
import { WIRE_SAMPLE_RATE } from '../../protocol/index.ts';
import type { Decoded } from './audio-decoder.ts';

/** RFC 6716: a packet holds at most 120 ms; a code-3 packet of 48 frames up to 1275 bytes each is the theoretical top, 8 KiB is plenty for speech. */
export const MAX_OPUS_PACKET_BYTES = 8 * 1024;

/**
 * libopus encoders (WebCodecs' included) delay the audio by their 6.5 ms look-ahead (an Ogg
 * file's pre-skip of 312 at 48 kHz). Dropped here, so the session's timeline matches the
 * client's samples, to the sample. (Not trimming it shifted every 10 ms recognizer frame and,
 * measured, changed sphinx's words on the fixtures.)
 */
export const OPUS_LOOKAHEAD_SAMPLES = Math.round(0.0065 * WIRE_SAMPLE_RATE);

export class OpusPacketDecoder {
  private toSkip = OPUS_LOOKAHEAD_SAMPLES;

  private constructor(
    private readonly decoder: OpusDecoder<16000>,
    private readonly channels: number,
  ) {}

  static async create(channels: number): Promise<OpusPacketDecoder> {
    const decoder = new OpusDecoder({ sampleRate: WIRE_SAMPLE_RATE as 16000, channels, forceStereo: false, preSkip: 0 });
    await decoder.ready;
    return new OpusPacketDecoder(decoder, channels);
  }

  decode(packet: Uint8Array, maxSeconds: number): Decoded {
    if (packet.byteLength === 0) return { ok: false, code: 'unsupported_audio', message: 'empty Opus packet; frame ignored' };
    if (packet.byteLength > MAX_OPUS_PACKET_BYTES) {
      return { ok: false, code: 'frame_too_large', message: `Opus packet of ${packet.byteLength} bytes is above the ${MAX_OPUS_PACKET_BYTES}-byte limit; frame ignored` };
    }
    let out;
    try {
      out = this.decoder.decodeFrame(packet);
    } catch (err) {
      return { ok: false, code: 'unsupported_audio', message: `Opus packet could not be decoded (${(err as Error).message}); frame ignored` };
    }
    if (out.errors.length > 0 || out.samplesDecoded === 0) {
      const why = out.errors[0]?.message ?? 'no samples';
      return { ok: false, code: 'unsupported_audio', message: `Opus packet could not be decoded (${why}); frame ignored` };
    }
    if (out.samplesDecoded / WIRE_SAMPLE_RATE > maxSeconds) {
      return { ok: false, code: 'frame_too_large', message: `Opus packet longer than ${maxSeconds} s; frame ignored` };
    }
    const skip = Math.min(this.toSkip, out.samplesDecoded);
    this.toSkip -= skip;
    const pcm = new Int16Array(out.samplesDecoded - skip);
    const chans = out.channelData.slice(0, this.channels);
    for (let i = 0; i < pcm.length; i++) {
      let v = 0;
      for (const ch of chans) v += ch[i + skip]!;
      v /= chans.length;
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
    }
    return { ok: true, pcm };
  }

  free(): void {
    this.decoder.free();
  }
}

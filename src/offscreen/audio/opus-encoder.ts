// Opus on the wire (protocol init.audio.encoding "opus"): WebCodecs AudioEncoder turns the
// capture graph's 16 kHz PCM16 frames into Opus packets (20 ms each); every packet travels
// in its own binary WebSocket frame. No imports: the bench and tests load this file into a
// plain Chromium page as it is.

export const OPUS_SAMPLE_RATE = 16000;
/**
 * bench:opus on the 38 real recordings (sphinx): 16 kbit/s cost +0.3 WER points over PCM16
 * (24 kbit/s: +1.0) at 18 kbit/s on the wire instead of 257.
 */
export const OPUS_DEFAULT_BITRATE = 16_000;
export const OPUS_FRAME_MS = 20;

export function opusEncoderConfig(bitrate: number = OPUS_DEFAULT_BITRATE): AudioEncoderConfig {
  return {
    codec: 'opus',
    sampleRate: OPUS_SAMPLE_RATE,
    numberOfChannels: 1,
    bitrate,
    opus: { frameDuration: OPUS_FRAME_MS * 1000, complexity: 5 },
  };
}

/** Whether this browser can encode Opus with WebCodecs (Chromium 94+ can). */
export async function opusSupported(bitrate: number = OPUS_DEFAULT_BITRATE): Promise<boolean> {
  if (typeof AudioEncoder === 'undefined') return false;
  try {
    return (await AudioEncoder.isConfigSupported(opusEncoderConfig(bitrate))).supported === true;
  } catch {
    return false;
  }
}

/** Encodes a stream of 16 kHz mono PCM16 frames into Opus packets, in order. */
export class OpusPacketEncoder {
  private readonly encoder: AudioEncoder;
  /** Microseconds of audio handed to the encoder so far (AudioData timestamps). */
  private timestamp = 0;

  constructor(onPacket: (packet: ArrayBuffer) => void, onError: (err: Error) => void, bitrate: number = OPUS_DEFAULT_BITRATE) {
    this.encoder = new AudioEncoder({
      output: (chunk) => {
        const packet = new ArrayBuffer(chunk.byteLength);
        chunk.copyTo(packet);
        onPacket(packet);
      },
      error: (e) => onError(e instanceof Error ? e : new Error(String(e))),
    });
    this.encoder.configure(opusEncoderConfig(bitrate));
  }

  /** One frame of 16 kHz mono PCM16 (any length). */
  encode(pcm: ArrayBuffer | Int16Array): void {
    const frames = pcm.byteLength / 2;
    if (frames === 0) return;
    const data = new AudioData({ format: 's16', sampleRate: OPUS_SAMPLE_RATE, numberOfChannels: 1, numberOfFrames: frames, timestamp: this.timestamp, data: pcm as BufferSource });
    this.timestamp += (frames * 1_000_000) / OPUS_SAMPLE_RATE;
    this.encoder.encode(data);
    data.close();
  }

  /** Emits the packets for audio still inside the encoder (the last partial 20 ms is padded). */
  flush(): Promise<void> {
    return this.encoder.flush();
  }

  close(): void {
    if (this.encoder.state !== 'closed') this.encoder.close();
  }
}

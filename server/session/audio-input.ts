// A session's audio input: decodes binary frames (PCM, WAV files, Opus packets kept in order
// while the WebAssembly decoder loads), queues audio while the engine starts, and refuses audio past the backlog cap.
import { WIRE_SAMPLE_RATE, type AudioSpec } from '../../protocol/index.ts';
import type { AudioInputConfig } from '../config.ts';
import { AudioDecoder, isWav, type Decoded } from '../audio/audio-decoder.ts';
import { OpusPacketDecoder } from '../audio/opus-packets.ts';
import type { TranscriptionPipeline } from '../pipeline.ts';

export const DEFAULT_AUDIO: AudioSpec = { encoding: 'pcm_s16le', sampleRate: WIRE_SAMPLE_RATE, channels: 1 };

export interface AudioInputHost {
  /** The pipeline once the engine started; null before and after. */
  pipeline(): TranscriptionPipeline | null;
  /** Audio is fed only while the session streams (it waits while the engine starts). */
  streaming(): boolean;
  closed(): boolean;
  /** A non-fatal error caused by this audio. */
  error(code: string, message: string): void;
  /** A whole WAV file was pushed; `ended` runs after its flush. */
  wavFile: { started(): void; ended(): void };
}

export class AudioInput {
  private decoder = new AudioDecoder(DEFAULT_AUDIO);
  /** init.audio.encoding "opus": the decoder (WebAssembly, ready asynchronously) and the queue keeping packets in order until it is. */
  private opus: { decoder: Promise<OpusPacketDecoder | Error>; queue: Promise<void>; channels: number } | null = null;
  /** Audio that arrived while the engine was starting, then fed in order. */
  private pending: { pcm: Int16Array; wav: boolean }[] = [];
  /** 16 kHz samples accepted onto this session's timeline: where a resumed client re-sends from. */
  receivedSamples = 0;

  constructor(
    private readonly config: AudioInputConfig,
    private readonly host: AudioInputHost,
  ) {}

  /** init's audio format. */
  configure(audio: AudioSpec): void {
    this.decoder = new AudioDecoder(audio);
    if (audio.encoding === 'opus') {
      this.opus = { decoder: newOpusDecoder(audio.channels), queue: Promise.resolve(), channels: audio.channels };
    }
  }

  receive(buf: Buffer): void {
    const { config } = this;
    const opus = this.opus;
    if (opus) {
      // Opus packets are never sniffed as WAV: any first bytes are valid Opus.
      opus.queue = opus.queue.then(async () => {
        const decoder = await opus.decoder;
        if (this.host.closed()) return;
        if (decoder instanceof Error) return this.host.error('unsupported_audio', `Opus decoder unavailable (${decoder.message}); frame ignored`);
        this.accept(decoder.decode(buf, config.maxFrameSeconds), false);
      });
      return;
    }
    const wav = isWav(buf);
    this.accept(wav ? this.decoder.decodeWav(buf, config.maxWavSeconds) : this.decoder.decodePcm(buf, config.maxFrameSeconds), wav);
  }

  private accept(decoded: Decoded, wav: boolean): void {
    if (!decoded.ok) return this.host.error(decoded.code, decoded.message);
    if (this.backlogSeconds() > this.config.maxBacklogSeconds) {
      return this.host.error('overloaded', `the engine is ${Math.round(this.backlogSeconds())} s behind; this audio frame was not transcribed`);
    }
    this.receivedSamples += decoded.pcm.length;
    this.pending.push({ pcm: decoded.pcm, wav });
    this.pump();
  }

  /** Feeds queued audio once the pipeline streams. */
  pump(): void {
    const pipeline = this.host.pipeline();
    if (!pipeline || !this.host.streaming()) return;
    for (const { pcm, wav } of this.pending.splice(0)) {
      pipeline.push(pcm);
      if (wav) {
        // A WAV file is a complete unit of speech: finalize at its end (a sink may answer once for it).
        this.host.wavFile.started();
        void pipeline.flush(() => this.host.wavFile.ended());
      }
    }
  }

  /** Client flush: after Opus packets still being decoded, which came before it. */
  flush(): void {
    if (this.opus) this.opus.queue = this.opus.queue.then(() => void this.host.pipeline()?.flush());
    else void this.host.pipeline()?.flush();
  }

  /** Resolves once the packets received so far are decoded. */
  async settled(): Promise<void> {
    if (this.opus) await this.opus.queue;
  }

  backlogSeconds(): number {
    const queued = this.pending.reduce((s, p) => s + p.pcm.length, 0) / WIRE_SAMPLE_RATE;
    return queued + (this.host.pipeline()?.backlogSeconds() ?? 0);
  }

  /**
   * A resumed client's new connection. It carries a new Opus stream (the client starts a fresh
   * encoder, with its own look-ahead): decode it with a fresh decoder, after the old socket's
   * last packets, so receivedSamples counts them all before `then` tells the client where to resend from.
   */
  newConnection(then: () => void): void {
    const opus = this.opus;
    if (!opus) return then();
    opus.queue = opus.queue.then(() => {
      if (this.host.closed() || this.opus !== opus) return;
      void opus.decoder.then((d) => d instanceof Error || d.free());
      opus.decoder = newOpusDecoder(opus.channels);
      then();
    });
  }

  close(): void {
    this.pending = [];
    void this.opus?.decoder.then((d) => d instanceof Error || d.free());
    this.opus = null;
  }
}

function newOpusDecoder(channels: number): Promise<OpusPacketDecoder | Error> {
  return OpusPacketDecoder.create(channels).catch((err: Error) => err);
}

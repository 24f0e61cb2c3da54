// One session's path from audio to captions: voice activity → endpointing → recognizer,
// with partials while a phrase is spoken and one final per segment. Every step runs in
// one ordered queue, so finals keep the audio's order whatever the engine's speed.
import { WIRE_SAMPLE_RATE } from '../protocol/index.ts';
import type { PipelineConfig } from './config.ts';
import type { Recognizer } from './engines/engine.ts';
import type { Logger } from './log.ts';
import { metrics } from './metrics.ts';
import { PartialStabilizer } from './partial-stabilizer.ts';
import { Endpointer, type EndpointEvent } from './vad/endpointer.ts';
import { SileroVad, type VadStream } from './vad/silero.ts';

export interface SegmentSink {
  /** `behind`: seconds of received audio not yet decoded (the engine's lag for this session). */
  partial(p: { segmentId: number; text: string; start: number; end: number; behind: number }): void;
  final(f: { segmentId: number; text: string; start: number; end: number; language: string; behind: number }): void;
  error(code: string, message: string, fatal: boolean): void;
}

/** The pipeline slice of the configuration, and this session's language and log. */
export interface PipelineOptions extends PipelineConfig {
  /** Language reported in finals when the engine does not say ('' when unknown). */
  language: string;
  log: Logger;
  /** New speech audio between two partial hypotheses, in seconds. */
  partialEverySeconds?: number;
}

let sharedVad: Promise<SileroVad> | null = null;

/** One Silero model for all sessions: it batches their windows into single runs. */
export function loadSharedVad(): Promise<SileroVad> {
  sharedVad ??= SileroVad.load().catch((err) => {
    sharedVad = null;
    throw err;
  });
  return sharedVad;
}

const seconds = (samples: number) => Math.round((samples / WIRE_SAMPLE_RATE) * 1000) / 1000;

export class TranscriptionPipeline {
  private readonly endpointer: Endpointer;
  private readonly stabilizer = new PartialStabilizer();
  private queue: Promise<void> = Promise.resolve();
  private queuedSamples = 0;
  private closed = false;
  private segmentId = 0;
  private inSegment = false;
  private segmentStart = 0;
  private partialsSent = false;
  private sincePartial = 0;
  private readonly partialEvery: number;
  /** Engine time spent on the open segment, in ms (for the real-time factor). */
  private engineMs = 0;
  /** While a phrase is open: settles when it ends (see whenSilent). */
  private phraseEnd: { promise: Promise<void>; resolve: () => void } | null = null;

  /**
   * Resolves when no phrase is open: at once while silent, else when the open phrase ends (its
   * final is being made) or the pipeline closes. Draining waits on it (session.drain).
   */
  whenSilent(): Promise<void> {
    return this.phraseEnd?.promise ?? Promise.resolve();
  }

  private setSpeaking(speaking: boolean): void {
    this.inSegment = speaking;
    if (speaking && !this.phraseEnd) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.phraseEnd = { promise, resolve };
    } else if (!speaking && this.phraseEnd) {
      this.phraseEnd.resolve();
      this.phraseEnd = null;
    }
  }

  private constructor(
    private readonly recognizer: Recognizer,
    private readonly vad: VadStream,
    private readonly sink: SegmentSink,
    private readonly opts: PipelineOptions,
  ) {
    this.endpointer = new Endpointer({ endSilenceMs: opts.endSilenceMs, maxSegmentMs: opts.maxSegmentSeconds * 1000 });
    this.partialEvery = (opts.partialEverySeconds ?? 0.5) * WIRE_SAMPLE_RATE;
  }

  static async create(recognizer: Recognizer, sink: SegmentSink, opts: PipelineOptions): Promise<TranscriptionPipeline> {
    const vad = await loadSharedVad();
    return new TranscriptionPipeline(recognizer, vad.createStream(), sink, opts);
  }

  /** Queues 16 kHz mono audio. */
  push(pcm: Int16Array): void {
    if (this.closed || pcm.length === 0) return;
    this.queuedSamples += pcm.length;
    metrics.audioReceived(pcm.length / WIRE_SAMPLE_RATE);
    const receivedAt = performance.now();
    void this.enqueue(async () => {
      try {
        const probs = await this.vad.process(pcm);
        await this.handle(this.endpointer.push(pcm, probs), receivedAt);
      } finally {
        this.queuedSamples -= pcm.length;
      }
      await this.maybePartial();
    });
  }

  /** Finalizes the open segment after everything queued; `after` runs inside the queue. */
  flush(after?: () => void): Promise<void> {
    const requestedAt = performance.now();
    return this.enqueue(async () => {
      await this.handle(this.endpointer.flush(), requestedAt);
      after?.();
    });
  }

  /** Seconds of audio waiting for the engine. */
  backlogSeconds(): number {
    return this.queuedSamples / WIRE_SAMPLE_RATE;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.phraseEnd?.resolve(); // no phrase will end now: nobody waits for one
    this.phraseEnd = null;
    await this.queue;
    await this.recognizer.close();
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      try {
        await job();
      } catch (err) {
        this.recover(err as Error);
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }

  /** `receivedAt`: when the audio (or flush) that produced these events reached the server. */
  private async handle(events: EndpointEvent[], receivedAt: number): Promise<void> {
    for (const e of events) {
      if (e.type === 'start') {
        this.setSpeaking(true);
        this.segmentStart = e.speechSample;
        this.partialsSent = false;
        this.sincePartial = 0;
        this.stabilizer.reset();
        this.engineMs = 0;
      } else if (e.type === 'audio') {
        const t0 = performance.now();
        await this.recognizer.accept(e.pcm);
        this.engineMs += performance.now() - t0;
        this.sincePartial += e.pcm.length;
      } else {
        await this.finishSegment(e.speechSample, receivedAt);
      }
    }
  }

  private async maybePartial(): Promise<void> {
    // Skip partials while behind (e.g. a burst after a reconnect): finals matter more.
    if (!this.inSegment || this.sincePartial < this.partialEvery || this.backlogSeconds() > 1) return;
    this.sincePartial = 0;
    const t0 = performance.now();
    const hyp = await this.recognizer.partial();
    this.engineMs += performance.now() - t0;
    const shown = this.stabilizer.update(hyp.text);
    if (!shown) return;
    this.partialsSent = true;
    this.sink.partial({
      segmentId: this.segmentId,
      text: shown,
      start: seconds(this.segmentStart),
      end: seconds(this.endpointer.samplesReceived),
      behind: this.behind(),
    });
  }

  /** Seconds of this session's audio received but not yet through the engine, to 0.1 s. */
  private behind(): number {
    return Math.round(this.backlogSeconds() * 10) / 10;
  }

  private async finishSegment(endSample: number, receivedAt: number): Promise<void> {
    this.setSpeaking(false);
    const t0 = performance.now();
    const hyp = await this.recognizer.finish();
    this.engineMs += performance.now() - t0;
    metrics.segmentRealTimeFactor(this.engineMs / 1000, (Math.max(endSample, this.segmentStart) - this.segmentStart) / WIRE_SAMPLE_RATE);
    const text = hyp.text.trim();
    // A segment that showed nothing and holds no words is not worth a message.
    if (!text && !this.partialsSent) return;
    this.sink.final({
      segmentId: this.segmentId++,
      text,
      start: seconds(this.segmentStart),
      end: seconds(Math.max(endSample, this.segmentStart)),
      language: hyp.language ?? this.opts.language,
      behind: this.behind(),
    });
    metrics.finalLatency((performance.now() - receivedAt) / 1000);
    this.partialsSent = false;
  }

  /** An engine failure loses that segment, not the session: report it and start afresh. */
  private recover(err: Error): void {
    this.opts.log.warn(`pipeline: ${err.message}`);
    this.sink.error('engine_error', `transcription failed for a segment: ${err.message}`, false);
    if (this.inSegment && this.partialsSent) {
      this.sink.final({
        segmentId: this.segmentId++,
        text: '',
        start: seconds(this.segmentStart),
        end: seconds(this.endpointer.samplesReceived),
        language: this.opts.language,
        behind: this.behind(),
      });
    }
    this.setSpeaking(false);
    this.partialsSent = false;
    this.stabilizer.reset();
    this.recognizer.finish().catch(() => undefined);
  }
}

// One WebSocket client: validates every message, speaks protocol 2 or the original
// design's shape, converts audio to 16 kHz mono and hands it to the transcription pipeline.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  CloseCode,
  PROTOCOL_VERSION,
  WIRE_SAMPLE_RATE,
  parseClientMessage,
  type AudioSpec,
  type ErrorCode,
  type InitMessage,
  type ServerMessage,
} from '../src/shared/protocol.ts';
import type { ServerConfig } from './config.ts';
import type { EngineRegistry } from './engine-registry.ts';
import { AudioDecoder, isWav } from './audio/audio-decoder.ts';
import { TranscriptionPipeline, type SegmentSink } from './pipeline.ts';
import type { Logger } from './log.ts';

type State = 'awaiting_init' | 'starting' | 'streaming' | 'stopping' | 'closed';

const DEFAULT_AUDIO: AudioSpec = { encoding: 'pcm_s16le', sampleRate: WIRE_SAMPLE_RATE, channels: 1 };

export interface SessionDeps {
  config: ServerConfig;
  engines: EngineRegistry;
  log: Logger;
  onClosed(session: Session): void;
}

export class Session {
  readonly id = randomUUID();
  private state: State = 'awaiting_init';
  private legacy = false;
  private decoder = new AudioDecoder(DEFAULT_AUDIO);
  private pipeline: TranscriptionPipeline | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Original-design clients that send WAV files get one answer per file: its finals, joined. */
  private wavAnswers = false;
  private wavTexts: string[] = [];
  private language = 'en';

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    ws.on('message', (data, isBinary) => {
      this.touch();
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.onBinary(buf);
      else this.onText(buf.toString('utf8'));
    });
    ws.on('close', () => void this.teardown());
    ws.on('error', (err) => deps.log.warn(`session ${this.id}: socket error: ${err.message}`));
    this.touch();
  }

  get isStreaming(): boolean {
    return this.state === 'streaming';
  }

  // ------------------------------------------------------------ incoming

  private onText(raw: string): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.error(parsed.code, parsed.message, false);
    const msg = parsed.value;
    switch (msg.type) {
      case 'init':
        if (this.state !== 'awaiting_init') return this.error('already_initialized', 'init was already received', false);
        void this.init(msg);
        return;
      case 'keepalive':
        return this.send({ type: 'pong' });
      case 'flush':
        if (!this.pipeline) return this.error('not_initialized', 'send init before flush', false);
        void this.pipeline.flush();
        return;
      case 'stop':
        void this.stop();
        return;
    }
  }

  private onBinary(buf: Buffer): void {
    if (this.state === 'awaiting_init') {
      return this.error('not_initialized', 'binary audio received before init; send an init message first', false);
    }
    if (this.state === 'stopping' || this.state === 'closed') {
      return this.error('bad_message', 'audio after stop is ignored', false);
    }
    const { config } = this.deps;
    const wav = isWav(buf);
    const decoded = wav
      ? this.decoder.decodeWav(buf, config.maxWavSeconds)
      : this.decoder.decodePcm(buf, config.maxFrameSeconds);
    if (!decoded.ok) return this.error(decoded.code, decoded.message, false);
    if (this.backlogSeconds() > config.maxBacklogSeconds) {
      return this.overloaded();
    }
    this.pending.push({ pcm: decoded.pcm, wav });
    this.pumpPending();
  }

  /** Audio that arrived while the engine was starting, then fed in order. */
  private pending: { pcm: Int16Array; wav: boolean }[] = [];

  private pumpPending(): void {
    if (!this.pipeline || this.state !== 'streaming') return;
    for (const { pcm, wav } of this.pending.splice(0)) {
      this.pipeline.push(pcm);
      if (wav) {
        // A WAV file is a complete unit of speech: finalize at its end and, for clients of
        // the original design, answer once for the whole file.
        if (this.legacy) this.wavAnswers = true;
        void this.pipeline.flush(() => this.answerWavFile());
      }
    }
  }

  private backlogSeconds(): number {
    const queued = this.pending.reduce((s, p) => s + p.pcm.length, 0) / WIRE_SAMPLE_RATE;
    return queued + (this.pipeline?.backlogSeconds() ?? 0);
  }

  private overloaded(): void {
    this.error(
      'overloaded',
      `the engine is ${Math.round(this.backlogSeconds())} s behind; this audio frame was not transcribed`,
      false,
    );
  }

  // ------------------------------------------------------------ lifecycle

  private async init(msg: InitMessage): Promise<void> {
    this.state = 'starting';
    this.legacy = msg.protocol !== PROTOCOL_VERSION;
    const audio = msg.audio ?? DEFAULT_AUDIO;
    this.decoder = new AudioDecoder(audio);
    const choice = this.deps.engines.resolve(msg.engine);
    if (!choice.ok) {
      return this.fatal(choice.code, choice.message);
    }
    const engine = choice.engine;
    const languages = engine.info.languages;
    if (msg.sourceLanguage !== 'auto' && languages !== 'multi' && !languages.includes(baseLanguage(msg.sourceLanguage))) {
      return this.fatal(
        'unsupported_language',
        `the ${engine.info.name} engine transcribes ${languages.join(', ')} only, not "${msg.sourceLanguage}"; choose auto-detect or another engine`,
      );
    }
    this.language = msg.sourceLanguage !== 'auto' ? baseLanguage(msg.sourceLanguage) : languages === 'multi' ? '' : languages[0]!;
    try {
      const recognizer = await engine.createRecognizer({ language: msg.sourceLanguage });
      if (this.state !== 'starting') {
        await recognizer.close();
        return;
      }
      this.pipeline = await TranscriptionPipeline.create(recognizer, this.sink(), {
        endSilenceMs: this.deps.config.endSilenceMs,
        maxSegmentSeconds: this.deps.config.maxSegmentSeconds,
        language: this.language,
        log: this.deps.log,
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'unsupported_language') {
        return this.fatal('unsupported_language', (err as Error).message);
      }
      return this.fatal('engine_error', `could not start the ${engine.info.name} engine: ${(err as Error).message}`);
    }
    if (this.state !== 'starting') {
      await this.pipeline.close();
      return;
    }
    this.state = 'streaming';
    if (this.legacy) {
      this.send({ type: 'connection', status: 'initialized', sessionId: this.id, success: true });
    } else {
      this.send({
        type: 'ready',
        sessionId: this.id,
        protocol: 2,
        engine: engine.info.name,
        model: engine.info.model,
        sampleRate: WIRE_SAMPLE_RATE,
        ...(choice.notice ? { notice: choice.notice } : {}),
      });
    }
    this.deps.log.info(
      `session ${this.id}: ${engine.info.name} (${this.legacy ? 'original protocol' : 'protocol 2'}, ${audio.sampleRate} Hz ${audio.channels} ch, language ${msg.sourceLanguage})`,
    );
    this.pumpPending();
  }

  /** Client asked to stop: finalize everything, say done, close. */
  private async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'closed') return;
    if (this.state === 'awaiting_init') {
      this.send({ type: 'done' });
      return this.close(CloseCode.normal, 'stopped');
    }
    while (this.state === 'starting') await new Promise((r) => setTimeout(r, 10));
    if (this.state !== 'streaming') return;
    this.state = 'stopping';
    await this.pipeline?.flush();
    this.send({ type: 'done' });
    this.close(CloseCode.normal, 'stopped');
  }

  /** Server shutting down: finish the finals we can, then close with a reason. */
  async shutdown(): Promise<void> {
    if (this.state === 'streaming') {
      this.state = 'stopping';
      await this.pipeline?.flush();
    }
    if (this.state === 'closed') return;
    this.error('shutting_down', 'the server is shutting down', true);
    this.close(CloseCode.goingAway, 'server shutting down');
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.state === 'closed') return;
    this.idleTimer = setTimeout(() => {
      // A client waiting for us (queued audio, a stop being drained) is not idle.
      if (this.state === 'stopping' || this.backlogSeconds() > 0) return this.touch();
      this.error('idle_timeout', `no message for ${this.deps.config.idleTimeout} s; send keepalive while idle`, true);
      this.close(CloseCode.idleTimeout, 'idle timeout');
    }, this.deps.config.idleTimeout * 1000);
    this.idleTimer.unref();
  }

  private fatal(code: ErrorCode, message: string): void {
    this.error(code, message, true);
    this.close(CloseCode.policy, message.slice(0, 120));
  }

  private close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason.slice(0, 120));
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pending = [];
    const pipeline = this.pipeline;
    this.pipeline = null;
    this.deps.onClosed(this);
    await pipeline?.close().catch((err) => this.deps.log.warn(`session ${this.id}: close: ${err.message}`));
  }

  // ------------------------------------------------------------ outgoing

  private sink(): SegmentSink {
    return {
      partial: (p) => {
        if (!this.legacy) this.send({ type: 'partial', ...p });
      },
      final: (f) => {
        const language = f.language || this.language;
        if (this.wavAnswers) {
          if (f.text) this.wavTexts.push(f.text);
          return;
        }
        if (this.legacy) {
          if (f.text) this.send({ type: 'transcription', text: f.text, language, success: true });
        } else {
          this.send({ type: 'final', ...f, language });
        }
      },
      error: (code, message, fatal) => (fatal ? this.fatal(code as ErrorCode, message) : this.error(code, message, false)),
    };
  }

  /** Runs inside the pipeline's queue right after the file's flush, so answers keep file order. */
  private answerWavFile(): void {
    if (!this.wavAnswers) return;
    const text = this.wavTexts.splice(0).join(' ');
    this.send({ type: 'transcription', text, language: this.language, success: true });
  }

  private error(code: ErrorCode | string, message: string, fatal: boolean): void {
    this.send({ type: 'error', code, message, fatal, success: false });
  }

  private send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

function baseLanguage(code: string): string {
  return code.split('-')[0]!.toLowerCase();
}

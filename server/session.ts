// One WebSocket client: validates every message, speaks protocol 2 or the original
// design's shape, converts audio to 16 kHz mono and hands it to the transcription pipeline.
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import {
  CloseCode,
  PROTOCOL_VERSION,
  WIRE_SAMPLE_RATE,
  parseClientMessage,
  type AudioSpec,
  type ErrorCode,
  type FinalMessage,
  type InitMessage,
  type ReadyMessage,
  type ResumeRequest,
  type ServerMessage,
} from '../protocol/index.ts';
import type { ServerConfig } from './config.ts';
import type { EngineRegistry } from './engine-registry.ts';
import { AudioDecoder, isWav, type Decoded } from './audio/audio-decoder.ts';
import { OpusPacketDecoder } from './audio/opus-packets.ts';
import { TranscriptionPipeline, type SegmentSink } from './pipeline.ts';
import type { Logger } from './log.ts';
import { FinalReplay, ResumeRegistry, newResumeToken } from './resume.ts';
import { metrics } from './metrics.ts';
import { closeReason } from './close-reason.ts';
import type { TranslationService } from './translate/service.ts';
import { baseLanguage, normalizeLanguage } from '../protocol/languages.ts';
import { routingHint } from './cluster/node-identity.ts'; // cluster hook (issue 17)
import { waitUntil, type DrainOptions } from './cluster/drain.ts'; // cluster hook (issue 17)

/** Protocol 2 sessions that sent ready and are alive: the ones a reconnecting client may resume. */
const resumables = new ResumeRegistry<Session>();

type State = 'awaiting_init' | 'starting' | 'streaming' | 'stopping' | 'closed';

const DEFAULT_AUDIO: AudioSpec = { encoding: 'pcm_s16le', sampleRate: WIRE_SAMPLE_RATE, channels: 1 };

export interface SessionDeps {
  config: ServerConfig;
  engines: EngineRegistry;
  log: Logger;
  onClosed(session: Session): void;
  /** Configured translation: finals are pushed translated when init asks for a target. */
  translation?: TranslationService | null;
  /** A valid init arrived (the connection is now a session: its init deadline ends). */
  onInit?(session: Session): void;
}

/** Errors a client causes itself (bad messages, audio before init, ...), counted against maxProtocolErrors. */
const SERVER_SIDE_ERRORS = new Set(['overloaded', 'translation_failed', 'resume_failed', 'engine_error']);

/** How long `stop` waits for translations still in flight before saying `done`. */
const TRANSLATION_DRAIN_MS = 10_000;

export class Session {
  readonly id = randomUUID();
  private state: State = 'awaiting_init';
  private legacy = false;
  private decoder = new AudioDecoder(DEFAULT_AUDIO);
  /** init.audio.encoding "opus": the decoder (WebAssembly, ready asynchronously) and the queue keeping packets in order until it is. */
  private opus: { decoder: Promise<OpusPacketDecoder | Error>; queue: Promise<void>; channels: number } | null = null;
  private pipeline: TranscriptionPipeline | null = null;
  /** The engine start in flight: the session stays counted until it settles (see teardown). */
  private engineStart: Promise<unknown> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Original-design clients that send WAV files get one answer per file: its finals, joined. */
  private wavAnswers = false;
  private wavTexts: string[] = [];
  private language = 'en';
  /** init's targetLanguage when this server translates; null: no pushed translations. */
  private targetLanguage: string | null = null;
  private readonly translating = new Set<Promise<void>>();
  private translationFailed = false;
  /** The client's current socket; a resume replaces it. */
  private ws: WebSocket;
  private detachSocket: () => void = () => {};
  /** Proves ownership when a client resumes after a dropped connection. */
  readonly resumeToken = newResumeToken();
  /** The ready we sent, repeated (with resume fields) to a resumed client. */
  private readyMsg: ReadyMessage | null = null;
  /** 16 kHz samples accepted onto this session's timeline: where a resumed client re-sends from. */
  private receivedSamples = 0;
  private readonly replay = new FinalReplay();
  /** Runs while the socket is gone and the session waits for its client to resume. */
  private graceTimer: NodeJS.Timeout | null = null;
  /** Non-fatal errors this client caused; past maxProtocolErrors the connection is closed. */
  private protocolErrors = 0;

  constructor(
    ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.ws = ws;
    this.attach(ws);
    this.touch();
  }

  /** Listens to a socket; detachSocket() undoes it when a resume moves the session elsewhere. */
  private attach(ws: WebSocket): void {
    const onMessage = (data: RawData, isBinary: boolean) => {
      this.touch();
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.onBinary(buf);
      else this.onText(buf.toString('utf8'));
    };
    const onClose = (code: number) => this.onSocketClose(code);
    const onError = (err: Error) => this.deps.log.warn(`session ${this.id}: socket error: ${err.message}`);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    this.ws = ws;
    this.detachSocket = () => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      ws.on('error', () => {}); // an unlistened socket error would crash the process
    };
  }

  get isStreaming(): boolean {
    return this.state === 'streaming';
  }

  /** A valid init arrived (or the session ended). */
  get initialized(): boolean {
    return this.state !== 'awaiting_init';
  }

  // ------------------------------------------------------------ incoming

  private onText(raw: string): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.error(parsed.code, parsed.message, false);
    const msg = parsed.value;
    switch (msg.type) {
      case 'init':
        if (this.state !== 'awaiting_init') return this.error('already_initialized', 'init was already received', false);
        this.deps.onInit?.(this);
        void this.init(msg);
        return;
      case 'keepalive':
        return this.send({ type: 'pong' });
      case 'flush':
        if (!this.pipeline) return this.error('not_initialized', 'send init before flush', false);
        // Opus packets still being decoded came before the flush: flush after them.
        if (this.opus) this.opus.queue = this.opus.queue.then(() => void this.pipeline?.flush());
        else void this.pipeline.flush();
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
    const opus = this.opus;
    if (opus) {
      // Opus packets are never sniffed as WAV: any first bytes are valid Opus.
      opus.queue = opus.queue.then(async () => {
        const decoder = await opus.decoder;
        if (this.state === 'closed') return;
        if (decoder instanceof Error) return this.error('unsupported_audio', `Opus decoder unavailable (${decoder.message}); frame ignored`, false);
        this.accept(decoder.decode(buf, config.maxFrameSeconds), false);
      });
      return;
    }
    const wav = isWav(buf);
    this.accept(wav ? this.decoder.decodeWav(buf, config.maxWavSeconds) : this.decoder.decodePcm(buf, config.maxFrameSeconds), wav);
  }

  private accept(decoded: Decoded, wav: boolean): void {
    const { config } = this.deps;
    if (!decoded.ok) return this.error(decoded.code, decoded.message, false);
    if (this.backlogSeconds() > config.maxBacklogSeconds) {
      return this.overloaded();
    }
    this.receivedSamples += decoded.pcm.length;
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
    if (msg.resume && msg.protocol === PROTOCOL_VERSION && this.handOver(msg.resume)) return;
    this.state = 'starting';
    this.legacy = msg.protocol !== PROTOCOL_VERSION;
    const audio = msg.audio ?? DEFAULT_AUDIO;
    this.decoder = new AudioDecoder(audio);
    if (audio.encoding === 'opus') {
      this.opus = { decoder: newOpusDecoder(audio.channels), queue: Promise.resolve(), channels: audio.channels };
    }
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
    const target = msg.targetLanguage === 'none' ? null : normalizeLanguage(msg.targetLanguage);
    this.targetLanguage = this.deps.translation && target ? target : null;
    this.language = msg.sourceLanguage !== 'auto' ? baseLanguage(msg.sourceLanguage) : languages === 'multi' ? '' : languages[0]!;
    try {
      const starting = engine.createRecognizer({ language: msg.sourceLanguage });
      this.engineStart = starting.catch(() => undefined);
      const recognizer = await starting;
      this.engineStart = null;
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
    const pairProblem = this.legacy ? null : await this.checkTranslationPair();
    if (this.state !== 'starting') {
      await this.pipeline.close();
      return;
    }
    this.state = 'streaming';
    if (this.legacy) {
      this.send({ type: 'connection', status: 'initialized', sessionId: this.id, success: true });
    } else {
      this.readyMsg = {
        type: 'ready',
        sessionId: this.id,
        protocol: 2,
        engine: engine.info.name,
        model: engine.info.model,
        sampleRate: WIRE_SAMPLE_RATE,
        ...(choice.notice ? { notice: choice.notice } : {}),
        resumeToken: this.resumeToken,
        ...routingHint(), // cluster hook (issue 17): ready.node, the resume routing hint
      };
      if (this.targetLanguage) this.readyMsg.translation = this.targetLanguage;
      // A failed resume (resume_failed already sent) continues as this new session.
      this.send(msg.resume ? { ...this.readyMsg, resumed: false, receivedSamples: 0 } : this.readyMsg);
      resumables.add(this);
      if (pairProblem) this.error('translation_failed', pairProblem, false);
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
    if (this.opus) await this.opus.queue; // packets that came before stop
    if (this.state !== 'streaming') return;
    this.state = 'stopping';
    await this.pipeline?.flush();
    await this.drainTranslations();
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

  /** Cluster hook (issue 17): drain: the open phrase ends (or times out), its final goes out, the client is told to move. */
  async drain(opts: DrainOptions): Promise<void> {
    if (this.state === 'streaming') await waitUntil(() => this.state !== 'streaming' || !this.pipeline?.speaking, opts.phraseWaitMs);
    if (this.state === 'streaming') {
      this.state = 'stopping';
      await this.pipeline?.flush();
    }
    if (this.state === 'closed') return;
    this.send({ type: 'error', code: 'shutting_down', message: 'this server is restarting; reconnect to continue on another', fatal: true, success: false, retryAfterMs: opts.moveRetryMs });
    this.close(CloseCode.goingAway, 'server draining');
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
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, closeReason(reason));
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    resumables.remove(this);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pending = [];
    void this.opus?.decoder.then((d) => d instanceof Error || d.free());
    this.opus = null;
    const pipeline = this.pipeline;
    this.pipeline = null;
    // A client that sends init and hangs up must not pile up engine starts (a sphinx session
    // costs ~0.8 s of CPU and ~184 MiB of RSS, measured by bench:server): the session counts
    // against the limit until its start ends.
    if (this.engineStart) void this.engineStart.then(() => this.deps.onClosed(this));
    else this.deps.onClosed(this);
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
          const final: FinalMessage = { type: 'final', ...f, language };
          this.replay.add(final); // also while detached: a resumed client gets it then
          this.send(final);
          this.pushTranslation(final);
        }
      },
      error: (code, message, fatal) => (fatal ? this.fatal(code as ErrorCode, message) : this.error(code, message, false)),
    };
  }

  // ------------------------------------------------------------ translation

  /** Translates a final into init's target language and sends it after the final. */
  private pushTranslation(final: FinalMessage): void {
    const service = this.deps.translation;
    const target = this.targetLanguage;
    const source = normalizeLanguage(final.language);
    if (!service || !target || !source || source === target || !final.text.trim()) return;
    const job = service
      .translate([final.text], source, target)
      .then(([text]) => this.send({ type: 'translation', segmentId: final.segmentId, text: text ?? '', language: target }))
      .catch((err: Error) => {
        // Once per session: captions go on untranslated; the client may translate itself.
        if (this.translationFailed) return;
        this.translationFailed = true;
        this.error('translation_failed', `captions are not translated: ${err.message}`, false);
      })
      .finally(() => this.translating.delete(job));
    this.translating.add(job);
  }

  /** Drops the target (and says why) when the back end lacks the pair; null when all is well. */
  private async checkTranslationPair(): Promise<string | null> {
    const service = this.deps.translation;
    const target = this.targetLanguage;
    if (!service || !target || !this.language || this.language === target) return null;
    if (await service.supports(this.language, target)) return null;
    this.targetLanguage = null;
    this.translationFailed = true;
    return `captions are not translated: the server's ${service.backend.name} back end has no ${this.language}→${target} pair`;
  }

  private async drainTranslations(): Promise<void> {
    if (this.translating.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.translating), new Promise((r) => (timer = setTimeout(r, TRANSLATION_DRAIN_MS)))]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------ resume

  /**
   * The socket dropped. A deliberate close (1000, or a close frame without a code) ends the
   * session; a lost connection keeps it (pipeline, recognizer, timeline, segment ids) for the
   * grace period, still counted against the session limit, so its client can resume.
   * A session with no audio yet has nothing to lose and is not held.
   */
  private onSocketClose(code: number): void {
    const grace = this.deps.config.resumeGraceSeconds;
    const deliberate = code === 1000 || code === 1005;
    const worthKeeping = this.readyMsg !== null && this.receivedSamples > 0 && this.state === 'streaming';
    if (deliberate || grace <= 0 || !worthKeeping) return void this.teardown();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.deps.log.info(`session ${this.id}: connection lost (${code}); kept ${grace} s for resume`);
    this.graceTimer = setTimeout(() => {
      this.deps.log.info(`session ${this.id}: not resumed within ${grace} s; freed`);
      void this.teardown();
    }, grace * 1000);
    this.graceTimer.unref();
  }

  /** init asked to resume: hand this socket to that session, or say why not (false: go on as new). */
  private handOver(req: ResumeRequest): boolean {
    const target = resumables.claim(req.sessionId, req.token);
    if (!target || target === this || target.state !== 'streaming') {
      this.error('resume_failed', 'cannot resume: the session is unknown or expired, or the token is wrong; starting a new session', false);
      return false;
    }
    // This object was only the doorway for the new socket: leave without closing it.
    this.detachSocket();
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.deps.onClosed(this);
    target.takeOver(this.ws, req);
    return true;
  }

  /** The resumed client's socket replaces the old one (dead, or not yet noticed as dead). */
  private takeOver(ws: WebSocket, req: ResumeRequest): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const old = this.ws;
    this.detachSocket();
    if (old !== ws && old.readyState !== old.CLOSED) old.terminate();
    this.attach(ws);
    this.touch();
    const opus = this.opus;
    if (!opus) return this.announceResumed(req);
    // A new connection carries a new Opus stream (the client starts a fresh encoder, with its
    // own look-ahead): decode it with a fresh decoder, after the old socket's last packets, so
    // receivedSamples counts them all before the client is told where to resend from.
    opus.queue = opus.queue.then(() => {
      if (this.state === 'closed' || this.opus !== opus) return;
      void opus.decoder.then((d) => d instanceof Error || d.free());
      opus.decoder = newOpusDecoder(opus.channels);
      this.announceResumed(req);
    });
  }

  private announceResumed(req: ResumeRequest): void {
    // Synchronous from here on: no final can slip between the replay and live sending.
    this.send({ ...this.readyMsg!, resumed: true, receivedSamples: this.receivedSamples });
    for (const f of this.replay.after(req.lastSegmentId)) {
      this.send(f);
      // Its translation may have been dropped with the old socket: translate it again.
      this.pushTranslation(f);
    }
    const lost = req.audioOffset !== undefined ? `; ${req.audioOffset - this.receivedSamples} samples lost in transit` : '';
    this.deps.log.info(`session ${this.id}: resumed at sample ${this.receivedSamples}${lost}`);
  }

  /** Runs inside the pipeline's queue right after the file's flush, so answers keep file order. */
  private answerWavFile(): void {
    if (!this.wavAnswers) return;
    const text = this.wavTexts.splice(0).join(' ');
    this.send({ type: 'transcription', text, language: this.language, success: true });
  }

  private error(code: ErrorCode | string, message: string, fatal: boolean): void {
    if (!fatal && !SERVER_SIDE_ERRORS.has(code) && ++this.protocolErrors > this.deps.config.maxProtocolErrors) {
      if (this.state === 'closed') return;
      return this.fatal('too_many_errors', `more than ${this.deps.config.maxProtocolErrors} protocol errors on this connection`);
    }
    this.send({ type: 'error', code, message, fatal, success: false });
  }

  private send(msg: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A client that stops reading must not make us queue replies without bound.
    if (this.ws.bufferedAmount > this.deps.config.maxBufferedBytes) {
      this.deps.log.warn(`session ${this.id}: client is not reading (${this.ws.bufferedAmount} bytes queued); connection closed`);
      this.ws.terminate();
      return;
    }
    metrics.serverMessage(msg);
    this.ws.send(JSON.stringify(msg));
  }
}

function newOpusDecoder(channels: number): Promise<OpusPacketDecoder | Error> {
  return OpusPacketDecoder.create(channels).catch((err: Error) => err);
}

// One streaming session's lifecycle: init (engine start, wire dialect), stop, shutdown, drain,
// idle timeout and resume after a lost connection. Its parts: the client link, the audio input,
// one sink per wire dialect, translation push (all in this folder).
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CloseCode, PROTOCOL_VERSION, parseClientMessage, type ErrorCode, type InitMessage, type ResumeRequest } from '../../protocol/index.ts';
import type { PipelineConfig, ServerSessionConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { TranscriptionPipeline } from '../pipeline.ts';
import type { TranslationService } from '../translate/service.ts';
import { within, type DrainOptions } from '../cluster/drain.ts'; // cluster hook (issue 17)
import { ClientLink } from './client-link.ts';
import { AudioInput, DEFAULT_AUDIO } from './audio-input.ts';
import type { EngineOpener } from './open-engine.ts';
import { newResumeToken, type ResumeRegistry } from './resume-registry.ts';
import { OriginalSink } from './sink-original.ts';
import { Protocol2Sink } from './sink-protocol2.ts';
import { TranslationPush } from './translation-push.ts';
import type { WireSink } from './wire-sink.ts';

type State = 'awaiting_init' | 'starting' | 'streaming' | 'stopping' | 'closed';

export interface ServerSessionDeps {
  /** The session's slice; its link and audio input are each given their own sub-slice. */
  config: ServerSessionConfig;
  /** Endpointing for the session's pipeline. */
  pipeline: PipelineConfig;
  /** Engine choice and language check, shared with REST. */
  opener: EngineOpener;
  /** The server's resumable sessions (owned by the server object). */
  resumables: ResumeRegistry<ServerSession>;
  log: Logger;
  onClosed(session: ServerSession): void;
  /** Configured translation: finals are pushed translated when init asks for a target. */
  translation?: TranslationService | null;
  /** A valid init arrived (the connection is now a session: its init deadline ends). */
  onInit?(session: ServerSession): void;
}

export class ServerSession {
  readonly id = randomUUID();
  private state: State = 'awaiting_init';
  private readonly link: ClientLink;
  private readonly audio: AudioInput;
  private sink: WireSink | null = null;
  private pipeline: TranscriptionPipeline | null = null;
  /** init in progress: stop() waits for it. */
  private starting: Promise<void> | null = null;
  /** The engine start in flight: the session stays counted until it settles (see teardown). */
  private engineStart: Promise<unknown> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Proves ownership when a client resumes after a dropped connection. */
  readonly resumeToken = newResumeToken();
  /** Runs while the socket is gone and the session waits for its client to resume. */
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    ws: WebSocket,
    private readonly deps: ServerSessionDeps,
  ) {
    const { config, log } = deps;
    this.link = new ClientLink(ws, config.link, log, this.id, {
      text: (raw) => {
        this.touch();
        this.onText(raw);
      },
      binary: (buf) => {
        this.touch();
        this.onBinary(buf);
      },
      closed: (code) => this.onSocketClose(code),
      tooManyErrors: (message) => this.fatal('too_many_errors', message),
    });
    this.audio = new AudioInput(config.audio, {
      pipeline: () => this.pipeline,
      streaming: () => this.state === 'streaming',
      closed: () => this.state === 'closed',
      error: (code, message) => this.error(code, message, false),
      wavFile: { started: () => this.sink?.wavFileStarted(), ended: () => this.sink?.wavFileEnded() },
    });
    this.touch();
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
        this.starting = this.init(msg);
        return;
      case 'keepalive':
        return this.link.send({ type: 'pong' });
      case 'flush':
        if (!this.pipeline) return this.error('not_initialized', 'send init before flush', false);
        return this.audio.flush();
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
    this.audio.receive(buf);
  }

  // ------------------------------------------------------------ lifecycle

  private async init(msg: InitMessage): Promise<void> {
    if (msg.resume && msg.protocol === PROTOCOL_VERSION && this.handOver(msg.resume)) return;
    this.state = 'starting';
    const original = msg.protocol !== PROTOCOL_VERSION;
    const audio = msg.audio ?? DEFAULT_AUDIO;
    this.audio.configure(audio);
    const opened = this.deps.opener.open({ engine: msg.engine, language: msg.sourceLanguage });
    if (!opened.ok) {
      const hint = opened.code === 'unsupported_language' ? '; choose auto-detect or another engine' : '';
      return this.fatal(opened.code, opened.message + hint);
    }
    const { engine, language } = opened;
    const send = this.link.send.bind(this.link);
    const onError = (code: string, message: string, fatal: boolean) => (fatal ? this.fatal(code as ErrorCode, message) : this.error(code, message, false));
    const translation = new TranslationPush(this.deps.translation ?? null, msg.targetLanguage, send, (code, message) => this.error(code, message, false));
    const sink = original
      ? new OriginalSink(this.id, language, send, onError)
      : new Protocol2Sink({
          sessionId: this.id,
          resumeToken: this.resumeToken,
          engine: engine.info,
          notice: opened.notice,
          language,
          resumeFailed: msg.resume !== undefined,
          translation,
          send,
          onError,
        });
    this.sink = sink;
    try {
      const starting = engine.createRecognizer({ language: msg.sourceLanguage });
      this.engineStart = starting.catch(() => undefined);
      const recognizer = await starting;
      this.engineStart = null;
      if (this.state !== 'starting') {
        await recognizer.close();
        return;
      }
      this.pipeline = await TranscriptionPipeline.create(recognizer, sink.segments, {
        ...this.deps.pipeline,
        language,
        log: this.deps.log,
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'unsupported_language') {
        return this.fatal('unsupported_language', (err as Error).message);
      }
      return this.fatal('engine_error', `could not start the ${engine.info.name} engine: ${(err as Error).message}`);
    }
    const pairProblem = original ? null : await translation.checkPair(language);
    if (this.state !== 'starting') {
      await this.pipeline.close();
      return;
    }
    this.state = 'streaming';
    sink.started();
    if (sink instanceof Protocol2Sink) {
      this.deps.resumables.add(this);
      if (pairProblem) this.error('translation_failed', pairProblem, false);
    }
    this.deps.log.info(
      `session ${this.id}: ${engine.info.name} (${original ? 'original protocol' : 'protocol 2'}, ${audio.sampleRate} Hz ${audio.channels} ch, language ${msg.sourceLanguage})`,
    );
    this.audio.pump();
  }

  /** Client asked to stop: finalize everything, say done, close. */
  private async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'closed') return;
    if (this.state === 'awaiting_init') {
      this.link.send({ type: 'done' });
      return this.close(CloseCode.normal, 'stopped');
    }
    if (this.state === 'starting') await this.starting; // the engine start settles first
    await this.audio.settled(); // packets that came before stop
    if (this.state !== 'streaming') return;
    this.state = 'stopping';
    await this.pipeline?.flush();
    await this.sink?.settle();
    this.link.send({ type: 'done' });
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
    // The pipeline says when the open phrase ends (or it closes with the session): no polling.
    if (this.state === 'streaming' && this.pipeline) await within(this.pipeline.whenSilent(), opts.phraseWaitMs);
    if (this.state === 'streaming') {
      this.state = 'stopping';
      await this.pipeline?.flush();
    }
    if (this.state === 'closed') return;
    this.link.send({ type: 'error', code: 'shutting_down', message: 'this server is restarting; reconnect to continue on another', fatal: true, success: false, retryAfterMs: opts.moveRetryMs });
    this.close(CloseCode.goingAway, 'server draining');
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.state === 'closed') return;
    const { idleTimeout } = this.deps.config;
    this.idleTimer = setTimeout(() => {
      // A client waiting for us (queued audio, a stop being drained) is not idle.
      if (this.state === 'stopping' || this.audio.backlogSeconds() > 0) return this.touch();
      this.error('idle_timeout', `no message for ${idleTimeout} s; send keepalive while idle`, true);
      this.close(CloseCode.idleTimeout, 'idle timeout');
    }, idleTimeout * 1000);
    this.idleTimer.unref();
  }

  private error(code: ErrorCode | string, message: string, fatal: boolean): void {
    this.link.error(code, message, fatal, this.state === 'closed');
  }

  private fatal(code: ErrorCode, message: string): void {
    this.error(code, message, true);
    this.close(CloseCode.policy, message.slice(0, 120));
  }

  private close(code: number, reason: string): void {
    this.link.close(code, reason);
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.deps.resumables.remove(this);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.audio.close();
    const pipeline = this.pipeline;
    this.pipeline = null;
    // A client that sends init and hangs up must not pile up engine starts (a sphinx session
    // costs ~0.8 s of CPU and ~184 MiB of RSS, measured by bench:server): the session counts
    // against the limit until its start ends.
    if (this.engineStart) void this.engineStart.then(() => this.deps.onClosed(this));
    else this.deps.onClosed(this);
    await pipeline?.close().catch((err) => this.deps.log.warn(`session ${this.id}: close: ${err.message}`));
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
    const ready = this.sink instanceof Protocol2Sink && this.sink.ready;
    const worthKeeping = ready && this.audio.receivedSamples > 0 && this.state === 'streaming';
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
    const target = this.deps.resumables.claim(req.sessionId, req.token);
    if (!target || target === this || target.state !== 'streaming') {
      this.error('resume_failed', 'cannot resume: the session is unknown or expired, or the token is wrong; starting a new session', false);
      return false;
    }
    // This object was only the doorway for the new socket: leave without closing it.
    this.link.detach();
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.deps.onClosed(this);
    target.takeOver(this.link.socket, req);
    return true;
  }

  /** The resumed client's socket replaces the old one (dead, or not yet noticed as dead). */
  private takeOver(ws: WebSocket, req: ResumeRequest): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.link.swap(ws);
    this.touch();
    this.audio.newConnection(() => {
      const sink = this.sink as Protocol2Sink; // only protocol-2 sessions are resumable
      sink.resumed(req, this.audio.receivedSamples);
      const lost = req.audioOffset !== undefined ? `; ${req.audioOffset - this.audio.receivedSamples} samples lost in transit` : '';
      this.deps.log.info(`session ${this.id}: resumed at sample ${this.audio.receivedSamples}${lost}`);
    });
  }
}

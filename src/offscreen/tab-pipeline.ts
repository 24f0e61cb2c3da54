// One captioned tab inside the offscreen document: tab audio → capture graph (playback +
// 16 kHz PCM16 frames) → StreamSession → server; the session's events go to the background
// as text messages. Audio never leaves this document except over the WebSocket.

import type { BackgroundMessage, TabSessionUpdate } from '../shared/messages.ts';
import type { AudioEncoding } from '../../protocol/index.ts';
import type { CaptionSettings } from '../shared/settings.ts';
import type { TabSessionPhase, TransportMode } from '../shared/tab-session-state.ts';
import { startCaptureGraph, type CaptureGraph } from './audio/capture-graph.ts';
import { CaptureClock } from './capture-clock.ts';
import { OpusPacketEncoder, opusSupported } from './audio/opus-encoder.ts';
// Vite bundles the worklet as its own module file and gives us its URL for addModule().
import processorUrl from './audio/capture-processor.ts?worker&url';
import { StreamSession, type StreamEvent, type StreamState, type WireEncoderFactory } from './session/index.ts';
import { getTabAudioStream } from './tab-capture.ts';
import type { CaptionTranslator } from '../translation/caption-translator.ts';
import { createTabTranslator, wantsServerPush } from '../translation/tab-translator.ts';

export type Report = (msg: BackgroundMessage) => void;

export interface PipelineStats {
  tabId: number;
  state: StreamState;
  audioContext: AudioContextState | 'none';
  sampleRate: number;
  framesCaptured: number;
  /** Loudest 100 ms RMS seen (0…1): above zero means real audio reached the capture. */
  peakLevel: number;
  bufferedSeconds: number;
  droppedSeconds: number;
  mode: TransportMode;
  /** What streaming sends now; `none` before the session exists. */
  audioEncoding: AudioEncoding | 'none';
}

const PHASE: Record<StreamState, TabSessionPhase> = {
  idle: 'connecting',
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  stopping: 'stopping',
  stopped: 'stopped',
  error: 'error',
};

export class TabPipeline {
  private graph: CaptureGraph | null = null;
  private stream: MediaStream | null = null;
  private session: StreamSession | null = null;
  private stopping: Promise<void> | null = null;
  private framesCaptured = 0;
  private peakLevel = 0;
  /** Last transport status sent, so the background hears only changes. */
  private lastStatus = '';
  private translator: CaptionTranslator | null = null;
  /** When each captured sample was heard, for the transcript's media times. */
  private readonly clock = new CaptureClock();

  constructor(
    readonly tabId: number,
    private readonly settings: CaptionSettings,
    private readonly report: Report,
    /** Called once when the pipeline has fully ended, for whatever reason. */
    private readonly onEnded: () => void,
  ) {}

  /** Resolves once audio flows to the session; throws when the tab cannot be captured. */
  async start(streamId: string): Promise<void> {
    // The stream id expires within seconds: consume it before anything slow.
    const stream = await getTabAudioStream(streamId);
    this.stream = stream;
    this.translator = createTabTranslator(
      this.settings,
      (translation) => this.report({ to: 'background', type: 'translation', tabId: this.tabId, translation }),
      (status) => this.send({ translation: { provider: status.provider, ...(status.note ? { note: status.note } : {}) } }),
    );
    const createOpusEncoder = await this.opusEncoderFactory();
    const session = new StreamSession({
      url: this.settings.serverUrl,
      sourceLanguage: this.settings.sourceLanguage,
      // Only ask the server to translate when the user lets it.
      targetLanguage: wantsServerPush(this.settings) ? this.settings.targetLanguage : '',
      engine: this.settings.engine,
      token: this.settings.serverToken,
      ...(createOpusEncoder ? { createOpusEncoder } : {}),
      onEvent: (e) => this.onStreamEvent(e),
    });
    this.session = session;
    session.start();
    try {
      this.graph = await startCaptureGraph(
        stream,
        new URL(processorUrl, location.href).href,
        (pcm) => {
          this.framesCaptured++;
          this.clock.frame(pcm.byteLength >> 1, Date.now());
          session.sendAudio(pcm);
        },
        (rms) => {
          this.peakLevel = Math.max(this.peakLevel, rms);
        },
      );
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      await session.stop();
      throw err;
    }
    // The tab closed or Chrome revoked the capture: end gracefully with the last finals.
    stream.getAudioTracks()[0]?.addEventListener('ended', () => {
      this.report({ to: 'background', type: 'capture-ended', tabId: this.tabId, reason: 'The tab stopped producing audio (closed or capture revoked).' });
      void this.stop();
    });
  }

  /** Stops capture first (the tab sounds normal again at once), then drains the server. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.graph?.flush(); // the last partial 100 ms frame
        await this.graph?.stop();
        for (const t of this.stream?.getTracks() ?? []) t.stop();
        await this.session?.stop();
      } finally {
        this.translator?.dispose();
        this.onEnded();
      }
    })();
    return this.stopping;
  }

  /** For debugging and end-to-end tests: is audio flowing, and is it audible? */
  stats(): PipelineStats {
    return {
      tabId: this.tabId,
      state: this.session?.state ?? 'idle',
      audioContext: this.graph?.context.state ?? 'none',
      sampleRate: this.graph?.context.sampleRate ?? 0,
      framesCaptured: this.framesCaptured,
      peakLevel: this.peakLevel,
      bufferedSeconds: this.session?.bufferedSeconds ?? 0,
      droppedSeconds: this.session?.droppedSeconds ?? 0,
      mode: this.session?.mode ?? 'streaming',
      audioEncoding: this.session?.audioEncoding ?? 'none',
    };
  }

  /** Opus when the user chose it and this browser's WebCodecs can encode it; else PCM16. */
  private async opusEncoderFactory(): Promise<WireEncoderFactory | undefined> {
    if (this.settings.wireAudio !== 'opus') return undefined;
    if (!(await opusSupported())) {
      this.send({ notice: 'This browser cannot encode Opus; sending uncompressed audio instead' });
      return undefined;
    }
    return (onPacket, onError) => new OpusPacketEncoder(onPacket, onError);
  }

  private onStreamEvent(e: StreamEvent): void {
    switch (e.type) {
      case 'state': {
        const update: TabSessionUpdate = { phase: PHASE[e.state] };
        if (e.state === 'reconnecting') {
          update.attempt = e.attempt ?? 1;
          update.retryAt = Date.now() + (e.retryInMs ?? 0);
          update.error = e.reason ?? null;
        } else if (e.state === 'error') {
          update.error = e.reason ?? 'The session failed';
        } else {
          update.attempt = null;
          update.retryAt = null;
          update.error = null;
        }
        this.send(update);
        // A session that failed for good releases the tab's audio too.
        if (e.state === 'error') void this.stop();
        break;
      }
      case 'ready':
        this.send({
          engine: e.original ? 'original-protocol server' : e.engine || null,
          model: e.model || null,
          notice: e.notice ?? null,
          wireAudio: e.original ? null : e.encoding === 'opus' ? 'opus' : 'pcm',
        });
        // The server announced it translates this session: use its pushes.
        if (e.translation) this.translator?.expectPushes();
        else this.translator?.stopExpectingPushes('This server does not translate; translating here instead.');
        break;
      case 'caption': {
        const capturedAt = e.caption.kind === 'final' ? this.clock.stamp(e.samples) : undefined;
        const caption = capturedAt ? { ...e.caption, capturedAt } : e.caption;
        this.report({ to: 'background', type: 'caption', tabId: this.tabId, caption });
        this.translator?.addCaption(e.caption);
        break;
      }
      case 'translation':
        this.translator?.addPushed(e.id, e.text, e.language);
        break;
      case 'server-error':
        if (e.code === 'translation_failed') {
          this.translator?.stopExpectingPushes(`The server cannot translate (${e.message}); translating here instead.`);
          break;
        }
        this.send({ notice: e.message });
        break;
      case 'notice':
        this.send({ notice: e.message });
        break;
      case 'dropped':
        console.warn(`[offscreen] tab ${this.tabId}: buffer full, dropped ${e.seconds} s of the oldest audio (${e.totalSeconds} s in all)`);
        break;
      case 'status': {
        // Whole seconds are enough for the user, and keep storage writes rare.
        const update: TabSessionUpdate = {
          mode: e.mode,
          behindSeconds: Math.round(e.behindSeconds),
          droppedSeconds: e.droppedSeconds,
          engineBehindSeconds: Math.round(e.engineBehindSeconds),
        };
        const key = JSON.stringify(update);
        if (key !== this.lastStatus) {
          this.lastStatus = key;
          this.send(update);
        }
        break;
      }
    }
  }

  private send(update: TabSessionUpdate): void {
    this.report({ to: 'background', type: 'session-update', tabId: this.tabId, update });
  }
}

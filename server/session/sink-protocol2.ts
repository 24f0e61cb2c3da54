// Protocol 2's wire dialect: `ready` (with the resume token and routing hint), partials and
// finals, a replay of recent finals for a resumed client, and pushed translations.
import { WIRE_SAMPLE_RATE, type FinalMessage, type ReadyMessage, type ResumeRequest, type ServerMessage } from '../../protocol/index.ts';
import type { EngineInfo } from '../engines/engine.ts';
import { routingHint } from '../cluster/node-identity.ts'; // cluster hook (issue 17)
import { FinalReplay } from './resume-registry.ts';
import type { TranslationPush } from './translation-push.ts';
import type { SinkError, WireSink } from './wire-sink.ts';

export interface Protocol2SinkOptions {
  sessionId: string;
  resumeToken: string;
  engine: Pick<EngineInfo, 'name' | 'model'>;
  /** Why another engine than the one asked for serves this client. */
  notice?: string;
  /** The language finals carry when the engine does not say. */
  language: string;
  /** init asked to resume and could not (resume_failed already sent): ready says resumed: false. */
  resumeFailed: boolean;
  translation: TranslationPush;
  send(msg: ServerMessage): void;
  onError: SinkError;
}

export class Protocol2Sink implements WireSink {
  /** The ready we sent, repeated (with resume fields) to a resumed client; null until sent. */
  private readyMsg: ReadyMessage | null = null;
  private readonly replay = new FinalReplay();
  readonly segments: WireSink['segments'];

  constructor(private readonly o: Protocol2SinkOptions) {
    this.segments = {
      partial: (p) => o.send({ type: 'partial', ...p }),
      final: (f) => {
        const final: FinalMessage = { type: 'final', ...f, language: f.language || o.language };
        this.replay.add(final); // also while detached: a resumed client gets it then
        o.send(final);
        o.translation.push(final);
      },
      error: o.onError,
    };
  }

  /** True once ready went out: from then on the session can be resumed. */
  get ready(): boolean {
    return this.readyMsg !== null;
  }

  started(): void {
    const { o } = this;
    this.readyMsg = {
      type: 'ready',
      sessionId: o.sessionId,
      protocol: 2,
      engine: o.engine.name,
      model: o.engine.model,
      sampleRate: WIRE_SAMPLE_RATE,
      ...(o.notice ? { notice: o.notice } : {}),
      resumeToken: o.resumeToken,
      ...routingHint(), // cluster hook (issue 17): ready.node, the resume routing hint
    };
    if (o.translation.target) this.readyMsg.translation = o.translation.target;
    // A failed resume (resume_failed already sent) continues as this new session.
    o.send(o.resumeFailed ? { ...this.readyMsg, resumed: false, receivedSamples: 0 } : this.readyMsg);
  }

  /** A client resumed: ready again with where to resend from, then the finals it may have missed. */
  resumed(req: ResumeRequest, receivedSamples: number): void {
    // Synchronous from here on: no final can slip between the replay and live sending.
    this.o.send({ ...this.readyMsg!, resumed: true, receivedSamples });
    for (const f of this.replay.after(req.lastSegmentId)) {
      this.o.send(f);
      // Its translation may have been dropped with the old socket: translate it again.
      this.o.translation.push(f);
    }
  }

  wavFileStarted(): void {}

  wavFileEnded(): void {}

  settle(): Promise<void> {
    return this.o.translation.drain();
  }
}

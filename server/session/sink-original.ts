// The original protocol's wire dialect: no partials, one `transcription` message per final with
// text, and one answer per WAV file (its finals joined) once a client sends whole files.
import type { ServerMessage } from '../../protocol/index.ts';
import type { SinkError, WireSink } from './wire-sink.ts';

export class OriginalSink implements WireSink {
  /** Original-protocol clients that send WAV files get one answer per file: its finals, joined. */
  private wavAnswers = false;
  private wavTexts: string[] = [];

  constructor(
    private readonly sessionId: string,
    /** The language finals carry when the engine does not say. */
    private readonly language: string,
    private readonly send: (msg: ServerMessage) => void,
    onError: SinkError,
  ) {
    this.segments = {
      partial: () => {},
      final: (f) => {
        if (this.wavAnswers) {
          if (f.text) this.wavTexts.push(f.text);
          return;
        }
        if (f.text) this.send({ type: 'transcription', text: f.text, language: f.language || this.language, success: true });
      },
      error: onError,
    };
  }

  readonly segments: WireSink['segments'];

  started(): void {
    this.send({ type: 'connection', status: 'initialized', sessionId: this.sessionId, success: true });
  }

  wavFileStarted(): void {
    this.wavAnswers = true;
  }

  /** Runs inside the pipeline's queue right after the file's flush, so answers keep file order. */
  wavFileEnded(): void {
    if (!this.wavAnswers) return;
    const text = this.wavTexts.splice(0).join(' ');
    this.send({ type: 'transcription', text, language: this.language, success: true });
  }

  async settle(): Promise<void> {}
}

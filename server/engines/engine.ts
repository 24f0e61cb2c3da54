// The one small interface every speech engine implements. The session owns segmentation
// (voice activity, endpointing, maximum segment length); an engine only turns the audio of
// one utterance into text. All audio is 16 kHz mono PCM16.

export interface Hypothesis {
  text: string;
  /** ISO 639-1 code when the engine knows it (detected or fixed). */
  language?: string;
}

export interface EngineInfo {
  /** Engine name as it appears in `ready` and `/health`: 'sphinx' | 'whisper'. */
  name: string;
  /** Model name or file the engine runs. */
  model: string;
  /** Languages the engine can transcribe; 'multi' for multilingual models. */
  languages: string[] | 'multi';
}

export interface RecognizerOptions {
  /** 'auto' or an ISO 639-1 code. */
  language: string;
}

/** One utterance-at-a-time recognizer, owned by one session. Calls are never concurrent. */
export interface Recognizer {
  /** Appends audio of the current utterance. Cheap or queued: must not block the event loop. */
  accept(pcm: Int16Array): Promise<void>;
  /** Current best guess for the utterance so far (may be empty). */
  partial(): Promise<Hypothesis>;
  /** Ends the utterance, returns its final text and resets for the next one. */
  finish(): Promise<Hypothesis>;
  /** Frees native resources. */
  close(): Promise<void>;
}

export interface Engine {
  readonly info: EngineInfo;
  createRecognizer(opts: RecognizerOptions): Promise<Recognizer>;
  /** Frees shared resources (models, worker threads). */
  close(): Promise<void>;
}

export class EngineUnavailableError extends Error {
  constructor(
    readonly engine: string,
    readonly reason: string,
  ) {
    super(`${engine} engine unavailable: ${reason}`);
  }
}

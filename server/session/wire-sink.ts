// What a session's wire dialect does with the pipeline's results: one sink per dialect
// (sink-protocol2.ts, sink-original.ts) over the same segment stream.
import type { SegmentSink } from '../pipeline.ts';

export interface WireSink {
  /** Partials, finals and pipeline errors, as the pipeline reports them. */
  readonly segments: SegmentSink;
  /** The engine is ready: tell the client (ready, or the original protocol's connection message). */
  started(): void;
  /** A WAV file was fed in whole; `wavFileEnded` runs after its flush, in pipeline order. */
  wavFileStarted(): void;
  wavFileEnded(): void;
  /** Before `done`: waits for replies still in flight (pushed translations). */
  settle(): Promise<void>;
}

/** How a sink reports pipeline errors back to its session. */
export type SinkError = (code: string, message: string, fatal: boolean) => void;

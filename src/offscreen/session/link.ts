// The one interface between the session core and the ways of talking to a server (streaming,
// chunks over the original protocol's WebSocket, chunks over REST), and what links report back.

import type { ServerMessage } from '../../../protocol/index.ts';
import type { TransportMode } from '../../shared/tab-session-state.ts';
import type { AudioLog } from './audio-log.ts';
import type { StateExtra, StreamEvent, StreamState } from './types.ts';

/** What a link reports to the core: acknowledged samples, captions, and loss (retry or not). */
export interface LinkHost {
  /** Unconfirmed audio; a link reads it to (re)send and acknowledges what the server confirmed. */
  readonly log: AudioLog;
  readonly state: StreamState;
  /** Captions, translations, notices and non-fatal server errors. */
  emit(event: StreamEvent): void;
  emitStatus(): void;
  setState(state: StreamState, extra?: StateExtra): void;
  /** The connection is lost (dead, or must start over): drop it and reconnect. */
  lost(reason: string): void;
  /** Every chunk is answered (a stopping session may end). */
  drained(): void;
}

/** A way of sending the log to a server, from a given sample on. */
export interface Link {
  readonly mode: TransportMode;
  /** One new frame, already in the log. */
  push(samples: Int16Array): void;
  /** The user stopped: send what is left and ask for the last captions. */
  stop(): void;
  /**
   * How far behind live, in samples: audio from `unconfirmedFrom` on not yet handed to the server.
   * Not simply "unconfirmed": silence after the last final stays unconfirmed without anyone being behind.
   */
  behind(unconfirmedFrom: number, connected: boolean): number;
  /** A server message (not `ready`, `done` or a fatal error: the core's); false if it is not the link's. */
  onMessage(msg: ServerMessage): boolean;
  close(): void;
}

/** A chunk of the log [start, end) for chunk modes, with its answer once it arrives. */
export interface Chunk {
  seq: number;
  start: number;
  end: number;
  sent: boolean;
  answer?: { text: string; language?: string };
  failures: number;
}

/** What a chunk sender sees of the chunk link: the ordered queue, and delivery of answers. */
export interface ChunkQueue {
  readonly chunks: readonly Chunk[];
  /** Emits answered chunks at the head of the queue, in order. */
  deliver(): void;
  /** Sends the chunks not sent yet. */
  dispatch(): void;
}

/** Carries WAV chunks to a server (WebSocket of the original protocol, or POST /transcribe). */
export interface ChunkSender {
  /** Sends the chunks of the queue not sent yet (as many as it may). */
  dispatch(queue: ChunkQueue): void;
  /** The connection was lost: chunks sent and unanswered must go again. */
  pause(queue: ChunkQueue): void;
  /** After an answer arrived. */
  answered(queue: ChunkQueue): void;
  close(): void;
}

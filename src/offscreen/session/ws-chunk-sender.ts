// Chunk sender for an original-protocol server: WAV chunks over its WebSocket, answered
// in order (one `transcription` each, read by chunk-link.ts); a chunk left unanswered too long
// means a dead connection.

import { WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { AudioLog } from './audio-log.ts';
import { encodeWav } from '../../../protocol/wav.ts';
import type { ChunkQueue, ChunkSender } from './link.ts';
import type { ServerSocket } from './server-socket.ts';

export class WsChunkSender implements ChunkSender {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: ServerSocket,
    private readonly log: AudioLog,
    private readonly chunkTimeoutMs: number,
    /** The server stopped answering chunks. */
    private readonly onDead: () => void,
  ) {}

  dispatch(queue: ChunkQueue): void {
    if (!this.socket.isOpen) return;
    for (const c of queue.chunks) {
      if (c.sent || c.answer) continue;
      c.sent = true;
      this.socket.sendBinary(encodeWav(this.log.slice(c.start, c.end), RATE));
    }
    this.arm(queue);
  }

  pause(queue: ChunkQueue): void {
    for (const c of queue.chunks) if (!c.answer) c.sent = false;
    clearTimeout(this.timer);
  }

  answered(queue: ChunkQueue): void {
    this.arm(queue);
  }

  close(): void {
    clearTimeout(this.timer);
  }

  /** A server that stops answering chunks is as dead as one that stops answering pings. */
  private arm(queue: ChunkQueue): void {
    clearTimeout(this.timer);
    if (queue.chunks.some((c) => c.sent && !c.answer)) this.timer = setTimeout(this.onDead, this.chunkTimeoutMs);
  }
}

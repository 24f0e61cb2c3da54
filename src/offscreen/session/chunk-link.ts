// The chunk link: the unconfirmed audio cut at pauses into WAV chunks, an ordered queue whose
// answers (from a chunk sender: the original protocol's WebSocket, whose messages it reads, or
// REST) become captions in order, overlapping text merged, each answered chunk confirming its audio.

import { WIRE_SAMPLE_RATE as RATE, type ServerMessage } from '../../../protocol/index.ts';
import type { TransportMode } from '../../shared/tab-session-state.ts';
import { PauseChunker, type ChunkCut, type PauseChunkerOptions } from './pause-chunker.ts';
import { mergeChunkText } from './text-merge.ts';
import type { Chunk, ChunkQueue, ChunkSender, Link, LinkHost } from './link.ts';
import { RestChunkSender, type RestOptions } from './rest-chunk-sender.ts';
import type { ServerSocket } from './server-socket.ts';
import type { ResolvedOptions } from './types.ts';
import { WsChunkSender } from './ws-chunk-sender.ts';

/** Caption id prefixes (one per server session or chunk link) and chunk numbers, unique in a session. */
export interface CaptionIds {
  epoch: number;
  chunk: number;
}

type ChunkOptions = Pick<ResolvedOptions, 'chunker' | 'chunkTimeoutMs'> & RestOptions;

export class ChunkLink implements Link, ChunkQueue {
  readonly chunks: Chunk[] = [];
  private readonly chunker: PauseChunker;
  private lastText = '';
  private closed = false;

  constructor(
    readonly mode: Exclude<TransportMode, 'streaming'>,
    private readonly host: LinkHost,
    private readonly sender: ChunkSender,
    /** Caption id prefix. */
    private readonly epoch: number,
    private readonly nextSeq: () => number,
    chunker: PauseChunkerOptions,
  ) {
    const log = host.log;
    this.chunker = new PauseChunker(Math.max(log.acked, log.start), chunker);
  }

  /** Chunks over the socket of an original-protocol server; `onDead` once it stops answering them. */
  static overSocket(host: LinkHost, socket: ServerSocket, opts: ChunkOptions, ids: CaptionIds, onDead: () => void): ChunkLink {
    return new ChunkLink('original', host, new WsChunkSender(socket, host.log, opts.chunkTimeoutMs, onDead), ++ids.epoch, () => ids.chunk++, opts.chunker);
  }

  /** Chunks over POST /transcribe. */
  static overRest(host: LinkHost, opts: ChunkOptions, ids: CaptionIds): ChunkLink {
    return new ChunkLink('rest', host, new RestChunkSender(host, opts), ++ids.epoch, () => ids.chunk++, opts.chunker);
  }

  /** Cuts the unconfirmed audio into chunks, from the first unconfirmed sample, and sends them. */
  start(): void {
    const log = this.host.log;
    for (const f of log.range(Math.max(log.acked, log.start))) this.addCuts(this.chunker.push(f.pcm));
    this.dispatch();
  }

  push(samples: Int16Array): void {
    this.addCuts(this.chunker.push(samples));
    this.dispatch();
  }

  /** The audio after the last cut becomes the last chunk; the host hears `drained` once all are answered. */
  stop(): void {
    const start = this.chunks.at(-1)?.end ?? this.chunker.pendingStart;
    if (this.host.log.end > start) this.addCuts([{ end: this.host.log.end, voiced: true }]);
    this.dispatch();
    this.maybeDrained();
  }

  /** Unanswered audio; without a connection (original protocol) everything unconfirmed. */
  behind(unconfirmedFrom: number, connected: boolean): number {
    if (this.mode === 'original' && !connected) return this.host.log.end - unconfirmedFrom;
    return Math.max(0, (this.chunks.at(-1)?.end ?? unconfirmedFrom) - unconfirmedFrom);
  }

  dispatch(): void {
    if (!this.closed) this.sender.dispatch(this);
  }

  /** The connection is lost: its unanswered chunks go again on the next one. */
  pause(): void {
    this.sender.pause(this);
  }

  /**
   * The original protocol answers on its socket, in order: a `transcription`, or a non-fatal error
   * for a chunk it could not transcribe (that is this chunk's answer; the user is told).
   */
  onMessage(msg: ServerMessage): boolean {
    if (this.mode !== 'original') return false;
    if (msg.type === 'transcription') {
      this.answerOldest({ text: msg.text, ...(msg.language ? { language: msg.language } : {}) });
    } else if (msg.type === 'error') {
      this.host.emit({ type: 'server-error', code: msg.code, message: msg.message });
      this.answerOldest({ text: '' });
    } else return false;
    return true;
  }

  /** The next answer of an in-order sender belongs to the oldest chunk sent and not answered. */
  answerOldest(answer: { text: string; language?: string }): void {
    const c = this.chunks.find((x) => x.sent && !x.answer);
    if (!c) return;
    c.answer = answer;
    this.deliver();
    this.sender.answered(this);
  }

  /** Emits answered chunks in order and confirms their audio. */
  deliver(): void {
    while (this.chunks[0]?.answer) {
      const c = this.chunks.shift()!;
      const text = mergeChunkText(this.lastText, c.answer!.text);
      if (text) {
        this.lastText = text;
        this.host.emit({
          type: 'caption',
          caption: {
            kind: 'final',
            id: `${this.epoch}:c${c.seq}`,
            segmentId: c.seq,
            text,
            start: c.start / RATE,
            end: c.end / RATE,
            ...(c.answer!.language ? { language: c.answer!.language } : {}),
          },
          samples: [c.start, c.end],
        });
      }
      this.host.log.ack(c.end);
    }
    this.host.emitStatus();
    this.maybeDrained();
  }

  close(): void {
    this.closed = true;
    this.chunks.length = 0;
    this.sender.close();
  }

  private addCuts(cuts: ChunkCut[]): void {
    const log = this.host.log;
    for (const { end, voiced } of cuts) {
      const start = this.chunks.at(-1)?.end ?? Math.max(log.acked, log.start);
      if (end <= start) continue;
      // Pure silence is not worth a request (and Whisper-like engines invent words for it).
      this.chunks.push({ seq: this.nextSeq(), start, end, sent: false, failures: 0, ...(voiced ? {} : { answer: { text: '' } }) });
    }
    if (cuts.length && this.chunks[0]?.answer) this.deliver();
  }

  private maybeDrained(): void {
    if (this.chunks.length === 0) this.host.drained();
  }
}

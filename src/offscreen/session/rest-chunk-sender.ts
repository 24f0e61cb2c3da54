// Chunk sender over POST /transcribe (WebSocket missing or failing, HTTP fine): a few
// requests at a time, answers in any order, a failed request retried with backoff.

import { WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { AudioLog } from './audio-log.ts';
import { backoffDelay } from './backoff.ts';
import { RestError, transcribeWav } from './rest-transcribe.ts';
import { encodeWav } from '../../../protocol/wav.ts';
import type { Chunk, ChunkQueue, ChunkSender, LinkHost } from './link.ts';
import type { ResolvedOptions } from './types.ts';
import { WORDS } from './wording.ts';

export type RestOptions = Pick<ResolvedOptions, 'url' | 'sourceLanguage' | 'token' | 'fetchImpl' | 'maxRestInFlight' | 'backoff' | 'random'>;

export class RestChunkSender implements ChunkSender {
  private inFlight = 0;
  private closed = false;
  private readonly abort = new AbortController();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: LinkHost,
    private readonly opts: RestOptions,
  ) {}

  dispatch(queue: ChunkQueue): void {
    for (const c of queue.chunks) {
      if (this.inFlight >= this.opts.maxRestInFlight) break;
      if (c.sent || c.answer) continue;
      c.sent = true;
      this.inFlight++;
      void this.post(c, queue);
    }
  }

  pause(): void {
    // Requests stand on their own: nothing to re-send when a socket goes.
  }

  answered(): void {}

  close(): void {
    this.closed = true;
    this.abort.abort();
    clearTimeout(this.retryTimer);
  }

  private async post(c: Chunk, queue: ChunkQueue): Promise<void> {
    const { url, sourceLanguage, fetchImpl, token } = this.opts;
    const log: AudioLog = this.host.log;
    try {
      const answer = await transcribeWav(url, encodeWav(log.slice(c.start, c.end), RATE), sourceLanguage, fetchImpl, this.abort.signal, token);
      if (this.closed) return;
      this.inFlight--;
      c.answer = answer;
      c.failures = 0;
      if (this.host.state === 'reconnecting') this.host.setState('live');
      queue.deliver();
    } catch (err) {
      if (this.closed) return;
      this.inFlight--;
      c.sent = false;
      c.failures++;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof RestError && !err.retryable) {
        // This chunk cannot be transcribed: say so, and go on with the next one.
        c.answer = { text: '' };
        this.host.emit({ type: 'server-error', code: 'rest_rejected', message });
        queue.deliver();
      } else {
        const delay = backoffDelay(c.failures, this.opts.backoff, this.opts.random);
        if (this.host.state === 'live') this.host.setState('reconnecting', { attempt: c.failures, retryInMs: delay, reason: WORDS.noAnswer });
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => queue.dispatch(), delay);
        return;
      }
    }
    queue.dispatch();
  }
}

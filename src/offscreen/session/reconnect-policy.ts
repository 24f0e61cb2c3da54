// When to reconnect after a lost connection: backoff, which fatal server errors are worth it, a
// server's own "come back in" hint, giving up fast on a server never reached, and when to look
// for REST instead of the WebSocket.

import type { ErrorMessage } from '../../../protocol/index.ts';
import { backoffDelay } from './backoff.ts';
import { retryHintFor, type RetryHint } from './cluster-hints.ts';
import type { ResolvedOptions } from './types.ts';
import { plainServerError } from './wording.ts';

/** Fatal server errors worth reconnecting after: the server is fine, just not right now. */
const RETRYABLE_CODES = new Set(['overloaded', 'busy', 'idle_timeout', 'shutting_down', 'too_many_connections']);

export class ReconnectPolicy {
  attempt = 0;
  /** A server has taken the session once (a wrong address fails fast, a lost server does not). */
  private everLive = false;
  /** WebSocket failures in a row, for the REST decision. */
  private wsFailures = 0;
  /** A busy cluster or a draining node said when to come back (cluster-hints.ts). */
  hint: RetryHint | null = null;

  constructor(private readonly opts: Pick<ResolvedOptions, 'maxInitialAttempts' | 'restAfterFailures' | 'backoff' | 'random'>) {}

  /** A server took the session over the WebSocket. */
  connected(): void {
    this.everLive = true;
    this.attempt = 0;
    this.wsFailures = 0;
  }

  /** REST took over. */
  onRest(): void {
    this.everLive = true;
    this.attempt = 0;
  }

  /**
   * A fatal server error: null if it is not worth reconnecting; else why, in plain words, and
   * whether the session moved (its node drains). A cluster's hint is kept for the next delay.
   */
  afterFatal(msg: ErrorMessage, live: boolean): { reason: string; sessionMoved: boolean } | null {
    if (!RETRYABLE_CODES.has(msg.code)) return null;
    const hint = (this.hint = retryHintFor(msg, live));
    return { reason: hint?.reason ?? plainServerError(msg), sessionMoved: hint?.sessionMoved ?? false };
  }

  /** A socket closed without ever opening. */
  notOpened(): void {
    this.wsFailures++;
  }

  /** Counts a lost connection; true: see whether HTTP answers (REST) before trying again. */
  lost(neverOpened: boolean): boolean {
    this.attempt++;
    // The WebSocket itself fails (missing /ws, a proxy that blocks it), yet HTTP may answer.
    const tryRest = neverOpened && (!this.everLive ? this.attempt >= 2 : this.wsFailures >= this.opts.restAfterFailures);
    return tryRest || this.neverReached();
  }

  /** How long to wait before the next try; null: give up. Uses up the server's hint. */
  nextDelay(): number | null {
    const hint = this.hint;
    this.hint = null;
    // A server that says when to come back is reachable: never give up on it (a full cluster).
    if (!hint && this.neverReached()) return null;
    return hint ? hint.delayMs : backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
  }

  private neverReached(): boolean {
    return !this.everLive && this.attempt > this.opts.maxInitialAttempts;
  }
}

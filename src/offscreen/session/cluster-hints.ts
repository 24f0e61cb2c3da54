// What a cluster of servers behind a load balancer tells a stream session (docs/scaling.md):
// the node holding its session (`ready.node`, sent back as `?node=` so a reconnect reaches
// it) and how soon to come back when every node is full or this one is draining.
import type { ErrorMessage } from '../../../protocol/index.ts';

/** The server URL with `node=<id>` in its query (replacing any), or unchanged without a node. */
export function withRoutingHint(url: string, node: string | undefined): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // the caller reports the bad address
  }
  u.searchParams.delete('node');
  if (node) u.searchParams.set('node', node);
  return u.toString();
}

export interface RetryHint {
  delayMs: number;
  /** Plain words for the status line (a countdown follows it). */
  reason: string;
  /** The server session is over (its node drains): start a new one elsewhere, no resume. */
  sessionMoved: boolean;
}

const MAX_HINT_MS = 60_000;

/**
 * A fatal `busy` or `shutting_down` with `retryAfterMs`: when to reconnect and why. `live`:
 * the error came on a socket whose session was running (a draining node moving its clients),
 * not as the refusal of a new connection.
 */
export function retryHintFor(msg: Pick<ErrorMessage, 'code' | 'retryAfterMs'>, live: boolean): RetryHint | null {
  if (msg.retryAfterMs === undefined || (msg.code !== 'busy' && msg.code !== 'shutting_down')) return null;
  const delayMs = Math.min(Math.max(0, msg.retryAfterMs), MAX_HINT_MS);
  if (msg.code === 'busy') {
    return { delayMs, reason: 'Every transcription server is busy; captions start as soon as one has room', sessionMoved: false };
  }
  return { delayMs, reason: 'The transcription server is restarting; moving to another', sessionMoved: live };
}

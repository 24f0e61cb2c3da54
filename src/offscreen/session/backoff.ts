// Reconnect delays: exponential so a down server is not hammered, with jitter so many tabs
// (or many users) that lost the same server do not all come back in the same instant.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
}

// Capped at 5 s: retries go on for as long as the user captions, and a server that comes back
// should be found within seconds (the kill test measured 2.5–4.4 s of waiting with a 15 s cap).
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 5_000, factor: 2 };

/**
 * Delay before reconnect attempt `attempt` (1-based), "equal jitter": half the exponential
 * delay is fixed and half is random, so retries spread out but never become immediate.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

// Draining a node before it stops (SIGTERM): out of the balancer's rotation first (/health
// answers 503 "draining"), then each session ends its current phrase, is finalized and its
// client is told to move on; then the process stops. Pure timing logic; the server wires it.

export type DrainPhase = 'serving' | 'draining' | 'stopped';

export interface DrainOptions {
  /** How long the balancer needs to see /health fail (HAProxy: inter × fall); 0 without one. */
  noticeMs: number;
  /** Longest wait for a session's open phrase to end before it is finalized anyway. */
  phraseWaitMs: number;
  /** How soon a moved client reconnects (it lands on another node). */
  moveRetryMs: number;
}

/** DRAIN_NOTICE_MS, DRAIN_PHRASE_MS: defaults 2.5 s behind a balancer (NODE_ID set), else 0; 8 s. */
export function drainOptions(env: NodeJS.ProcessEnv, clustered: boolean): DrainOptions {
  const ms = (raw: string | undefined, fallback: number) => {
    const v = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(v) || v < 0 || v > 600_000) throw new Error(`drain setting "${raw}" must be 0-600000 ms`);
    return v;
  };
  return {
    noticeMs: ms(env.DRAIN_NOTICE_MS, clustered ? 2500 : 0),
    phraseWaitMs: ms(env.DRAIN_PHRASE_MS, 8000),
    moveRetryMs: 0,
  };
}

export class Drain {
  phase: DrainPhase = 'serving';

  get draining(): boolean {
    return this.phase !== 'serving';
  }

  /** /health: 200 "ok" while serving; 503 "draining" (HAProxy's check fails: no new sessions). */
  health(): { status: 'ok' | 'draining'; httpStatus: 200 | 503 } {
    return this.draining ? { status: 'draining', httpStatus: 503 } : { status: 'ok', httpStatus: 200 };
  }

  /**
   * Runs the drain once: marks draining, waits `noticeMs` for the balancer, moves every
   * session (each ends its phrase first, in parallel), then `stop`. A second call waits for the first.
   */
  run(opts: DrainOptions, moveSessions: () => Promise<unknown>, stop: () => Promise<void>, sleep = defaultSleep): Promise<void> {
    this.running ??= (async () => {
      this.phase = 'draining';
      if (opts.noticeMs > 0) await sleep(opts.noticeMs);
      await moveSessions();
      await stop();
      this.phase = 'stopped';
    })();
    return this.running;
  }

  private running: Promise<void> | null = null;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `event` (no polling) for at most `timeoutMs`; true when it came in time. */
export function within(event: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  return Promise.race([event.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The retry hint on `busy`: a few seconds, spread so that the clients a full cluster turned
 * away do not all come back in the same instant.
 */
export function busyRetryAfterMs(random: () => number = Math.random, baseMs = 3000): number {
  return Math.round(baseMs * (0.75 + random() * 0.5));
}

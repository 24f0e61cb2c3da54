// Runs whisper passes for many sessions on a bounded pool of workers (decoding states over one
// model). No global line: each session holds at most one waiting pass, a newer pass from the
// same session replaces its waiting one (whose result would be stale), and a free worker takes
// the pass of the session that has waited longest.

export class SupersededError extends Error {
  readonly code = 'superseded';
  constructor() {
    super('a newer pass for this session replaced this one before it ran');
  }
}

export interface PassContext<W> {
  worker: W;
  /** Passes running now, this one included: lets a pass pick its thread count. */
  running: number;
}

interface Waiting<W, R> {
  session: object;
  /** When the session's oldest still-unserved request arrived (kept across replacements). */
  since: number;
  run: (ctx: PassContext<W>) => Promise<R>;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export interface SchedulerStats {
  workers: number;
  busy: number;
  waiting: number;
  passes: number;
  superseded: number;
}

export class PassScheduler<W> {
  private readonly idle: W[];
  private readonly waiting = new Map<object, Waiting<W, unknown>>();
  private readonly runningBySession = new Map<object, number>();
  private busy = 0;
  private passes = 0;
  private superseded = 0;
  private closed = false;
  private drained: (() => void) | null = null;

  constructor(
    workers: W[],
    private readonly now: () => number = () => performance.now(),
  ) {
    if (workers.length === 0) throw new Error('a scheduler needs at least one worker');
    this.idle = [...workers];
  }

  get size(): number {
    return this.idle.length + this.busy;
  }

  /**
   * Queues a pass for `session`. If that session already has a pass waiting, the waiting one
   * is rejected with SupersededError and this one takes its place in line (its wait counts
   * from the first request). A session's passes never run two at a time.
   */
  submit<R>(session: object, run: (ctx: PassContext<W>) => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new Error('whisper engine is closed'));
    return new Promise<R>((resolve, reject) => {
      const old = this.waiting.get(session);
      if (old) {
        this.superseded++;
        old.reject(new SupersededError());
      }
      this.waiting.set(session, {
        session,
        since: old?.since ?? this.now(),
        run: run as Waiting<W, unknown>['run'],
        resolve: resolve as (r: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  /** Drops a session's waiting pass (e.g. its recognizer closed). */
  cancel(session: object): void {
    const w = this.waiting.get(session);
    if (!w) return;
    this.waiting.delete(session);
    w.reject(new SupersededError());
  }

  stats(): SchedulerStats {
    return { workers: this.size, busy: this.busy, waiting: this.waiting.size, passes: this.passes, superseded: this.superseded };
  }

  /** Refuses new passes, fails waiting ones, and resolves once running ones have ended. */
  async close(): Promise<W[]> {
    this.closed = true;
    for (const w of this.waiting.values()) w.reject(new Error('whisper engine is closed'));
    this.waiting.clear();
    if (this.busy > 0) await new Promise<void>((r) => (this.drained = r));
    return this.idle;
  }

  private dispatch(): void {
    while (this.idle.length > 0) {
      const next = this.longestWaiting();
      if (!next) return;
      this.waiting.delete(next.session);
      this.start(next, this.idle.pop()!);
    }
  }

  /** The waiting pass whose session has waited longest, skipping sessions with one running. */
  private longestWaiting(): Waiting<W, unknown> | null {
    let best: Waiting<W, unknown> | null = null;
    for (const w of this.waiting.values()) {
      if (this.runningBySession.has(w.session)) continue;
      if (!best || w.since < best.since) best = w;
    }
    return best;
  }

  private start(job: Waiting<W, unknown>, worker: W): void {
    this.busy++;
    this.passes++;
    this.runningBySession.set(job.session, 1);
    const done = () => {
      this.busy--;
      this.runningBySession.delete(job.session);
      this.idle.push(worker);
      if (this.closed && this.busy === 0) this.drained?.();
      else this.dispatch();
    };
    let p: Promise<unknown>;
    try {
      p = job.run({ worker, running: this.busy });
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (r) => {
        done();
        job.resolve(r);
      },
      (e) => {
        done();
        job.reject(e);
      },
    );
  }
}

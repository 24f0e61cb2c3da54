// The whisper pass scheduler with scripted pass costs (timers, no native code): fairness
// (longest-waiting session first), never a stale pass, real overlap, no global line.
import { describe, expect, it } from 'vitest';
import { PassScheduler, SupersededError } from '../../../../server/engines/whisper-scheduler.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ran {
  session: string;
  tag: string;
  worker: string;
  start: number;
  end: number;
}

/** A scheduler over named workers whose passes just take `ms`, logging when they ran. */
function scripted(workers: string[]) {
  const ran: Ran[] = [];
  const t0 = performance.now();
  const sched = new PassScheduler(workers);
  const sessions = new Map<string, object>();
  const key = (s: string) => sessions.get(s) ?? (sessions.set(s, {}), sessions.get(s)!);
  const pass = (session: string, tag: string, ms: number) =>
    sched.submit(key(session), async ({ worker }) => {
      const start = performance.now() - t0;
      await sleep(ms);
      ran.push({ session, tag, worker, start, end: performance.now() - t0 });
      return tag;
    });
  return { sched, ran, pass };
}

describe('pass scheduler', () => {
  it('runs passes of different sessions at the same time on different workers', async () => {
    const { ran, pass } = scripted(['w1', 'w2']);
    await Promise.all([pass('a', 'a1', 80), pass('b', 'b1', 80)]);
    const [x, y] = ran;
    expect(new Set(ran.map((r) => r.worker))).toEqual(new Set(['w1', 'w2']));
    // The intervals overlap: each started before the other ended.
    expect(x.start).toBeLessThan(y.end);
    expect(y.start).toBeLessThan(x.end);
  });

  it('never runs two passes of one session at once', async () => {
    const { ran, pass } = scripted(['w1', 'w2', 'w3']);
    const first = pass('a', 'a1', 50);
    await sleep(5);
    const second = pass('a', 'a2', 50); // waits for a1 although workers are free
    await Promise.all([first, second]);
    expect(ran.map((r) => r.tag)).toEqual(['a1', 'a2']);
    expect(ran[1].start).toBeGreaterThanOrEqual(ran[0].end - 1);
  });

  it('replaces a waiting pass with the newer one from the same session (never stale)', async () => {
    const { sched, ran, pass } = scripted(['w1']);
    const busy = pass('x', 'x1', 60);
    const a1 = pass('a', 'a1', 10);
    const a2 = pass('a', 'a2', 10);
    const a3 = pass('a', 'a3', 10);
    await expect(a1).rejects.toBeInstanceOf(SupersededError);
    await expect(a2).rejects.toBeInstanceOf(SupersededError);
    await expect(a3).resolves.toBe('a3');
    await busy;
    expect(ran.map((r) => r.tag)).toEqual(['x1', 'a3']);
    expect(sched.stats()).toMatchObject({ passes: 2, superseded: 2, waiting: 0, busy: 0 });
  });

  it('gives a free worker to the session that has waited longest, counting from its first request', async () => {
    let clock = 0;
    const order: string[] = [];
    const sched = new PassScheduler(['w1'], () => clock);
    const s = { a: {}, b: {}, c: {}, x: {} };
    let release!: () => void;
    const busy = sched.submit(s.x, () => new Promise<void>((r) => (release = r)));
    const run = (name: string) => async () => void order.push(name);
    clock = 1;
    sched.submit(s.a, run('a-old')).catch(() => undefined);
    clock = 2;
    const b = sched.submit(s.b, run('b'));
    clock = 3;
    const c = sched.submit(s.c, run('c'));
    clock = 4;
    const a = sched.submit(s.a, run('a-new')); // replaces a-old but keeps a's place (waiting since 1)
    release();
    await Promise.all([busy, a, b, c]);
    expect(order).toEqual(['a-new', 'b', 'c']);
  });

  it('is fair under load: 6 sessions streaming on 2 workers each get their turn, with bounded waits', async () => {
    const { ran, pass } = scripted(['w1', 'w2']);
    const waits: Record<string, number[]> = {};
    const session = async (name: string, cost: number) => {
      waits[name] = [];
      for (let i = 0; i < 6; i++) {
        const asked = performance.now();
        await pass(name, `${name}${i}`, cost);
        waits[name].push(performance.now() - asked - cost);
      }
    };
    // Different scripted costs: long passes must not starve the others.
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => session(n, 10 + 8 * (i % 3))));
    const counts = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, ran.filter((r) => r.session === n).length]));
    expect(Object.values(counts)).toEqual([6, 6, 6, 6, 6, 6]);
    // Round-robin-like service: in every window of 6 consecutive starts no session appears 3 times.
    const starts = [...ran].sort((x, y) => x.start - y.start).map((r) => r.session);
    for (let i = 0; i + 6 <= starts.length; i++) {
      const win = starts.slice(i, i + 6);
      for (const n of new Set(win)) expect(win.filter((x) => x === n).length).toBeLessThanOrEqual(2);
    }
    // No pass waited for more than the other five sessions' passes (3 rounds of 2 workers × 26 ms) plus slack.
    const worst = Math.max(...Object.values(waits).flat());
    expect(worst).toBeLessThan(3 * 26 + 150);
    // At most two passes ran at any moment.
    for (const r of ran) {
      const t = r.start + 0.5; // running at this instant
      expect(ran.filter((o) => o.start <= t && t < o.end - 0.5).length).toBeLessThanOrEqual(2);
    }
  });

  it('close() fails waiting passes, lets running ones end, and refuses new ones', async () => {
    const { sched, pass } = scripted(['w1']);
    const running = pass('a', 'a1', 40);
    const waiting = pass('b', 'b1', 10);
    const closed = sched.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(running).resolves.toBe('a1');
    expect(await closed).toEqual(['w1']);
    await expect(pass('c', 'c1', 1)).rejects.toThrow(/closed/);
  });
});

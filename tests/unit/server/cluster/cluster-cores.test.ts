// The server's pure cores of the multi-node setup (issue 17): node identity, the drain sequence,
// the busy retry hint. The client's hints and the HAProxy renderer are tested beside their own trees.
import { describe, expect, it, vi } from 'vitest';
import { Drain, busyRetryAfterMs, drainOptions, within } from '../../../../server/cluster/drain.ts';
import { nodeIdFrom, routingHint } from '../../../../server/cluster/node-identity.ts';

describe('node identity', () => {
  it('reads NODE_ID, refuses ids that cannot be an HAProxy server name or URL value', () => {
    expect(nodeIdFrom({})).toBeUndefined();
    expect(nodeIdFrom({ NODE_ID: ' node-1 ' })).toBe('node-1');
    expect(nodeIdFrom({ NODE_ID: 'captions-7d9f.pod_2' })).toBe('captions-7d9f.pod_2');
    expect(() => nodeIdFrom({ NODE_ID: 'a b' })).toThrow(/NODE_ID/);
    expect(() => nodeIdFrom({ NODE_ID: 'x&node=y' })).toThrow(/NODE_ID/);
    expect(routingHint('n1')).toEqual({ node: 'n1' });
    expect(routingHint(undefined)).toEqual({});
  });
});

describe('drain', () => {
  it('goes out of rotation before moving sessions, moves them, then stops, once', async () => {
    const drain = new Drain();
    const steps: string[] = [];
    expect(drain.health()).toEqual({ status: 'ok', httpStatus: 200 });
    const sleep = async (ms: number) => {
      steps.push(`sleep ${ms} (${drain.health().httpStatus})`);
    };
    const opts = { noticeMs: 2500, phraseWaitMs: 8000, moveRetryMs: 0 };
    const run = drain.run(opts, async () => steps.push('move'), async () => void steps.push('stop'), sleep);
    expect(drain.draining).toBe(true);
    expect(drain.health()).toEqual({ status: 'draining', httpStatus: 503 });
    await Promise.all([run, drain.run(opts, async () => steps.push('move again'), async () => {}, sleep)]);
    expect(steps).toEqual(['sleep 2500 (503)', 'move', 'stop']);
    expect(drain.phase).toBe('stopped');
  });

  it('waits for the balancer only behind one, and takes the env overrides', () => {
    expect(drainOptions({}, false).noticeMs).toBe(0);
    expect(drainOptions({}, true).noticeMs).toBe(2500);
    expect(drainOptions({ DRAIN_NOTICE_MS: '100', DRAIN_PHRASE_MS: '300' }, true)).toMatchObject({ noticeMs: 100, phraseWaitMs: 300 });
    expect(() => drainOptions({ DRAIN_PHRASE_MS: 'soon' }, true)).toThrow();
  });

  it('within: true as soon as the phrase ends, false at the timeout, no timer left behind', async () => {
    vi.useFakeTimers();
    try {
      let end!: () => void;
      const waiting = within(new Promise<void>((r) => (end = r)), 1000);
      await vi.advanceTimersByTimeAsync(300);
      end();
      expect(await waiting).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      const never = within(new Promise(() => {}), 200);
      await vi.advanceTimersByTimeAsync(199);
      let settled = false;
      void never.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await never).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('busy retry hint: about 3 s, spread ±25 %', () => {
    expect(busyRetryAfterMs(() => 0)).toBe(2250);
    expect(busyRetryAfterMs(() => 0.5)).toBe(3000);
    expect(busyRetryAfterMs(() => 0.999)).toBeLessThanOrEqual(3750);
  });
});


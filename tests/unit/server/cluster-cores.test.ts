// The pure cores of the multi-node setup (issue 17): node identity, the drain sequence, the
// busy retry hint, the client's routing hint and retry decisions, the HAProxy config renderer.
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Drain, busyRetryAfterMs, drainOptions, within } from '../../../server/cluster/drain.ts';
import { nodeIdFrom, routingHint } from '../../../server/cluster/node-identity.ts';
import { retryHintFor, withRoutingHint } from '../../../src/offscreen/cluster-hints.ts';
import { exampleConfig, kubernetesConfig, renderHaproxyConfig } from '../../../scripts/cluster/haproxy-config.ts';
import { parseServerMessage } from '../../../protocol/index.ts';

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

describe('client: routing hint and retry hints', () => {
  it('puts ?node= in the reconnect URL, replacing an old one, keeping other parameters', () => {
    expect(withRoutingHint('ws://lb:7860/ws', 'node2')).toBe('ws://lb:7860/ws?node=node2');
    expect(withRoutingHint('wss://lb/ws?node=node1&x=1', 'node3')).toBe('wss://lb/ws?x=1&node=node3');
    expect(withRoutingHint('ws://lb:7860/ws?node=node1', undefined)).toBe('ws://lb:7860/ws');
    expect(withRoutingHint('not a url', 'n')).toBe('not a url');
  });

  it('busy with a hint waits that long; a draining node moves a live session; no hint: backoff as before', () => {
    expect(retryHintFor({ code: 'busy', retryAfterMs: 3000 }, false)).toMatchObject({ delayMs: 3000, sessionMoved: false });
    expect(retryHintFor({ code: 'shutting_down', retryAfterMs: 0 }, true)).toMatchObject({ delayMs: 0, sessionMoved: true });
    expect(retryHintFor({ code: 'shutting_down', retryAfterMs: 500 }, false)).toMatchObject({ delayMs: 500, sessionMoved: false });
    expect(retryHintFor({ code: 'busy', retryAfterMs: 10_000_000 }, false)!.delayMs).toBe(60_000);
    expect(retryHintFor({ code: 'busy' }, false)).toBeNull();
    expect(retryHintFor({ code: 'idle_timeout', retryAfterMs: 5 }, true)).toBeNull();
  });

  it('the protocol parser keeps ready.node and error.retryAfterMs', () => {
    const ready = parseServerMessage(JSON.stringify({ type: 'ready', sessionId: 's', node: 'node2' }));
    expect(ready.ok && ready.value).toMatchObject({ node: 'node2' });
    const busy = parseServerMessage(JSON.stringify({ type: 'error', code: 'busy', message: 'm', fatal: true, retryAfterMs: 2500 }));
    expect(busy.ok && busy.value).toMatchObject({ retryAfterMs: 2500 });
    const bad = parseServerMessage(JSON.stringify({ type: 'error', code: 'busy', message: 'm', fatal: true, retryAfterMs: -1 }));
    expect(bad.ok && 'retryAfterMs' in bad.value).toBe(false);
  });
});

describe('HAProxy configuration', () => {
  it('routes ?node= to its server, balances leastconn, checks /health, caps per node', () => {
    const cfg = renderHaproxyConfig({
      nodes: [
        { id: 'a', host: '10.0.0.1', port: 7860 },
        { id: 'b', host: '10.0.0.2', port: 7860 },
      ],
      bind: { host: '0.0.0.0', port: 443 },
      stats: { host: '127.0.0.1', port: 8404 },
      maxSessionsPerNode: 5,
      tlsPem: '/etc/haproxy/c.pem',
    });
    expect(cfg).toContain('bind 0.0.0.0:443 ssl crt /etc/haproxy/c.pem alpn http/1.1');
    expect(cfg).toContain('use-server a if { urlp(node) -m str a }');
    expect(cfg).toContain('server b 10.0.0.2:7860');
    expect(cfg).toMatch(/balance leastconn/);
    expect(cfg).toMatch(/option httpchk GET \/health/);
    expect(cfg).toMatch(/timeout tunnel 1h/);
    expect(cfg).toMatch(/option forwardfor/);
    expect(cfg).toMatch(/maxconn 10\b/);
  });

  it('deploy/k8s/haproxy.yaml embeds the renderer\'s Kubernetes config (pods re-resolved by DNS)', () => {
    const yaml = fs.readFileSync(new URL('../../../deploy/k8s/haproxy.yaml', import.meta.url), 'utf8');
    const block = yaml.split('  haproxy.cfg: |\n')[1]!.split('\n---\n')[0]!;
    const embedded = block.split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
    expect(embedded.trimEnd()).toBe(kubernetesConfig().trimEnd());
    expect(embedded).toContain('use-server captions-1 if { urlp(node) -m str captions-1 }');
    expect(embedded).toContain('resolvers dns init-addr last,libc,none');
  });

  it('deploy/haproxy.cfg is the renderer\'s 3-node example', () => {
    expect(fs.readFileSync(new URL('../../../deploy/haproxy.cfg', import.meta.url), 'utf8')).toBe(exampleConfig());
  });
});

// The client's side of the multi-node setup (issue 17): the ?node= routing hint in the reconnect
// URL, retry decisions from busy/shutting_down hints, and the parser keeping both hints.
import { describe, expect, it } from 'vitest';
import { retryHintFor, withRoutingHint } from '../../../../../src/offscreen/session/cluster-hints.ts';
import { parseServerMessage } from '../../../../../protocol/index.ts';

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

// Many servers behind a real HAProxy (issue 17): 3 real sphinx nodes on loopback, the
// extension's real StreamSession in Node streaming real speech through HAProxy. Sessions
// spread; a reset resumes on the same node; a SIGKILLed node and a rolling restart lose no
// word (judged against the fault-free transcript of the same audio); a full cluster answers
// busy with a retry hint and the session starts once a place frees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster.ts';
import { lossAgainstBaseline } from '../helpers/align.ts';
import { streamThrough, type StreamRun } from '../helpers/cluster-client.ts';
import { recording } from '../helpers/fixtures.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

// About 66 s: long enough for a rolling restart of three nodes at real time.
const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920', 'en-LJ001-0001', 'en-LJ001-0003', 'en-LJ001-0005', 'en-LJ001-0007'];
/** Audio seconds per second for the tests that need no real time (the server keeps up or queues). */
const FAST = 3;
const MAX_SESSIONS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a cluster of 3 sphinx nodes behind HAProxy', () => {
  let cluster: Cluster;
  let pcm: Int16Array;
  let reference: string;
  let baseline: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, maxSessionsPerNode: MAX_SESSIONS, nodeArgs: ['--engine', 'sphinx'] });
    ({ pcm, reference } = recording(CLIPS));
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const nodeOf = (r: StreamRun, i = 0) => r.wire.readies[i]?.node;

  /** Waits until HAProxy holds `n` connections to nodes in all. */
  async function connections(n: number): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const state = await cluster.backendState();
      if ([...state.values()].reduce((sum, s) => sum + s.current, 0) >= n) return;
      await sleep(50);
    }
    throw new Error(`HAProxy never held ${n} connections`);
  }

  function judge(name: string, run: StreamRun, extra: Record<string, unknown> = {}) {
    const loss = lossAgainstBaseline(reference, run.transcript, baseline);
    console.log(`[cluster] ${name}:`, JSON.stringify({ ...extra, nodes: run.wire.readies.map((r) => `${r.node}${r.resumed ? ' (resumed)' : ''}`), ...loss, transcript: run.transcript }));
    return loss;
  }

  it('new sessions spread over the nodes (leastconn), each told its node in ready', async () => {
    // One after another (each ready before the next starts), as users arrive.
    const runs: Promise<StreamRun>[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(streamThrough({ url: cluster.wsUrl, pcm, speed: FAST }));
      await connections(i + 1);
    }
    const done = await Promise.all(runs);
    const nodes = done.map((r) => nodeOf(r));
    console.log('[cluster] spread:', nodes);
    expect(new Set(nodes)).toEqual(new Set(['node1', 'node2', 'node3']));
    baseline = done[0]!.transcript;
    for (const r of done) expect(r.transcript.split(' ').length).toBeGreaterThan(30);
  });

  it('a connection reset mid-speech resumes on the same node: same session id, no gap', async () => {
    const proxy = await startTcpProxy(Number(new URL(cluster.httpUrl).port));
    // An idle connection beside the session on its node: after the reset that node is the
    // busiest, so only the routing hint (not leastconn) can bring the reconnect back to it.
    let holder: WebSocket | null = null;
    const addHolder = () => {
      void cluster.backendState().then((state) => {
        const node = [...state].find(([, v]) => v.current > 0)![0];
        holder = new WebSocket(`${cluster.wsUrl}?node=${node}`).on('error', () => {});
      });
    };
    try {
      const run = await streamThrough({
        url: `ws://127.0.0.1:${proxy.port}/ws`,
        pcm,
        speed: FAST,
        fault: { atSeconds: 3, run: addHolder },
        faults: [{ atSeconds: 9, run: () => proxy.dropAll() }],
      });
      const loss = judge('reset', run);
      const [first, second] = run.wire.readies;
      expect(run.wire.readies).toHaveLength(2);
      expect(second!.resumed).toBe(true);
      expect(second!.sessionId).toBe(first!.sessionId);
      expect(second!.node).toBe(first!.node);
      // The reconnect asked HAProxy for the session's node.
      expect(new URL(run.wire.urls[1]!).searchParams.get('node')).toBe(first!.node);
      expect(loss.wordsLost).toBe(0);
      expect(loss.repeatedTrigrams).toEqual([]);
    } finally {
      (holder as WebSocket | null)?.close(1000);
      await proxy.close();
    }
  });

  it('one node SIGKILLed mid-speech: every session moves on and finishes with 0 words lost, no repeats', async () => {
    let killedAt = 0;
    let victim = '';
    const kill = async () => {
      // The node that serves the first session (all three have one).
      const state = await cluster.backendState();
      victim = [...state].find(([, s]) => s.current > 0)![0];
      killedAt = Date.now();
      await cluster.nodes.find((n) => n.id === victim)!.stop('SIGKILL');
    };
    const runs: Promise<StreamRun>[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(streamThrough({ url: cluster.wsUrl, pcm, speed: FAST, ...(i === 0 ? { fault: { atSeconds: 7, run: () => void kill() } } : {}) }));
      await connections(i + 1);
    }
    const done = await Promise.all(runs);
    let moved = 0;
    for (const [i, r] of done.entries()) {
      const hit = r.wire.readies.length > 1;
      const recovery = hit ? (r.readyAt[1]! - killedAt) / 1000 : null;
      const loss = judge(`kill ${victim}, session ${i}`, r, { recoverySeconds: recovery });
      if (hit) {
        moved++;
        expect(r.wire.readies[1]!.resumed).toBe(false); // its session died with the node
        expect(r.wire.readies[1]!.node).not.toBe(victim);
        console.log(`[cluster] failover recovery: ${recovery} s from SIGKILL to a new session on ${r.wire.readies[1]!.node}`);
      }
      expect(loss.wordsLost).toBe(0);
      expect(loss.repeatedTrigrams).toEqual([]);
    }
    expect(moved).toBeGreaterThanOrEqual(1);
    // Back to three for the next tests.
    await cluster.nodes.find((n) => n.id === victim)!.start();
    await cluster.waitFor('UP');
  });

  it('rolling restart of all three nodes under 6 streaming sessions: 0 words lost, 0 sessions refused', async () => {
    let restarted!: () => void;
    const restartsDone = new Promise<void>((r) => (restarted = r));
    const restartLog: string[] = [];
    const drainHealth: number[] = [];
    const runs: Promise<StreamRun>[] = [];
    let audioEndedAt = 0;
    for (let i = 0; i < 6; i++) {
      // Each stays connected until every node has been restarted.
      runs.push(streamThrough({ url: cluster.wsUrl, pcm, speed: 1, until: () => ((audioEndedAt ||= Date.now()), restartsDone) }));
      await connections(i + 1);
    }
    await sleep(4000);
    const t0 = Date.now();
    for (const node of cluster.nodes) {
      const t = Date.now();
      const exit = node.stop('SIGTERM'); // drain: out of rotation, phrases end, clients move
      // While it drains, the node tells HAProxy's health check it is not ready.
      let health = 0;
      for (let i = 0; i < 40 && health !== 503; i++) {
        await sleep(50);
        health = (await fetch(`http://127.0.0.1:${node.port}/health`).catch(() => null))?.status ?? health;
      }
      drainHealth.push(health);
      const code = await exit;
      const drained = (Date.now() - t) / 1000;
      await node.start();
      await cluster.waitFor('UP', [node.id]);
      restartLog.push(`${node.id}: drained in ${drained} s (exit ${code}), back up after ${(Date.now() - t) / 1000} s`);
      expect(code).toBe(0);
    }
    const restartsEnded = Date.now();
    restarted();
    const done = await Promise.all(runs);
    console.log(`[cluster] rolling restart in ${(restartsEnded - t0) / 1000} s (${audioEndedAt && audioEndedAt < restartsEnded ? `the audio ended ${(restartsEnded - audioEndedAt) / 1000} s before the last node was back` : 'all of it while the sessions streamed'}):\n  ${restartLog.join('\n  ')}`);
    const losses = done.map((r, i) => {
      const loss = lossAgainstBaseline(reference, r.transcript, baseline);
      console.log(`[cluster] rolling, session ${i}:`, JSON.stringify({ nodes: r.wire.readies.map((x) => x.node), ...loss, transcript: r.transcript }));
      return loss;
    });
    if (process.env.CLUSTER_DEBUG) for (const n of cluster.nodes) console.log(`[${n.id}]`, n.logs);
    for (const [i, r] of done.entries()) {
      const loss = losses[i]!;
      expect(r.wire.errors.filter((e) => e.code === 'busy')).toEqual([]);
      expect(r.events.some((e) => e.type === 'state' && e.state === 'error')).toBe(false);
      expect(loss.wordsLost).toBe(0);
      expect(loss.repeatedTrigrams).toEqual([]);
    }
    expect(drainHealth).toEqual([503, 503, 503]);
    // Each move came from the drain (a retry hint: reconnect at once) and reached another node
    // straight away, without bouncing off the draining one (HAProxy had taken it out).
    for (const r of done) {
      const moves = r.wire.errors.filter((e) => e.code === 'shutting_down');
      expect(moves).toHaveLength(r.wire.readies.length - 1);
      for (const [k, m] of moves.entries()) {
        expect(m.retryAfterMs).toBe(0);
        expect(r.readyAt[k + 1]! - m.at).toBeLessThan(5000);
      }
    }
    // Every session was moved at least once (each node drained with sessions on it).
    expect(done.filter((r) => r.wire.readies.length > 1).length).toBeGreaterThanOrEqual(4);
  });

  it('every node full: busy with a retry hint, a countdown, then the session starts once a place frees', async () => {
    // Idle connections hold every place (a connection is a session from the moment it opens).
    const holders: WebSocket[] = [];
    for (let i = 0; i < 3 * MAX_SESSIONS; i++) {
      const ws = new WebSocket(cluster.wsUrl);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      holders.push(ws);
      await connections(i + 1);
    }
    const state = await cluster.backendState();
    expect([...state.values()].map((s) => s.current)).toEqual([MAX_SESSIONS, MAX_SESSIONS, MAX_SESSIONS]);
    let freedAt = 0;
    const free = setTimeout(() => {
      freedAt = Date.now();
      holders.shift()!.close(1000);
    }, 7000);
    try {
      const run = await streamThrough({ url: cluster.wsUrl, pcm, speed: FAST });
      const busy = run.wire.errors.filter((e) => e.code === 'busy');
      const countdowns = run.events.filter((e) => e.type === 'state' && e.state === 'reconnecting');
      const loss = judge('full cluster', run, {
        busy: busy.length,
        waitedSeconds: (run.readyAt[0]! - (busy[0]?.at ?? 0)) / 1000,
        startedAfterFreeSeconds: (run.readyAt[0]! - freedAt) / 1000,
      });
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const b of busy) expect(b.retryAfterMs).toBeGreaterThanOrEqual(2000);
      expect(countdowns[0]).toMatchObject({ reason: expect.stringMatching(/busy/), retryInMs: busy[0]!.retryAfterMs });
      // It never gave up, and started after the place freed (within one retry hint).
      expect(run.events.some((e) => e.type === 'state' && e.state === 'error')).toBe(false);
      expect(run.readyAt[0]!).toBeGreaterThan(freedAt);
      expect(run.readyAt[0]! - freedAt).toBeLessThan(5000);
      // The audio of the wait was buffered and transcribed: nothing lost.
      expect(loss.wordsLost).toBe(0);
      expect(loss.repeatedTrigrams).toEqual([]);
    } finally {
      clearTimeout(free);
      for (const ws of holders) ws.close(1000);
    }
  });
});

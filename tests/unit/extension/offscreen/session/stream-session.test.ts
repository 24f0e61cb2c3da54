// The StreamSession core (src/offscreen/session/stream-session.ts) against a mock WebSocket
// server, a fake fetch and fake timers: the state machine (non-fatal and fatal errors, stop),
// backoff and reconnects, the AudioLog (nothing lost through an outage, the oldest dropped past
// the buffer, how far behind), every close code, the choice of link (back from REST to the
// WebSocket), and the reconnect policy on its own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamSessionOptions } from '../../../../../src/offscreen/session/index.ts';
import { ReconnectPolicy } from '../../../../../src/offscreen/session/reconnect-policy.ts';
import { fakeFetch } from '../../../helpers/fake-rest.ts';
import { FakeServer } from '../../../helpers/fake-ws-server.ts';
import { frame, LOUD, makeSession as makeHarness, READY, RESUMABLE, SMALL_CHUNKS, tick, withFakeServer, startOnRest as startOnRestAt } from '../../../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7993/ws';
const HTTP_ = 'http://127.0.0.1:7993';
/** fetch for a host where nothing listens at all. */
const unreachableFetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch;

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, over);

const srv = withFakeServer(URL_);

describe('the state machine', () => {
  it('reports non-fatal errors and stays live; ignores junk', async () => {
    const { session, events, states } = makeSession();
    session.start();
    await tick();
    srv().send(READY);
    srv().send({ type: 'error', code: 'engine_error', message: 'decoder hiccup', fatal: false, success: false });
    srv().last.socket.send('not json');
    srv().send({ type: 'mystery' });
    await tick();
    expect(events).toContainEqual({ type: 'server-error', code: 'engine_error', message: 'decoder hiccup' });
    expect(states()).toEqual(['connecting', 'live']);
    expect(session.state).toBe('live');
  });

  it('fails without reconnecting on a fatal, non-retryable error', async () => {
    const { session, events } = makeSession();
    session.start();
    await tick();
    srv().send({ type: 'error', code: 'unknown_engine', message: 'no engine "whisper"', fatal: true, success: false });
    await tick(60_000);
    expect(session.state).toBe('error');
    expect(srv().connections).toHaveLength(1);
    const last = events.filter((e) => e.type === 'state').pop();
    expect(last).toMatchObject({ state: 'error', reason: expect.stringContaining('engine') });
  });

  it('stop gives up waiting for done after the stop timeout', async () => {
    const { session, states } = makeSession({ stopTimeoutMs: 3000 });
    session.start();
    await tick();
    srv().send(READY);
    await tick();
    const stopped = session.stop();
    await tick(2900);
    expect(session.state).toBe('stopping');
    await tick(200);
    await stopped;
    expect(states().slice(-1)).toEqual(['stopped']);
  });

  it('stop in a chunk mode with nothing left to answer ends at once', async () => {
    const { session, states } = makeSession({ chunker: SMALL_CHUNKS });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'initialized', success: true }));
    };
    session.start();
    await tick();
    expect(session.mode).toBe('original');
    let stopped = false;
    void session.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(true); // the link drained at once: stop() must not wait for ever
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
  });
});

describe('reconnects, losing nothing', () => {
  it('buffers audio through an outage and resends it, in order, after the new ready', async () => {
    const { session, events, states, captions } = makeSession();
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    session.sendAudio(frame(1));
    await tick();
    srv().last.socket.close({ code: 1001, reason: 'restart', wasClean: true });
    await tick(10);
    expect(session.state).toBe('reconnecting');
    const reconnecting = events.find((e) => e.type === 'state' && e.state === 'reconnecting');
    // attempt 1: base 500 ms, equal jitter with random 0.5 → 375 ms
    expect(reconnecting).toMatchObject({ attempt: 1, retryInMs: 375, reason: expect.stringContaining('restarting') });
    session.sendAudio(frame(2));
    session.sendAudio(frame(3));
    await tick(420);
    expect(srv().connections).toHaveLength(2);
    expect(srv().connections[1].texts[0]).toMatchObject({ type: 'init', protocol: 2 });
    // No resume token, so a fresh session: it gets everything no final confirmed, frame 1 too.
    expect(srv().connections[1].frames.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(states()).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    // Segment numbers restart on the new connection; caption ids stay unique.
    srv().send({ type: 'final', segmentId: 0, text: 'again', start: 0, end: 1, language: 'en' });
    await tick();
    expect(captions()[0].id).toBe('2:0');
  });

  it('backs off exponentially and fails fast when the server was never reached', async () => {
    srv().stop();
    const { session, events } = makeSession({ maxInitialAttempts: 3, fetchImpl: unreachableFetch });
    session.start();
    await tick(60_000);
    const retries = events.filter((e) => e.type === 'state' && e.state === 'reconnecting') as { attempt: number; retryInMs: number }[];
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(retries.map((r) => r.retryInMs)).toEqual([375, 750, 1500]);
    expect(session.state).toBe('error');
    expect(events.at(-1)).toMatchObject({ state: 'error', reason: expect.stringContaining("Can't reach the transcription server") });
  });

  it('keeps retrying a server that was live, with no attempt cap and delays capped by maxMs', async () => {
    const { session, events } = makeSession({ backoff: { baseMs: 1000, maxMs: 4000, factor: 2 }, fetchImpl: unreachableFetch });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    srv().stop();
    await tick(120_000);
    const delays = (events.filter((e) => e.type === 'state' && e.state === 'reconnecting') as { retryInMs: number }[]).map((r) => r.retryInMs);
    expect(delays.slice(0, 6)).toEqual([750, 1500, 3000, 3000, 3000, 3000]);
    expect(delays.length).toBeGreaterThan(30); // two minutes of retries, and still going
    expect(session.state).toBe('reconnecting');
  });

  it('reconnects after a retryable fatal error (busy)', async () => {
    const { session, states } = makeSession();
    session.start();
    await tick();
    srv().send({ type: 'error', code: 'busy', message: 'too many sessions', fatal: true, success: false });
    await tick(1);
    expect(states()).toEqual(['connecting', 'reconnecting']);
    await tick(400);
    expect(srv().connections).toHaveLength(2);
  });

  it('drops the oldest audio when the outage outlasts the buffer, and says so', async () => {
    srv().stop();
    const { session, events } = makeSession({ maxBufferSeconds: 0.3 });
    session.start();
    for (let i = 0; i < 5; i++) session.sendAudio(frame(i));
    expect(session.bufferedSeconds).toBeCloseTo(0.3);
    const dropped = events.filter((e) => e.type === 'dropped');
    expect(dropped.at(-1)).toEqual({ type: 'dropped', seconds: 0.1, totalSeconds: 0.2 });
    expect(session.droppedSeconds).toBeCloseTo(0.2);
  });

  it('stop while reconnecting ends at once', async () => {
    srv().stop();
    const { session, states } = makeSession({ fetchImpl: unreachableFetch });
    session.start();
    await tick(10);
    await session.stop();
    await tick(60_000);
    expect(states()).toEqual(['connecting', 'reconnecting', 'stopped']);
  });

  it('reports how far behind live it is and how much an overlong outage dropped', async () => {
    const { session, lastStatus } = makeSession({ maxBufferSeconds: 1 });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
    };
    session.start();
    await tick();
    srv().last.socket.close({ code: 1006, reason: '', wasClean: false });
    srv().stop();
    for (let i = 0; i < 15; i++) session.sendAudio(frame(i));
    await tick(1000);
    expect(lastStatus()).toEqual({ type: 'status', mode: 'streaming', behindSeconds: 1, droppedSeconds: 0.5, engineBehindSeconds: 0 });
  });
});

describe('close codes: no crash, no stuck state, a clear reason', () => {
  const cases: [number, RegExp, 'reconnecting' | 'error'][] = [
    [1000, /lost/, 'reconnecting'],
    [1001, /restarting/, 'reconnecting'],
    [1006, /lost/, 'reconnecting'],
    [1007, /invalid/, 'reconnecting'],
    [1008, /refused/, 'error'],
    [1009, /too large/, 'reconnecting'],
    [1011, /internal error/, 'reconnecting'],
    [1013, /busy/, 'reconnecting'],
    [4000, /idle/, 'reconnecting'],
  ];
  for (const [code, reason, outcome] of cases) {
    it(`close ${code} while live → ${outcome}`, async () => {
      const { session, events } = makeSession();
      srv().onText = (socket, msg) => {
        if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
      };
      session.start();
      await tick();
      session.sendAudio(frame(1));
      srv().last.socket.close({ code, reason: code === 1008 ? 'unauthorized' : '', wasClean: true });
      await tick(5);
      expect(session.state).toBe(outcome);
      expect(events.filter((e) => e.type === 'state').at(-1)).toMatchObject({ reason: expect.stringMatching(reason) });
      if (outcome === 'reconnecting') {
        await tick(1000);
        expect(session.state).toBe('live'); // and the audio is still there for the new session
        expect(srv().last.frames.map((f) => f[0])).toEqual([1]);
      }
    });
  }
});

describe('choice of link', () => {
  /** No WebSocket endpoint at this address, but HTTP answers. */
  const startOnRest = (f: ReturnType<typeof fakeFetch>, over: Partial<StreamSessionOptions> = {}) => startOnRestAt(srv(), URL_, f, over);

  it('goes back to the WebSocket once it works again, from the first unconfirmed sample', async () => {
    const f = fakeFetch(HTTP_);
    const { session, captions } = await startOnRest(f, { wsRetryMs: 10_000 });
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    f.answer(f.posts[0], 'by rest');
    await tick();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(f.posts).toHaveLength(2); // in flight when the WebSocket comes back
    srv(new FakeServer(URL_));
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
    };
    await tick(10_000);
    expect(session.mode).toBe('streaming');
    expect(session.state).toBe('live');
    // The audio after the REST answer goes over the socket; the abandoned request's answer is ignored.
    const sent = srv().last.frames.reduce((n, fr) => n + fr.length, 0);
    expect(sent).toBe(10 * 1600 - f.posts[0].samples); // all captured audio but the answered chunk
    expect(sent).toBeGreaterThan(f.posts[1].samples);
    f.answer(f.posts[1], 'late rest answer');
    srv().send({ type: 'final', segmentId: 0, text: 'by websocket', start: 0, end: sent / 16000 });
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['by rest', 'by websocket']);
  });
});

describe('ReconnectPolicy', () => {
  const policy = () => new ReconnectPolicy({ maxInitialAttempts: 2, restAfterFailures: 3, backoff: { baseMs: 100, maxMs: 1000, factor: 2 }, random: () => 1 });

  it('gives up on a server never reached, never on one that was live or that said when to come back', () => {
    const p = policy();
    expect(p.lost(false)).toBe(false);
    expect(p.nextDelay()).toBe(100);
    p.lost(false);
    expect(p.nextDelay()).toBe(200);
    expect(p.lost(false)).toBe(true); // third attempt: look at HTTP before giving up
    expect(p.nextDelay()).toBeNull();
    p.hint = { delayMs: 7000, reason: 'busy', sessionMoved: false };
    expect(p.nextDelay()).toBe(7000);
    p.connected();
    for (let i = 0; i < 5; i++) p.lost(false);
    expect(p.nextDelay()).toBe(1000);
  });

  it('looks for REST after sockets that never open: at once before going live, after a few once live', () => {
    const p = policy();
    expect(p.lost(true)).toBe(false);
    expect(p.lost(true)).toBe(true);
    p.connected();
    for (let i = 0; i < 2; i++) {
      p.notOpened();
      expect(p.lost(true)).toBe(false);
    }
    p.notOpened();
    expect(p.lost(true)).toBe(true);
  });
});

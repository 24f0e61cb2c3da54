// The offscreen stream session against a mock WebSocket server: protocol 2, the original
// design, reconnects with backoff (fake timers), buffering, keepalive and stop → done.
import { FakeServer } from '../helpers/fake-ws-server.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamSessionOptions } from '../../../src/offscreen/stream-session.ts';
import { frame, makeSession as makeHarness, tick } from '../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7999/ws';

const LOUD = 8000;
/** Small chunks so tests stay short: a pause of 100 ms after 250 ms of audio ends a chunk. */
const SMALL_CHUNKS = { minSeconds: 0.25, maxSeconds: 2, pauseMs: 100, quietRms: 0.01, sampleRate: 16000 };
/** fetch for a host where nothing listens at all. */
const unreachableFetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch;

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, { ...over });


const READY = { type: 'ready', sessionId: 's1', protocol: 2, engine: 'sphinx', model: 'en-us', sampleRate: 16000 };

let srv: FakeServer;

beforeEach(() => {
  vi.useFakeTimers();
  srv = new FakeServer(URL_);
});

afterEach(() => {
  srv.stop();
  vi.useRealTimers();
});

describe('StreamSession with a protocol-2 server', () => {
  it('sends init first, buffers frames until ready, then flushes them in order', async () => {
    const { session, states, events } = makeSession();
    session.start();
    session.sendAudio(frame(1)); // captured while the socket is still opening
    await tick();
    expect(srv.connections).toHaveLength(1);
    expect(srv.last.received[0]).toBe('text');
    expect(srv.last.texts[0]).toEqual({
      type: 'init',
      sourceLanguage: 'auto',
      targetLanguage: '',
      engine: 'sphinx',
      protocol: 2,
      audio: { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 },
    });
    session.sendAudio(frame(2)); // open, but no `ready` yet: still buffered
    await tick();
    expect(srv.last.frames).toHaveLength(0);
    expect(session.bufferedSeconds).toBeCloseTo(0.2);

    srv.send(READY);
    await tick();
    session.sendAudio(frame(3));
    await tick();
    expect(srv.last.frames.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(srv.last.frames[0]).toHaveLength(1600);
    expect(states()).toEqual(['connecting', 'live']);
    expect(events.find((e) => e.type === 'ready')).toEqual({ type: 'ready', legacy: false, engine: 'sphinx', model: 'en-us', encoding: 'pcm_s16le' });
    expect(session.bufferedSeconds).toBe(0); // nothing waits to be sent
    // Sent, but kept until a final confirms it (a server that dies would need it again).
    expect(session.unconfirmedSeconds).toBeCloseTo(0.3);
    srv.send({ type: 'final', segmentId: 0, text: 'x', start: 0, end: 0.3 });
    await tick();
    expect(session.unconfirmedSeconds).toBe(0);
  });

  it('turns partial and final messages into caption events keyed by connection and segment', async () => {
    const { session, captions } = makeSession();
    session.start();
    await tick();
    srv.send(READY);
    srv.send({ type: 'partial', segmentId: 0, text: 'hello', start: 0.1, end: 0.6 });
    srv.send({ type: 'partial', segmentId: 0, text: 'hello wor', start: 0.1, end: 1.1 });
    srv.send({ type: 'final', segmentId: 0, text: 'hello world', start: 0.1, end: 1.3, language: 'en' });
    await tick();
    expect(captions()).toEqual([
      { kind: 'partial', id: '1:0', segmentId: 0, text: 'hello', start: 0.1, end: 0.6 },
      { kind: 'partial', id: '1:0', segmentId: 0, text: 'hello wor', start: 0.1, end: 1.1 },
      { kind: 'final', id: '1:0', segmentId: 0, text: 'hello world', start: 0.1, end: 1.3, language: 'en' },
    ]);
  });

  it('reports non-fatal errors and stays live; ignores junk', async () => {
    const { session, events, states } = makeSession();
    session.start();
    await tick();
    srv.send(READY);
    srv.send({ type: 'error', code: 'engine_error', message: 'decoder hiccup', fatal: false, success: false });
    srv.last.socket.send('not json');
    srv.send({ type: 'mystery' });
    await tick();
    expect(events).toContainEqual({ type: 'server-error', code: 'engine_error', message: 'decoder hiccup' });
    expect(states()).toEqual(['connecting', 'live']);
    expect(session.state).toBe('live');
  });

  it('fails without reconnecting on a fatal, non-retryable error', async () => {
    const { session, events } = makeSession();
    session.start();
    await tick();
    srv.send({ type: 'error', code: 'unknown_engine', message: 'no engine "whisper"', fatal: true, success: false });
    await tick(60_000);
    expect(session.state).toBe('error');
    expect(srv.connections).toHaveLength(1);
    const last = events.filter((e) => e.type === 'state').pop();
    expect(last).toMatchObject({ state: 'error', reason: expect.stringContaining('engine') });
  });

  it('stop sends stop, delivers the last finals, and ends on done', async () => {
    const { session, states, captions } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type === 'stop') {
        socket.send(JSON.stringify({ type: 'final', segmentId: 3, text: 'last words', start: 5, end: 6, language: 'en' }));
        socket.send(JSON.stringify({ type: 'done' }));
      }
    };
    session.start();
    await tick();
    srv.send(READY);
    await tick();
    const stopped = session.stop();
    expect(session.state).toBe('stopping');
    await tick();
    await stopped;
    expect(srv.last.texts.map((t) => (t as { type: string }).type)).toEqual(['init', 'stop']);
    expect(captions().map((c) => c.text)).toEqual(['last words']);
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
    session.sendAudio(frame(9)); // ignored once stopped
    await tick();
    expect(srv.last.frames).toHaveLength(0);
  });

  it('stop gives up waiting for done after the stop timeout', async () => {
    const { session, states } = makeSession({ stopTimeoutMs: 3000 });
    session.start();
    await tick();
    srv.send(READY);
    await tick();
    const stopped = session.stop();
    await tick(2900);
    expect(session.state).toBe('stopping');
    await tick(200);
    await stopped;
    expect(states().slice(-1)).toEqual(['stopped']);
  });

  it('sends keepalive every interval and reconnects when the server stops answering', async () => {
    const { session, states } = makeSession({ keepaliveMs: 10_000 });
    let answer = true;
    srv.onText = (socket, msg) => {
      if (msg.type === 'keepalive' && answer) socket.send(JSON.stringify({ type: 'pong' }));
    };
    session.start();
    await tick();
    srv.send(READY);
    await tick(30_100);
    const keepalives = srv.last.texts.filter((t) => (t as { type: string }).type === 'keepalive');
    expect(keepalives.length).toBe(3);
    expect(session.state).toBe('live');
    answer = false;
    await tick(40_000);
    expect(states()).toContain('reconnecting');
  });
});

describe('StreamSession reconnects', () => {
  it('buffers audio through an outage and resends it, in order, after the new ready', async () => {
    const { session, events, states, captions } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    session.sendAudio(frame(1));
    await tick();
    srv.last.socket.close({ code: 1001, reason: 'restart', wasClean: true });
    await tick(10);
    expect(session.state).toBe('reconnecting');
    const reconnecting = events.find((e) => e.type === 'state' && e.state === 'reconnecting');
    // attempt 1: base 500 ms, equal jitter with random 0.5 → 375 ms
    expect(reconnecting).toMatchObject({ attempt: 1, retryInMs: 375, reason: expect.stringContaining('restarting') });
    session.sendAudio(frame(2));
    session.sendAudio(frame(3));
    await tick(420);
    expect(srv.connections).toHaveLength(2);
    expect(srv.connections[1].texts[0]).toMatchObject({ type: 'init', protocol: 2 });
    // No resume token, so a fresh session: it gets everything no final confirmed, frame 1 too.
    expect(srv.connections[1].frames.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(states()).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    // Segment numbers restart on the new connection; caption ids stay unique.
    srv.send({ type: 'final', segmentId: 0, text: 'again', start: 0, end: 1, language: 'en' });
    await tick();
    expect(captions()[0].id).toBe('2:0');
  });

  it('backs off exponentially and fails fast when the server was never reached', async () => {
    srv.stop();
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
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    srv.stop();
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
    srv.send({ type: 'error', code: 'busy', message: 'too many sessions', fatal: true, success: false });
    await tick(1);
    expect(states()).toEqual(['connecting', 'reconnecting']);
    await tick(400);
    expect(srv.connections).toHaveLength(2);
  });

  it('drops the oldest audio when the outage outlasts the buffer, and says so', async () => {
    srv.stop();
    const { session, events } = makeSession({ maxBufferSeconds: 0.3 });
    session.start();
    for (let i = 0; i < 5; i++) session.sendAudio(frame(i));
    expect(session.bufferedSeconds).toBeCloseTo(0.3);
    const dropped = events.filter((e) => e.type === 'dropped');
    expect(dropped.at(-1)).toEqual({ type: 'dropped', seconds: 0.1, totalSeconds: 0.2 });
    expect(session.droppedSeconds).toBeCloseTo(0.2);
  });

  it('stop while reconnecting ends at once', async () => {
    srv.stop();
    const { session, states } = makeSession({ fetchImpl: unreachableFetch });
    session.start();
    await tick(10);
    await session.stop();
    await tick(60_000);
    expect(states()).toEqual(['connecting', 'reconnecting', 'stopped']);
  });
});

describe('StreamSession with a server of the original design', () => {
  it('after the ready timeout sends WAV chunks cut at pauses; each transcription is the next chunk\'s final', async () => {
    const { session, events, captions, states } = makeSession({ readyTimeoutMs: 2000, chunker: SMALL_CHUNKS });
    session.start();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick(100);
    expect(srv.last.frames).toHaveLength(0);
    await tick(2000);
    expect(states()).toEqual(['connecting', 'live']);
    expect(events.find((e) => e.type === 'ready')).toMatchObject({ legacy: true });
    // One WAV file (RIFF header) holding speech and the start of the pause.
    expect(srv.last.wavs).toHaveLength(1);
    expect(srv.last.wavs[0].samples).toBeGreaterThanOrEqual(3 * 1600);
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(srv.last.wavs).toHaveLength(2);
    srv.send({ type: 'transcription', text: ' first chunk ends here', language: 'en', success: true });
    srv.send({ type: 'transcription', text: 'ends here and the second', success: true });
    await tick();
    // Trimmed, and the words repeated across the cut are shown once.
    expect(captions().map((c) => [c.kind, c.text, c.language])).toEqual([
      ['final', 'first chunk ends here', 'en'],
      ['final', 'and the second', undefined],
    ]);
    expect(session.mode).toBe('legacy');
    // No keepalives for a server that never said it understands them.
    await tick(25_000);
    expect(srv.last.texts.map((t) => (t as { type: string }).type)).toEqual(['init']);
  });

  it('goes live at once on connection/initialized; stop sends the rest as a last chunk and waits for its answer', async () => {
    const { session, states, captions } = makeSession({ chunker: SMALL_CHUNKS });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'initialized', success: true }));
    };
    session.start();
    await tick();
    expect(session.state).toBe('live');
    session.sendAudio(frame(LOUD));
    const stopped = session.stop();
    await tick();
    expect(srv.last.wavs).toHaveLength(1);
    srv.send({ type: 'transcription', text: 'last words', success: true });
    await stopped;
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
    expect(captions().map((c) => c.text)).toEqual(['last words']);
    expect(srv.last.texts.map((t) => (t as { type: string }).type)).toEqual(['init']);
  });

  it('re-sends unanswered chunks after the legacy socket drops', async () => {
    const { session, captions } = makeSession({ chunker: SMALL_CHUNKS });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'connected' }));
    };
    session.start();
    await tick();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(srv.last.wavs).toHaveLength(1);
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    expect(srv.connections).toHaveLength(2);
    expect(srv.last.wavs).toHaveLength(1);
    srv.send({ type: 'transcription', text: 'not lost', success: true });
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['not lost']);
    expect(session.bufferedSeconds).toBeLessThan(0.2);
  });

  it('a success:false transcription is reported as a server error', async () => {
    const { session, events } = makeSession();
    session.start();
    await tick();
    srv.send(READY);
    srv.send({ type: 'transcription', text: 'model crashed', success: false });
    await tick();
    expect(events).toContainEqual({ type: 'server-error', code: 'engine_error', message: 'model crashed' });
  });
});

describe('StreamSession stop', () => {
  it('stop in a chunk mode with nothing left to answer ends at once', async () => {
    const { session, states } = makeSession({ chunker: SMALL_CHUNKS });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'initialized', success: true }));
    };
    session.start();
    await tick();
    expect(session.mode).toBe('legacy');
    let stopped = false;
    void session.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(true); // the link drained at once: stop() must not wait for ever
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
  });
});

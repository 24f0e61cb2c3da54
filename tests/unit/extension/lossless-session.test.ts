// StreamSession never loses speech: resume with the server's sample count, a fresh session
// fed again from the last final, dedupe of re-delivered finals, dead-connection detection,
// every close code, garbage, and the REST fallback (mock-socket, a fake fetch, fake timers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamSessionOptions } from '../../../src/offscreen/stream-session.ts';
import { frame, makeSession as makeHarness, tick } from '../helpers/stream-session-harness.ts';
import { FakeServer } from '../helpers/fake-ws-server.ts';

const URL_ = 'ws://127.0.0.1:7998/ws';
const LOUD = 8000;
const READY = { type: 'ready', sessionId: 's1', protocol: 2, engine: 'sphinx', model: 'en-us', sampleRate: 16000, resumeToken: 'tok1' };
const SMALL_CHUNKS = { minSeconds: 0.25, maxSeconds: 2, pauseMs: 100, quietRms: 0.01, sampleRate: 16000 };

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, { sourceLanguage: 'en', ...over });

let srv: FakeServer;
beforeEach(() => {
  vi.useFakeTimers();
  srv = new FakeServer(URL_);
});
afterEach(() => {
  srv.stop();
  vi.useRealTimers();
});

describe('resuming a dropped connection', () => {
  it('resumes with the token, re-sends from the sample the server reports, and ignores re-delivered finals', async () => {
    const { session, captions, states } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      if (!msg.resume) socket.send(JSON.stringify(READY));
      else socket.send(JSON.stringify({ ...READY, resumed: true, receivedSamples: 3200 }));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv.send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 });
    srv.send({ type: 'partial', segmentId: 1, text: 'tw', start: 0.1, end: 0.3 });
    await tick();
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick();
    session.sendAudio(frame(4)); // captured during the outage
    await tick(1000);
    expect(srv.connections).toHaveLength(2);
    expect(srv.last.texts[0]).toMatchObject({
      type: 'init',
      protocol: 2,
      resume: { sessionId: 's1', token: 'tok1', audioOffset: 4800, lastSegmentId: 0 },
    });
    // The server had 3200 samples (frames 1 and 2): frame 3 went missing in transit, then 4.
    expect(srv.last.frames.map((f) => f[0])).toEqual([3, 4]);
    srv.send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 }); // re-delivered
    srv.send({ type: 'final', segmentId: 1, text: 'two', start: 0.1, end: 0.35 });
    await tick();
    expect(captions().filter((c) => c.kind === 'final').map((c) => [c.id, c.text])).toEqual([
      ['1:0', 'one'],
      ['1:1', 'two'], // same id as its partial before the drop: it replaces it on screen
    ]);
    expect(states()).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('after a server restart (resume_failed) starts a new session fed from the end of the last final', async () => {
    const { session, captions, of } = makeSession();
    let sessions = 0;
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      sessions++;
      if (msg.resume) socket.send(JSON.stringify({ type: 'error', code: 'resume_failed', message: 'unknown session', fatal: false, success: false }));
      socket.send(JSON.stringify({ ...READY, sessionId: `s${sessions}`, resumeToken: `tok${sessions}`, ...(msg.resume ? { resumed: false, receivedSamples: 0 } : {}) }));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv.send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 });
    srv.send({ type: 'partial', segmentId: 1, text: 'tw', start: 0.1, end: 0.3 });
    await tick();
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    // Everything after the last final, again: the new server has none of it.
    expect(srv.last.frames.map((f) => f[0])).toEqual([2, 3]);
    srv.send({ type: 'final', segmentId: 0, text: 'two three', start: 0, end: 0.2 });
    await tick();
    expect(captions().map((c) => [c.kind, c.id, c.text])).toEqual([
      ['final', '1:0', 'one'],
      ['partial', '1:1', 'tw'],
      ['final', '1:1', ''], // the old session's open partial goes away: its words come again below
      ['final', '2:0', 'two three'],
    ]);
    // Each caption's audio on the capture's own timeline: the new session starts at sample 1600.
    expect(of('caption').map((e) => e.samples)).toEqual([
      [0, 1600],
      [1600, 4800],
      [0, 0],
      [1600, 4800],
    ]);
    expect(session.unconfirmedSeconds).toBeCloseTo(0);
  });

  it('server translations keep the caption ids of the session they belong to, across a resume', async () => {
    const { session, events } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ ...READY, ...(msg.resume ? { resumed: true, receivedSamples: 1600 } : {}) }));
    };
    session.start();
    await tick();
    session.sendAudio(frame(1));
    await tick();
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    srv.send({ type: 'final', segmentId: 0, text: 'hello', start: 0, end: 0.1 });
    srv.send({ type: 'translation', segmentId: 0, text: 'hola', language: 'es' });
    await tick();
    expect(events.filter((e) => e.type === 'translation')).toEqual([{ type: 'translation', id: '1:0', text: 'hola', language: 'es' }]);
  });

  it('detects a dead connection when a keepalive gets no answer within the pong timeout', async () => {
    const { session, events } = makeSession({ keepaliveMs: 5000, pongTimeoutMs: 3000 });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    await tick(5000 + 2900);
    expect(session.state).toBe('live');
    await tick(200);
    expect(session.state).toBe('reconnecting');
    expect(events.find((e) => e.type === 'state' && e.state === 'reconnecting')).toMatchObject({ reason: 'The server stopped answering' });
  });

  it('keeps a quiet but answering connection open (pong resets the dead-connection timer)', async () => {
    const { session } = makeSession({ keepaliveMs: 5000, pongTimeoutMs: 3000 });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
      if (msg.type === 'keepalive') socket.send(JSON.stringify({ type: 'pong' }));
    };
    session.start();
    await tick(60_000);
    expect(session.state).toBe('live');
    expect(srv.connections).toHaveLength(1);
    expect(srv.last.texts.filter((t) => (t as { type: string }).type === 'keepalive').length).toBeGreaterThanOrEqual(11);
  });

  it('reports how far behind live it is and how much an overlong outage dropped', async () => {
    const { session, lastStatus } = makeSession({ maxBufferSeconds: 1 });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    srv.stop();
    for (let i = 0; i < 15; i++) session.sendAudio(frame(i));
    await tick(1000);
    expect(lastStatus()).toEqual({ type: 'status', mode: 'streaming', behindSeconds: 1, droppedSeconds: 0.5, engineBehindSeconds: 0 });
  });
});

describe('close codes and garbage: no crash, no stuck state, a clear reason', () => {
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
      srv.onText = (socket, msg) => {
        if (msg.type === 'init') socket.send(JSON.stringify(READY));
      };
      session.start();
      await tick();
      session.sendAudio(frame(1));
      srv.last.socket.close({ code, reason: code === 1008 ? 'unauthorized' : '', wasClean: true });
      await tick(5);
      expect(session.state).toBe(outcome);
      expect(events.filter((e) => e.type === 'state').at(-1)).toMatchObject({ reason: expect.stringMatching(reason) });
      if (outcome === 'reconnecting') {
        await tick(1000);
        expect(session.state).toBe('live'); // and the audio is still there for the new session
        expect(srv.last.frames.map((f) => f[0])).toEqual([1]);
      }
    });
  }

  it('garbage from the server: a notice, no crash, and the session stays usable', async () => {
    const { session, events } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      socket.send('\u0000not json at all');
      socket.send('{"type":"final","segmentId":"x"}');
      socket.send('[1,2,3]');
      socket.send(new Uint8Array([1, 2, 3]).buffer as ArrayBuffer);
      socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    expect(session.state).toBe('live');
    expect(events.filter((e) => e.type === 'server-error')).toEqual([
      { type: 'server-error', code: 'bad_message', message: 'The server sent a message this extension does not understand' },
    ]);
  });

  it('a server that only answers garbage is taken for the original design, then dropped as dead when chunks go unanswered', async () => {
    const { session, states } = makeSession({ readyTimeoutMs: 1000, chunkTimeoutMs: 5000, chunker: SMALL_CHUNKS });
    srv.onText = (socket) => socket.send('garbage');
    session.start();
    await tick(1100);
    expect(session.state).toBe('live');
    expect(session.mode).toBe('legacy');
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick(5100);
    expect(states()).toContain('reconnecting');
  });
});

describe('REST fallback', () => {
  interface Post {
    resolve: (r: Response) => void;
    reject: (e: unknown) => void;
    samples: number;
  }

  function fakeFetch() {
    const posts: Post[] = [];
    let gets = 0;
    const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (!init?.method || init.method === 'GET') {
        gets++;
        expect(String(input)).toBe('http://127.0.0.1:7998/ws');
        return new Response('{"detail":"Not Found"}', { status: 404 });
      }
      expect(String(input)).toBe('http://127.0.0.1:7998/transcribe');
      const form = init.body as FormData;
      const file = form.get('file') as Blob;
      expect(form.get('language')).toBe('en');
      const samples = (file.size - 44) / 2;
      return new Promise<Response>((resolve, reject) => posts.push({ resolve, reject, samples }));
    }) as typeof fetch;
    const answer = (p: Post, text: string, status = 200) =>
      p.resolve(new Response(JSON.stringify(status === 200 ? { success: true, text, language: 'en' } : { success: false, error: text }), { status }));
    return { impl, posts, answer, gets: () => gets };
  }

  async function startOnRest(f: ReturnType<typeof fakeFetch>, over: Partial<StreamSessionOptions> = {}) {
    srv.stop(); // no WebSocket endpoint at this address, but HTTP answers
    const s = makeSession({ fetchImpl: f.impl, chunker: SMALL_CHUNKS, ...over });
    s.session.start();
    await tick(2000);
    return s;
  }

  it('switches to POST /transcribe when the WebSocket fails but HTTP answers; at most 2 in flight; answers shown in order', async () => {
    const f = fakeFetch();
    const { session, captions, states, lastStatus } = await startOnRest(f);
    expect(session.mode).toBe('rest');
    expect(states()).toEqual(['connecting', 'reconnecting', 'live']);
    expect(lastStatus()?.mode).toBe('rest');
    for (let i = 0; i < 4; i++) for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(f.posts).toHaveLength(2); // four chunks cut, two requests at a time
    f.answer(f.posts[1], 'second');
    await tick();
    expect(captions()).toEqual([]); // the first is still out: nothing shown out of order
    expect(f.posts).toHaveLength(3);
    f.answer(f.posts[0], 'first');
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['first', 'second']);
    f.answer(f.posts[2], 'third');
    await tick();
    f.answer(f.posts[3], 'fourth');
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('retries a chunk the server failed on (nothing silently dropped); a rejected chunk is reported', async () => {
    const f = fakeFetch();
    const { session, captions, events } = await startOnRest(f);
    for (let i = 0; i < 2; i++) for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    f.answer(f.posts[0], 'engine down', 503);
    f.answer(f.posts[1], 'not a wav', 400);
    await tick();
    expect(session.state).toBe('reconnecting');
    expect(events).toContainEqual({ type: 'server-error', code: 'rest_rejected', message: 'The server could not transcribe a chunk: not a wav' });
    await tick(1000);
    expect(f.posts).toHaveLength(3);
    expect(f.posts[2].samples).toBe(f.posts[0].samples); // the same chunk again
    f.answer(f.posts[2], 'first after all');
    await tick();
    expect(session.state).toBe('live');
    expect(captions().map((c) => c.text)).toEqual(['first after all']);
  });

  it('goes back to the WebSocket once it works again, from the first unconfirmed sample', async () => {
    const f = fakeFetch();
    const { session, captions } = await startOnRest(f, { wsRetryMs: 10_000 });
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    f.answer(f.posts[0], 'by rest');
    await tick();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(f.posts).toHaveLength(2); // in flight when the WebSocket comes back
    srv = new FakeServer(URL_);
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    await tick(10_000);
    expect(session.mode).toBe('streaming');
    expect(session.state).toBe('live');
    // The audio after the REST answer goes over the socket; the abandoned request's answer is ignored.
    const sent = srv.last.frames.reduce((n, fr) => n + fr.length, 0);
    expect(sent).toBe(10 * 1600 - f.posts[0].samples); // all captured audio but the answered chunk
    expect(sent).toBeGreaterThan(f.posts[1].samples);
    f.answer(f.posts[1], 'late rest answer');
    srv.send({ type: 'final', segmentId: 0, text: 'by websocket', start: 0, end: sent / 16000 });
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['by rest', 'by websocket']);
  });

  it("passes on the server engine's lag (`behind` on partials and finals) in its status", async () => {
    const { session, lastStatus } = makeSession();
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
    };
    session.start();
    await tick();
    srv.send({ type: 'partial', segmentId: 0, text: 'a', start: 0, end: 1, behind: 3.26 });
    await tick(1000);
    expect(lastStatus()).toMatchObject({ type: 'status', engineBehindSeconds: 3.3 });
    srv.send({ type: 'final', segmentId: 0, text: 'a b', start: 0, end: 2, language: 'en', behind: 0 });
    await tick(1000);
    expect(lastStatus()).toMatchObject({ type: 'status', engineBehindSeconds: 0 });
  });
});

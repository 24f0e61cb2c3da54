// The streaming link (our protocol 2, src/offscreen/session/streaming-link.ts): through the
// session against a mock WebSocket server (init, captions, stop → done, resume with the server's
// sample count, a fresh session fed again from the last final, re-delivered finals, translations,
// the engine's lag), and the link on its own against a recording fake host.
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamSession, type StreamEvent, type StreamSessionOptions, type WebSocketConstructor } from '../../../../../src/offscreen/session/index.ts';
import { StreamingLink } from '../../../../../src/offscreen/session/streaming-link.ts';
import { fakeHost, fakeSocket, pcm, RATE, ready } from '../../../helpers/session-parts.ts';
import { frame, makeSession as makeHarness, READY, RESUMABLE, tick, withFakeServer } from '../../../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7996/ws';

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, over);

const srv = withFakeServer(URL_);

describe('the streaming link through the session', () => {
  it('sends init first, buffers frames until ready, then flushes them in order', async () => {
    const { session, states, events } = makeSession();
    session.start();
    session.sendAudio(frame(1)); // captured while the socket is still opening
    await tick();
    expect(srv().connections).toHaveLength(1);
    expect(srv().last.received[0]).toBe('text');
    expect(srv().last.texts[0]).toEqual({
      type: 'init',
      sourceLanguage: 'auto',
      targetLanguage: '',
      engine: 'sphinx',
      protocol: 2,
      audio: { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 },
    });
    session.sendAudio(frame(2)); // open, but no `ready` yet: still buffered
    await tick();
    expect(srv().last.frames).toHaveLength(0);
    expect(session.bufferedSeconds).toBeCloseTo(0.2);

    srv().send(READY);
    await tick();
    session.sendAudio(frame(3));
    await tick();
    expect(srv().last.frames.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(srv().last.frames[0]).toHaveLength(1600);
    expect(states()).toEqual(['connecting', 'live']);
    expect(events.find((e) => e.type === 'ready')).toEqual({ type: 'ready', original: false, engine: 'sphinx', model: 'en-us', encoding: 'pcm_s16le' });
    expect(session.bufferedSeconds).toBe(0); // nothing waits to be sent
    // Sent, but kept until a final confirms it (a server that dies would need it again).
    expect(session.unconfirmedSeconds).toBeCloseTo(0.3);
    srv().send({ type: 'final', segmentId: 0, text: 'x', start: 0, end: 0.3 });
    await tick();
    expect(session.unconfirmedSeconds).toBe(0);
  });

  it('turns partial and final messages into caption events keyed by connection and segment', async () => {
    const { session, captions } = makeSession();
    session.start();
    await tick();
    srv().send(READY);
    srv().send({ type: 'partial', segmentId: 0, text: 'hello', start: 0.1, end: 0.6 });
    srv().send({ type: 'partial', segmentId: 0, text: 'hello wor', start: 0.1, end: 1.1 });
    srv().send({ type: 'final', segmentId: 0, text: 'hello world', start: 0.1, end: 1.3, language: 'en' });
    await tick();
    expect(captions()).toEqual([
      { kind: 'partial', id: '1:0', segmentId: 0, text: 'hello', start: 0.1, end: 0.6 },
      { kind: 'partial', id: '1:0', segmentId: 0, text: 'hello wor', start: 0.1, end: 1.1 },
      { kind: 'final', id: '1:0', segmentId: 0, text: 'hello world', start: 0.1, end: 1.3, language: 'en' },
    ]);
  });

  it('stop sends stop, delivers the last finals, and ends on done', async () => {
    const { session, states, captions } = makeSession();
    srv().onText = (socket, msg) => {
      if (msg.type === 'stop') {
        socket.send(JSON.stringify({ type: 'final', segmentId: 3, text: 'last words', start: 5, end: 6, language: 'en' }));
        socket.send(JSON.stringify({ type: 'done' }));
      }
    };
    session.start();
    await tick();
    srv().send(READY);
    await tick();
    const stopped = session.stop();
    expect(session.state).toBe('stopping');
    await tick();
    await stopped;
    expect(srv().last.texts.map((t) => (t as { type: string }).type)).toEqual(['init', 'stop']);
    expect(captions().map((c) => c.text)).toEqual(['last words']);
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
    session.sendAudio(frame(9)); // ignored once stopped
    await tick();
    expect(srv().last.frames).toHaveLength(0);
  });

  it("passes on the server engine's lag (`behind` on partials and finals) in its status", async () => {
    const { session, lastStatus } = makeSession();
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
    };
    session.start();
    await tick();
    srv().send({ type: 'partial', segmentId: 0, text: 'a', start: 0, end: 1, behind: 3.26 });
    await tick(1000);
    expect(lastStatus()).toMatchObject({ type: 'status', engineBehindSeconds: 3.3 });
    srv().send({ type: 'final', segmentId: 0, text: 'a b', start: 0, end: 2, language: 'en', behind: 0 });
    await tick(1000);
    expect(lastStatus()).toMatchObject({ type: 'status', engineBehindSeconds: 0 });
  });
});

describe('resuming a dropped connection', () => {
  it('resumes with the token, re-sends from the sample the server reports, and ignores re-delivered finals', async () => {
    const { session, captions, states } = makeSession();
    srv().onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      if (!msg.resume) socket.send(JSON.stringify(RESUMABLE));
      else socket.send(JSON.stringify({ ...RESUMABLE, resumed: true, receivedSamples: 3200 }));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv().send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 });
    srv().send({ type: 'partial', segmentId: 1, text: 'tw', start: 0.1, end: 0.3 });
    await tick();
    srv().last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick();
    session.sendAudio(frame(4)); // captured during the outage
    await tick(1000);
    expect(srv().connections).toHaveLength(2);
    expect(srv().last.texts[0]).toMatchObject({
      type: 'init',
      protocol: 2,
      resume: { sessionId: 's1', token: 'tok1', audioOffset: 4800, lastSegmentId: 0 },
    });
    // The server had 3200 samples (frames 1 and 2): frame 3 went missing in transit, then 4.
    expect(srv().last.frames.map((f) => f[0])).toEqual([3, 4]);
    srv().send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 }); // re-delivered
    srv().send({ type: 'final', segmentId: 1, text: 'two', start: 0.1, end: 0.35 });
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
    srv().onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      sessions++;
      if (msg.resume) socket.send(JSON.stringify({ type: 'error', code: 'resume_failed', message: 'unknown session', fatal: false, success: false }));
      socket.send(JSON.stringify({ ...RESUMABLE, sessionId: `s${sessions}`, resumeToken: `tok${sessions}`, ...(msg.resume ? { resumed: false, receivedSamples: 0 } : {}) }));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv().send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 });
    srv().send({ type: 'partial', segmentId: 1, text: 'tw', start: 0.1, end: 0.3 });
    await tick();
    srv().last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    // Everything after the last final, again: the new server has none of it.
    expect(srv().last.frames.map((f) => f[0])).toEqual([2, 3]);
    srv().send({ type: 'final', segmentId: 0, text: 'two three', start: 0, end: 0.2 });
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
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ ...RESUMABLE, ...(msg.resume ? { resumed: true, receivedSamples: 1600 } : {}) }));
    };
    session.start();
    await tick();
    session.sendAudio(frame(1));
    await tick();
    srv().last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    srv().send({ type: 'final', segmentId: 0, text: 'hello', start: 0, end: 0.1 });
    srv().send({ type: 'translation', segmentId: 0, text: 'hola', language: 'es' });
    await tick();
    expect(events.filter((e) => e.type === 'translation')).toEqual([{ type: 'translation', id: '1:0', text: 'hola', language: 'es' }]);
  });
});

describe('pushed translations (docs/protocol.md `translation`)', () => {
  const TR_URL = 'ws://127.0.0.1:7995/ws';
  let server: Server;
  let received: Record<string, unknown>[];
  let send: (msg: object) => void;

  beforeEach(() => {
    vi.useFakeTimers();
    received = [];
    server = new Server(TR_URL);
    server.on('connection', (socket) => {
      send = (msg) => socket.send(JSON.stringify(msg));
      socket.on('message', (data) => {
        if (typeof data === 'string') received.push(JSON.parse(data));
      });
    });
  });
  afterEach(() => {
    server.stop();
    vi.useRealTimers();
  });

  it('sends targetLanguage in init and turns pushed translations into events keyed like captions', async () => {
    const events: StreamEvent[] = [];
    const session = new StreamSession({
      url: TR_URL,
      sourceLanguage: 'en',
      targetLanguage: 'es',
      engine: 'sphinx',
      onEvent: (e) => events.push(e),
      WebSocketImpl: MockWebSocket as unknown as WebSocketConstructor,
    });
    session.start();
    await vi.advanceTimersByTimeAsync(20);
    expect(received[0]).toMatchObject({ type: 'init', targetLanguage: 'es', protocol: 2 });
    send({ type: 'ready', sessionId: 's', protocol: 2, engine: 'sphinx', model: 'm', sampleRate: 16000, translation: 'es' });
    send({ type: 'final', segmentId: 4, text: 'hello world', start: 0, end: 1, language: 'en' });
    send({ type: 'translation', segmentId: 4, text: '<b>hola</b> mundo', language: 'es' });
    send({ type: 'translation', segmentId: 5, language: 'es' }); // malformed: ignored
    await vi.advanceTimersByTimeAsync(20);
    expect(events.find((e) => e.type === 'ready')).toMatchObject({ translation: 'es' });
    const final = events.find((e) => e.type === 'caption') as Extract<StreamEvent, { type: 'caption' }>;
    const translations = events.filter((e) => e.type === 'translation');
    expect(translations).toEqual([{ type: 'translation', id: final.caption.id, text: '<b>hola</b> mundo', language: 'es' }]);
    const stopping = session.stop().catch(() => {});
    await vi.advanceTimersByTimeAsync(30_000);
    await stopping;
  });
});

describe('StreamingLink on its own', () => {
  const opts = { sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', token: '', createOpusEncoder: undefined };

  it('sends the backlog from the given sample, then live frames, and resumes where the server says', () => {
    const { host } = fakeHost();
    let epoch = 0;
    const link = new StreamingLink(host, opts, () => ++epoch);
    for (let i = 1; i <= 3; i++) host.log.push(pcm(i));
    const a = fakeSocket();
    link.start(link.accept(ready()), a.socket);
    expect(a.binary.map((b) => new Int16Array(b)[0])).toEqual([1, 2, 3]);
    host.log.push(pcm(4));
    link.push();
    expect(a.binary).toHaveLength(4);
    link.close();
    // The next connection offers a resume from what was sent (4 frames), on the same session.
    const init = link.initMessage();
    expect(init.resume).toEqual({ sessionId: 's1', token: 'tok', audioOffset: 6400, lastSegmentId: -1 });
    host.log.push(pcm(5));
    const b = fakeSocket();
    // The server only got 3 frames: the 4th and 5th go again.
    link.start(link.accept(ready({ resumed: true, receivedSamples: 4800 })), b.socket);
    expect(b.binary.map((x) => new Int16Array(x)[0])).toEqual([4, 5]);
    expect(epoch).toBe(1);
  });

  it('drops a final delivered twice (across a resume) and confirms the audio up to its end', () => {
    const { host, captions } = fakeHost();
    const link = new StreamingLink(host, opts, () => 1);
    for (let i = 1; i <= 10; i++) host.log.push(pcm(i));
    link.start(link.accept(ready()), fakeSocket().socket);
    const final = { type: 'final', segmentId: 0, text: 'hello there', start: 0, end: 0.5, language: 'en' } as const;
    link.onMessage(final);
    link.onMessage(final);
    link.onMessage({ type: 'partial', segmentId: 0, text: 'late partial', start: 0, end: 0.4 });
    expect(captions().map((c) => [c.kind, c.id, c.text])).toEqual([['final', '1:0', 'hello there']]);
    expect(host.log.acked).toBe(0.5 * RATE);
  });

  it('a new server session closes the partial left open by the old one', () => {
    const { host, captions } = fakeHost();
    let epoch = 0;
    const link = new StreamingLink(host, opts, () => ++epoch);
    host.log.push(pcm(1));
    link.start(link.accept(ready()), fakeSocket().socket);
    link.onMessage({ type: 'partial', segmentId: 3, text: 'half a sen', start: 0, end: 0.1 });
    link.close();
    link.accept(ready({ sessionId: 's2', resumed: false }));
    expect(captions().map((c) => [c.kind, c.id, c.text])).toEqual([
      ['partial', '1:3', 'half a sen'],
      ['final', '1:3', ''],
    ]);
  });

  it('an encoder that breaks: PCM16 from then on, a notice, no resume, and the connection given up', () => {
    const { host, events } = fakeHost();
    let fail: (err: Error) => void = () => {};
    const link = new StreamingLink(host, { ...opts, createOpusEncoder: (_p, onError) => ((fail = onError), { encode() {}, flush: async () => {}, close() {} }) }, () => 1);
    link.start(link.accept(ready()), fakeSocket().socket);
    expect(link.initMessage().audio?.encoding).toBe('opus');
    fail(new Error('boom'));
    expect(link.wire.encoding).toBe('pcm_s16le');
    expect(events.some((e) => e.type === 'notice')).toBe(true);
    expect(host.lost).toHaveBeenCalledOnce();
    expect(link.initMessage().resume).toBeUndefined();
  });
});

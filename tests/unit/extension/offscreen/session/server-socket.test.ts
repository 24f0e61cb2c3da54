// The server socket (src/offscreen/session/server-socket.ts). Through the session against a mock
// WebSocket server: keepalives, dead connections, garbage from the server. On its own against a
// fake WebSocket: the connect timeout, keepalives, a bad first message, a server silent after
// open, and telling our server from one of the original protocol.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamSessionOptions } from '../../../../../src/offscreen/session/index.ts';
import { ServerSocket, type ServerSocketHandlers } from '../../../../../src/offscreen/session/server-socket.ts';
import type { WebSocketConstructor } from '../../../../../src/offscreen/session/types.ts';
import { makeSession as makeHarness, READY, RESUMABLE, tick, withFakeServer } from '../../../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7992/ws';

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, over);

const srv = withFakeServer(URL_);

describe('through the session', () => {
  it('sends keepalive every interval and reconnects when the server stops answering', async () => {
    const { session, states } = makeSession({ keepaliveMs: 10_000 });
    let answer = true;
    srv().onText = (socket, msg) => {
      if (msg.type === 'keepalive' && answer) socket.send(JSON.stringify({ type: 'pong' }));
    };
    session.start();
    await tick();
    srv().send(READY);
    await tick(30_100);
    const keepalives = srv().last.texts.filter((t) => (t as { type: string }).type === 'keepalive');
    expect(keepalives.length).toBe(3);
    expect(session.state).toBe('live');
    answer = false;
    await tick(40_000);
    expect(states()).toContain('reconnecting');
  });

  it('detects a dead connection when a keepalive gets no answer within the pong timeout', async () => {
    const { session, events } = makeSession({ keepaliveMs: 5000, pongTimeoutMs: 3000 });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
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
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(RESUMABLE));
      if (msg.type === 'keepalive') socket.send(JSON.stringify({ type: 'pong' }));
    };
    session.start();
    await tick(60_000);
    expect(session.state).toBe('live');
    expect(srv().connections).toHaveLength(1);
    expect(srv().last.texts.filter((t) => (t as { type: string }).type === 'keepalive').length).toBeGreaterThanOrEqual(11);
  });

  it('garbage from the server: a notice, no crash, and the session stays usable', async () => {
    const { session, events } = makeSession();
    srv().onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      socket.send('\u0000not json at all');
      socket.send('{"type":"final","segmentId":"x"}');
      socket.send('[1,2,3]');
      socket.send(new Uint8Array([1, 2, 3]).buffer as ArrayBuffer);
      socket.send(JSON.stringify(RESUMABLE));
    };
    session.start();
    await tick();
    expect(session.state).toBe('live');
    expect(events.filter((e) => e.type === 'server-error')).toEqual([
      { type: 'server-error', code: 'bad_message', message: 'The server sent a message this extension does not understand' },
    ]);
  });
});

describe('ServerSocket', () => {
  class FakeWs {
    static last: FakeWs;
    readyState = 0;
    binaryType = '';
    sent: string[] = [];
    onopen: (() => void) | null = null;
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    onclose: ((ev: { code: number; reason: string }) => void) | null = null;
    onerror: (() => void) | null = null;
    constructor(readonly url: string) {
      FakeWs.last = this;
    }
    send(data: string) {
      this.sent.push(data);
    }
    close() {}
    open() {
      this.readyState = 1;
      this.onopen?.();
    }
  }
  const timeouts = { connectTimeoutMs: 500, keepaliveMs: 100, pongTimeoutMs: 50, readyTimeoutMs: 10_000 };
  const handlers = () =>
    ({ onOpen: vi.fn(), onReady: vi.fn(), onOriginalProtocol: vi.fn(), onMessage: vi.fn(), onBadFirstMessage: vi.fn(), onClose: vi.fn(), onDead: vi.fn() }) satisfies ServerSocketHandlers;

  it('a socket that never opens is dead after the connect timeout', async () => {
    const h = handlers();
    new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', h, timeouts);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.onDead).toHaveBeenCalledWith('The transcription server did not answer');
  });

  it('keepalives: any message answers them, silence after one means dead; a bad first message is reported once', async () => {
    const h = handlers();
    const s = new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', h, timeouts);
    const ws = FakeWs.last;
    ws.open();
    expect(h.onOpen).toHaveBeenCalledOnce();
    ws.onmessage!({ data: '{not json' });
    ws.onmessage!({ data: '{also not' });
    expect(h.onBadFirstMessage).toHaveBeenCalledOnce();
    s.startKeepalive();
    await vi.advanceTimersByTimeAsync(120);
    expect(ws.sent).toEqual(['{"type":"keepalive"}']);
    ws.onmessage!({ data: '{"type":"pong"}' });
    expect(h.onMessage).toHaveBeenCalledWith({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(80);
    expect(h.onDead).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60);
    expect(h.onDead).toHaveBeenCalledWith('The server stopped answering');
  });

  it('a server silent after open is reported once the wait is over; a dropped socket reports nothing more', async () => {
    const h = handlers();
    const s = new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', h, { ...timeouts, readyTimeoutMs: 200 });
    const ws = FakeWs.last;
    ws.open();
    await vi.advanceTimersByTimeAsync(199);
    expect(h.onOriginalProtocol).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(h.onOriginalProtocol).toHaveBeenCalledOnce();
    s.drop();
    ws.onclose!({ code: 1006, reason: '' });
    s.sendJson({ type: 'stop' });
    expect(h.onClose).not.toHaveBeenCalled();
    expect(ws.sent).toEqual([]);
  });

  it('tells our server (`ready`, remembered for the next socket) from one of the original protocol (`connection`, a first `transcription`)', async () => {
    const kind = { speaksProtocol2: false };
    const ours = handlers();
    new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', ours, { ...timeouts, readyTimeoutMs: 200 }, kind);
    FakeWs.last.open();
    FakeWs.last.onmessage!({ data: JSON.stringify({ type: 'ready', sessionId: 's', protocol: 2, engine: 'e', model: 'm', sampleRate: 16000 }) });
    await vi.advanceTimersByTimeAsync(300);
    expect(ours.onReady).toHaveBeenCalledOnce();
    expect(ours.onOriginalProtocol).not.toHaveBeenCalled();
    expect(kind.speaksProtocol2).toBe(true);
    // The next socket to a server known to be ours does not take its silence for the original protocol.
    const again = handlers();
    new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', again, { ...timeouts, readyTimeoutMs: 200 }, kind);
    FakeWs.last.open();
    await vi.advanceTimersByTimeAsync(300);
    expect(again.onOriginalProtocol).not.toHaveBeenCalled();
    // A first transcription tells the original protocol and is passed on; later ones are only passed on.
    const transcribing = handlers();
    new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', transcribing, timeouts);
    FakeWs.last.open();
    const text = JSON.stringify({ type: 'transcription', text: 'hi', success: true });
    FakeWs.last.onmessage!({ data: text });
    FakeWs.last.onmessage!({ data: text });
    expect(transcribing.onOriginalProtocol).toHaveBeenCalledOnce();
    expect(transcribing.onMessage).toHaveBeenCalledTimes(2);
    // `connection` (on connect, or after init): the original protocol, nothing to pass on.
    const greeting = handlers();
    new ServerSocket(FakeWs as unknown as WebSocketConstructor, 'ws://x/ws', greeting, timeouts);
    FakeWs.last.open();
    FakeWs.last.onmessage!({ data: JSON.stringify({ type: 'connection', status: 'connected' }) });
    expect(greeting.onOriginalProtocol).toHaveBeenCalledOnce();
    expect(greeting.onMessage).not.toHaveBeenCalled();
  });
});

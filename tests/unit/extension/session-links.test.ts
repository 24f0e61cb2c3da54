// The StreamSession's parts on their own (src/offscreen/session/): the streaming link, the
// chunk link over a fake sender, both chunk senders, the server socket and the reconnect
// policy, each against a recording fake host: no real server, fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReadyMessage } from '../../../protocol/index.ts';
import { AudioLog } from '../../../src/offscreen/audio-log.ts';
import { ChunkLink } from '../../../src/offscreen/session/chunk-link.ts';
import type { ChunkQueue, ChunkSender, LinkHost } from '../../../src/offscreen/session/link.ts';
import { ReconnectPolicy } from '../../../src/offscreen/session/reconnect-policy.ts';
import { RestChunkSender } from '../../../src/offscreen/session/rest-chunk-sender.ts';
import { ServerSocket, type ServerSocketHandlers } from '../../../src/offscreen/session/server-socket.ts';
import { StreamingLink } from '../../../src/offscreen/session/streaming-link.ts';
import type { StreamEvent, StreamState, WebSocketConstructor } from '../../../src/offscreen/session/types.ts';
import { WsChunkSender } from '../../../src/offscreen/session/ws-chunk-sender.ts';

const RATE = 16000;
/** 100 ms of 16 kHz PCM16, every sample `n` (0: silence). */
const pcm = (n: number) => new Int16Array(1600).fill(n);

function fakeHost() {
  const events: StreamEvent[] = [];
  const host = {
    log: new AudioLog(120 * RATE),
    state: 'live' as StreamState,
    emit: (e: StreamEvent) => events.push(e),
    emitStatus: vi.fn(),
    setState(state: StreamState) {
      host.state = state;
      events.push({ type: 'state', state });
    },
    lost: vi.fn(),
    drained: vi.fn(),
  } satisfies LinkHost;
  const captions = () => events.flatMap((e) => (e.type === 'caption' ? [e.caption] : []));
  return { host, events, captions };
}

/** A ServerSocket stand-in: open, recording what is sent. */
function fakeSocket() {
  const binary: ArrayBuffer[] = [];
  const json: { type: string }[] = [];
  const socket = {
    isOpen: true,
    sendBinary: (b: ArrayBuffer) => binary.push(b),
    sendJson: (m: { type: string }) => json.push(m),
    startKeepalive: () => {},
  };
  return { socket: socket as unknown as ServerSocket, raw: socket, binary, json };
}

const ready = (over: Partial<ReadyMessage> = {}): ReadyMessage => ({
  type: 'ready',
  protocol: 2,
  sessionId: 's1',
  resumeToken: 'tok',
  engine: 'sphinx',
  model: 'en-us',
  ...over,
}) as ReadyMessage;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('StreamingLink', () => {
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

/** A sender that only records: the test answers chunks itself. */
function recordingSender() {
  const sender = { dispatch: vi.fn((q: ChunkQueue) => q.chunks.forEach((c) => (c.sent = true))), pause: vi.fn(), answered: vi.fn(), close: vi.fn() } satisfies ChunkSender;
  return sender;
}

const chunker = { minSeconds: 0.1, maxSeconds: 0.2, pauseMs: 20, quietRms: 0.01, sampleRate: RATE };

describe('ChunkLink', () => {
  it('cuts the unconfirmed audio, emits answers in order with overlapping words merged, and confirms them', () => {
    const { host, captions } = fakeHost();
    const sender = recordingSender();
    let seq = 0;
    for (let i = 0; i < 4; i++) host.log.push(pcm(5000));
    const link = new ChunkLink('legacy', host, sender, 7, () => seq++, chunker);
    link.start();
    expect(link.chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 3200],
      [3200, 6400],
    ]);
    // The second answer first: nothing shows until the first is in.
    link.chunks[1].answer = { text: 'the quick brown fox' };
    link.deliver();
    expect(captions()).toEqual([]);
    link.answerOldest({ text: 'hello the quick' });
    expect(captions().map((c) => [c.id, c.text])).toEqual([
      ['7:c0', 'hello the quick'],
      ['7:c1', 'brown fox'],
    ]);
    expect(host.log.acked).toBe(6400);
    expect(sender.answered).toHaveBeenCalledOnce();
  });

  it('a silent chunk needs no request; stop makes the rest a chunk and reports drained once all are answered', () => {
    const { host } = fakeHost();
    const sender = recordingSender();
    let seq = 0;
    const link = new ChunkLink('rest', host, sender, 1, () => seq++, chunker);
    link.start();
    link.push((host.log.push(pcm(0)), pcm(0)));
    link.push((host.log.push(pcm(0)), pcm(0)));
    expect(link.chunks).toEqual([]); // the silent chunk was answered (empty) and confirmed at once
    expect(host.log.acked).toBe(3200);
    host.drained.mockClear();
    link.push((host.log.push(pcm(5000)), pcm(5000)));
    link.stop();
    expect(link.chunks.map((c) => [c.start, c.end, c.sent])).toEqual([[3200, 4800, true]]);
    expect(host.drained).not.toHaveBeenCalled();
    link.answerOldest({ text: 'bye' });
    expect(host.drained).toHaveBeenCalled();
  });

  it('how far behind: unanswered chunks, or all unconfirmed audio while a legacy link has no connection', () => {
    const { host } = fakeHost();
    for (let i = 0; i < 3; i++) host.log.push(pcm(5000));
    const link = new ChunkLink('legacy', host, recordingSender(), 1, () => 0, chunker);
    link.start();
    expect(link.behind(0, true)).toBe(3200);
    expect(link.behind(0, false)).toBe(4800);
  });
});

describe('WsChunkSender', () => {
  it('sends each chunk once as WAV, re-sends the unanswered after a lost connection, and calls a silent server dead', async () => {
    const { host } = fakeHost();
    for (let i = 0; i < 4; i++) host.log.push(pcm(5000));
    const a = fakeSocket();
    const onDead = vi.fn();
    const sender = new WsChunkSender(a.socket, host.log, 1000, onDead);
    const link = new ChunkLink('legacy', host, sender, 1, () => 0, chunker);
    link.start();
    expect(a.binary).toHaveLength(2);
    expect(new TextDecoder().decode(a.binary[0].slice(0, 4))).toBe('RIFF');
    link.dispatch();
    expect(a.binary).toHaveLength(2);
    link.answerOldest({ text: 'one' });
    await vi.advanceTimersByTimeAsync(999);
    expect(onDead).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onDead).toHaveBeenCalledOnce();
    link.pause();
    expect(link.chunks.map((c) => c.sent)).toEqual([false]);
  });
});

describe('RestChunkSender', () => {
  const restOpts = (fetchImpl: typeof fetch) => ({
    url: 'ws://127.0.0.1:1/ws',
    sourceLanguage: 'en',
    token: '',
    fetchImpl,
    maxRestInFlight: 1,
    backoff: { baseMs: 100, maxMs: 100, factor: 2 },
    random: () => 0,
  });

  it('keeps to its request limit, skips a chunk the server rejects, and retries one that failed', async () => {
    const { host, events, captions } = fakeHost();
    for (let i = 0; i < 6; i++) host.log.push(pcm(5000));
    const answers: (() => Response)[] = [
      () => new Response(JSON.stringify({ error: 'bad audio' }), { status: 400 }),
      () => new Response('down', { status: 503 }),
      () => Response.json({ text: 'two' }),
      () => Response.json({ text: 'three' }),
    ];
    let inFlight = 0;
    let most = 0;
    const fetchImpl = (async () => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
      return answers.shift()!();
    }) as typeof fetch;
    const link = new ChunkLink('rest', host, new RestChunkSender(host, restOpts(fetchImpl)), 1, (() => { let s = 0; return () => s++; })(), chunker);
    link.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(events.find((e) => e.type === 'server-error')).toMatchObject({ code: 'rest_rejected' });
    // Chunk 2's 503: reconnecting, retried after the backoff delay (50 ms).
    expect(host.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(60);
    expect(host.state).toBe('live');
    expect(captions().map((c) => c.text)).toEqual(['two', 'three']);
    expect(most).toBe(1);
    expect(host.log.acked).toBe(9600);
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
    ({ onOpen: vi.fn(), onReady: vi.fn(), onOriginalDesign: vi.fn(), onMessage: vi.fn(), onBadFirstMessage: vi.fn(), onClose: vi.fn(), onDead: vi.fn() }) satisfies ServerSocketHandlers;

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
    expect(h.onOriginalDesign).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(h.onOriginalDesign).toHaveBeenCalledOnce();
    s.drop();
    ws.onclose!({ code: 1006, reason: '' });
    s.sendJson({ type: 'stop' });
    expect(h.onClose).not.toHaveBeenCalled();
    expect(ws.sent).toEqual([]);
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

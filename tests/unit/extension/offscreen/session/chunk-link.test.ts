// The chunk link (src/offscreen/session/chunk-link.ts) and its two senders. Through the session:
// an original-protocol server (WAV chunks cut at pauses, answers in order with overlapping
// words merged, re-sent after a drop, a silent server dropped as dead) and POST /transcribe
// (requests at a time, answers in order, retries, rejections). On their own, against a recording
// fake host: the chunk link (chunker, ordered queue, text merge), WsChunkSender, RestChunkSender.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamSessionOptions } from '../../../../../src/offscreen/session/index.ts';
import { ChunkLink } from '../../../../../src/offscreen/session/chunk-link.ts';
import type { ChunkQueue, ChunkSender } from '../../../../../src/offscreen/session/link.ts';
import { RestChunkSender } from '../../../../../src/offscreen/session/rest-chunk-sender.ts';
import { WsChunkSender } from '../../../../../src/offscreen/session/ws-chunk-sender.ts';
import { fakeFetch } from '../../../helpers/fake-rest.ts';
import { fakeHost, fakeSocket, pcm, RATE } from '../../../helpers/session-parts.ts';
import { frame, LOUD, makeSession as makeHarness, READY, SMALL_CHUNKS, tick, withFakeServer, startOnRest as startOnRestAt } from '../../../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7994/ws';
const HTTP_ = 'http://127.0.0.1:7994';

const makeSession = (over: Partial<StreamSessionOptions> = {}) => makeHarness(URL_, over);

const srv = withFakeServer(URL_);

describe('an original-protocol server, through the session', () => {
  it('after the ready timeout sends WAV chunks cut at pauses; each transcription is the next chunk\'s final', async () => {
    const { session, events, captions, states } = makeSession({ readyTimeoutMs: 2000, chunker: SMALL_CHUNKS });
    session.start();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick(100);
    expect(srv().last.frames).toHaveLength(0);
    await tick(2000);
    expect(states()).toEqual(['connecting', 'live']);
    expect(events.find((e) => e.type === 'ready')).toMatchObject({ original: true });
    // One WAV file (RIFF header) holding speech and the start of the pause.
    expect(srv().last.wavs).toHaveLength(1);
    expect(srv().last.wavs[0].samples).toBeGreaterThanOrEqual(3 * 1600);
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(srv().last.wavs).toHaveLength(2);
    srv().send({ type: 'transcription', text: ' first chunk ends here', language: 'en', success: true });
    srv().send({ type: 'transcription', text: 'ends here and the second', success: true });
    await tick();
    // Trimmed, and the words repeated across the cut are shown once.
    expect(captions().map((c) => [c.kind, c.text, c.language])).toEqual([
      ['final', 'first chunk ends here', 'en'],
      ['final', 'and the second', undefined],
    ]);
    expect(session.mode).toBe('original');
    // No keepalives for a server that never said it understands them.
    await tick(25_000);
    expect(srv().last.texts.map((t) => (t as { type: string }).type)).toEqual(['init']);
  });

  it('goes live at once on connection/initialized; stop sends the rest as a last chunk and waits for its answer', async () => {
    const { session, states, captions } = makeSession({ chunker: SMALL_CHUNKS });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'initialized', success: true }));
    };
    session.start();
    await tick();
    expect(session.state).toBe('live');
    session.sendAudio(frame(LOUD));
    const stopped = session.stop();
    await tick();
    expect(srv().last.wavs).toHaveLength(1);
    srv().send({ type: 'transcription', text: 'last words', success: true });
    await stopped;
    expect(states()).toEqual(['connecting', 'live', 'stopping', 'stopped']);
    expect(captions().map((c) => c.text)).toEqual(['last words']);
    expect(srv().last.texts.map((t) => (t as { type: string }).type)).toEqual(['init']);
  });

  it('re-sends unanswered chunks after the original-protocol socket drops', async () => {
    const { session, captions } = makeSession({ chunker: SMALL_CHUNKS });
    srv().onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify({ type: 'connection', status: 'connected' }));
    };
    session.start();
    await tick();
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick();
    expect(srv().last.wavs).toHaveLength(1);
    srv().last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick(1000);
    expect(srv().connections).toHaveLength(2);
    expect(srv().last.wavs).toHaveLength(1);
    srv().send({ type: 'transcription', text: 'not lost', success: true });
    await tick();
    expect(captions().map((c) => c.text)).toEqual(['not lost']);
    expect(session.bufferedSeconds).toBeLessThan(0.2);
  });

  it('a success:false transcription is reported as a server error', async () => {
    const { session, events } = makeSession();
    session.start();
    await tick();
    srv().send(READY);
    srv().send({ type: 'transcription', text: 'model crashed', success: false });
    await tick();
    expect(events).toContainEqual({ type: 'server-error', code: 'engine_error', message: 'model crashed' });
  });

  it('a server that only answers garbage is taken for the original protocol, then dropped as dead when chunks go unanswered', async () => {
    const { session, states } = makeSession({ readyTimeoutMs: 1000, chunkTimeoutMs: 5000, chunker: SMALL_CHUNKS });
    srv().onText = (socket) => socket.send('garbage');
    session.start();
    await tick(1100);
    expect(session.state).toBe('live');
    expect(session.mode).toBe('original');
    for (const v of [LOUD, LOUD, LOUD, 0, 0]) session.sendAudio(frame(v));
    await tick(5100);
    expect(states()).toContain('reconnecting');
  });
});

describe('POST /transcribe, through the session', () => {
  /** No WebSocket endpoint at this address, but HTTP answers. */
  const startOnRest = (f: ReturnType<typeof fakeFetch>, over: Partial<StreamSessionOptions> = {}) => startOnRestAt(srv(), URL_, f, over);

  it('switches to POST /transcribe when the WebSocket fails but HTTP answers; at most 2 in flight; answers shown in order', async () => {
    const f = fakeFetch(HTTP_);
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
    const f = fakeFetch(HTTP_);
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
    const link = new ChunkLink('original', host, sender, 7, () => seq++, chunker);
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

  it('how far behind: unanswered chunks, or all unconfirmed audio while an original-protocol link has no connection', () => {
    const { host } = fakeHost();
    for (let i = 0; i < 3; i++) host.log.push(pcm(5000));
    const link = new ChunkLink('original', host, recordingSender(), 1, () => 0, chunker);
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
    const link = new ChunkLink('original', host, sender, 1, () => 0, chunker);
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

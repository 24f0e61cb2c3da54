// The client side of pushed translations (docs/protocol.md `translation`): init carries the
// target, `ready.translation` is reported, and each `translation` becomes an event keyed by
// the same caption id as its final.
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { StreamSession, type StreamEvent, type WebSocketConstructor } from '../../../src/offscreen/stream-session.ts';

const URL_ = 'ws://127.0.0.1:7998/ws';
let server: Server;
let received: Record<string, unknown>[];
let send: (msg: object) => void;

beforeEach(() => {
  vi.useFakeTimers();
  received = [];
  server = new Server(URL_);
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
    url: URL_,
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

// A StreamSession wired to mock-socket, recording its events, for the unit tests that drive it
// against a FakeServer with fake timers.
import { WebSocket as MockWebSocket } from 'mock-socket';
import { afterEach, beforeEach, vi } from 'vitest';
import { StreamSession, type StreamEvent, type StreamSessionOptions, type WebSocketConstructor } from '../../../src/offscreen/session/index.ts';
import { FakeServer } from './fake-ws-server.ts';

/** One 100 ms frame of 16 kHz PCM16, every sample `n` (tests tell frames apart by it). */
export const frame = (n: number) => new Int16Array(1600).fill(n).buffer;

export const tick = (ms = 20) => vi.advanceTimersByTimeAsync(ms);

/** A sample value loud enough to count as speech for the pause chunker. */
export const LOUD = 8000;
/** Small chunks so tests stay short: a pause of 100 ms after 250 ms of audio ends a chunk. */
export const SMALL_CHUNKS = { minSeconds: 0.25, maxSeconds: 2, pauseMs: 100, quietRms: 0.01, sampleRate: 16000 };
/** Our server's answer to init. */
export const READY = { type: 'ready', sessionId: 's1', protocol: 2, engine: 'sphinx', model: 'en-us', sampleRate: 16000 };
/** A `ready` that offers a resume. */
export const RESUMABLE = { ...READY, resumeToken: 'tok1' };

/**
 * Fake timers and a fresh mock server at `url` around each test of the calling file. Call the
 * result for the current server, or with a new one to replace it (a server that comes back).
 */
export function withFakeServer(url: string): (replacement?: FakeServer) => FakeServer {
  let srv: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    srv = new FakeServer(url);
  });
  afterEach(() => {
    srv.stop();
    vi.useRealTimers();
  });
  return (replacement) => (srv = replacement ?? srv);
}

export function makeSession(url: string, over: Partial<StreamSessionOptions> = {}) {
  const events: StreamEvent[] = [];
  const session = new StreamSession({
    url,
    sourceLanguage: 'auto',
    targetLanguage: '',
    engine: 'sphinx',
    onEvent: (e) => events.push(e),
    WebSocketImpl: MockWebSocket as unknown as WebSocketConstructor,
    random: () => 0.5,
    ...over,
  });
  const of = <T extends StreamEvent['type']>(type: T) => events.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);
  const states = () => of('state').map((e) => e.state);
  const captions = () => of('caption').map((e) => e.caption);
  const lastStatus = () => of('status').at(-1);
  return { session, events, of, states, captions, lastStatus };
}

/** A session started where the WebSocket endpoint is gone but HTTP answers (`f`): it settles on POST /transcribe. */
export async function startOnRest(
  server: FakeServer,
  url: string,
  f: { impl: typeof fetch },
  over: Partial<StreamSessionOptions> = {},
) {
  server.stop();
  const s = makeSession(url, { sourceLanguage: 'en', fetchImpl: f.impl, chunker: SMALL_CHUNKS, ...over });
  s.session.start();
  await tick(2000);
  return s;
}

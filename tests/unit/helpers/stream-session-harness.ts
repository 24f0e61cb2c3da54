// A StreamSession wired to mock-socket, recording its events, for the unit tests that drive it
// against a FakeServer with fake timers.
import { WebSocket as MockWebSocket } from 'mock-socket';
import { vi } from 'vitest';
import { StreamSession, type StreamEvent, type StreamSessionOptions, type WebSocketConstructor } from '../../../src/offscreen/session/index.ts';

/** One 100 ms frame of 16 kHz PCM16, every sample `n` (tests tell frames apart by it). */
export const frame = (n: number) => new Int16Array(1600).fill(n).buffer;

export const tick = (ms = 20) => vi.advanceTimersByTimeAsync(ms);

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

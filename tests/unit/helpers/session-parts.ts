// Fakes for testing the StreamSession's parts on their own (src/offscreen/session/): a recording
// LinkHost, an open ServerSocket stand-in, and a protocol-2 `ready`.
import { vi } from 'vitest';
import type { ReadyMessage } from '../../../protocol/index.ts';
import { AudioLog } from '../../../src/offscreen/session/audio-log.ts';
import type { LinkHost } from '../../../src/offscreen/session/link.ts';
import type { ServerSocket } from '../../../src/offscreen/session/server-socket.ts';
import type { StreamEvent, StreamState } from '../../../src/offscreen/session/types.ts';

export const RATE = 16000;
/** 100 ms of 16 kHz PCM16, every sample `n` (0: silence). */
export const pcm = (n: number) => new Int16Array(1600).fill(n);

export function fakeHost() {
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
export function fakeSocket() {
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

export const ready = (over: Partial<ReadyMessage> = {}): ReadyMessage => ({
  type: 'ready',
  protocol: 2,
  sessionId: 's1',
  resumeToken: 'tok',
  engine: 'sphinx',
  model: 'en-us',
  ...over,
}) as ReadyMessage;

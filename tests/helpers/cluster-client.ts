// The extension's real StreamSession in Node for cluster tests: streams PCM at a chosen pace
// and records what went over the wire (the URL of each connection, every `ready` with its
// node, busy errors), so a test can tell which node served it and whether it moved.
import WebSocket from 'ws';
import { StreamSession, type StreamEvent, type WebSocketConstructor } from '../../src/offscreen/session/index.ts';
import { parseServerMessage, type ReadyMessage } from '../../protocol/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WireRecord {
  urls: string[];
  readies: ReadyMessage[];
  errors: { code: string; fatal: boolean; retryAfterMs?: number; at: number }[];
}

/** A `ws` WebSocket class that records URLs and server messages into `rec`. */
function recordingWebSocket(rec: WireRecord): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      rec.urls.push(url);
      this.on('message', (data, isBinary) => {
        if (isBinary) return;
        const parsed = parseServerMessage(String(data));
        if (!parsed.ok) return;
        const m = parsed.value;
        if (m.type === 'ready') rec.readies.push(m);
        if (m.type === 'error') rec.errors.push({ code: m.code, fatal: m.fatal, ...(m.retryAfterMs !== undefined ? { retryAfterMs: m.retryAfterMs } : {}), at: Date.now() });
      });
    }
  } as unknown as WebSocketConstructor;
}

export interface StreamRun {
  transcript: string;
  events: StreamEvent[];
  wire: WireRecord;
  /** Epoch ms of each `ready` event the session emitted. */
  readyAt: number[];
}

export interface StreamOptions {
  url: string;
  pcm: Int16Array;
  /** Audio seconds per wall-clock second (1: real time). */
  speed: number;
  /** Called once `atSeconds` of audio have been sent. */
  fault?: { atSeconds: number; run: () => void };
  /** More of them, in order of time. */
  faults?: { atSeconds: number; run: () => void }[];
  /** Resolves when the session may stop (after all audio is sent); default: at once. */
  until?: () => Promise<void>;
}

/** Streams `pcm` through a StreamSession, then stops it once everything is sent and live. */
export async function streamThrough(o: StreamOptions): Promise<StreamRun> {
  const wire: WireRecord = { urls: [], readies: [], errors: [] };
  const events: StreamEvent[] = [];
  const readyAt: number[] = [];
  const session = new StreamSession({
    url: o.url,
    sourceLanguage: 'en',
    targetLanguage: '',
    engine: 'sphinx',
    WebSocketImpl: recordingWebSocket(wire),
    // A busy node may be many seconds behind after a move: wait for its last finals.
    stopTimeoutMs: 120_000,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'ready') readyAt.push(Date.now());
    },
  });
  session.start();
  const frame = 1600;
  const frameMs = (frame / 16000 / o.speed) * 1000;
  const t0 = Date.now();
  let sent = 0;
  const faults = [...(o.fault ? [o.fault] : []), ...(o.faults ?? [])];
  for (let i = 0; i < o.pcm.length; i += frame) {
    while (faults.length && sent >= faults[0]!.atSeconds * 16000) faults.shift()!.run();
    session.sendAudio(o.pcm.slice(i, i + frame).buffer);
    sent += Math.min(frame, o.pcm.length - i);
    // Paced against the clock, not per frame: timers drift under load.
    const due = t0 + (sent / 16000 / o.speed) * 1000;
    await sleep(Math.max(0, Math.min(frameMs * 2, due - Date.now())));
  }
  await o.until?.();
  const deadline = Date.now() + 90_000;
  while ((session.state !== 'live' || session.bufferedSeconds > 0) && Date.now() < deadline) await sleep(200);
  await session.stop();
  const finals = new Map<string, string>();
  for (const e of events) if (e.type === 'caption' && e.caption.kind === 'final') finals.set(e.caption.id, e.caption.text);
  return { transcript: [...finals.values()].filter(Boolean).join(' '), events, wire, readyAt };
}

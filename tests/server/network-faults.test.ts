// The extension's real StreamSession (over the `ws` package's WebSocket, which has the browser
// API) against the real server through a loopback TCP proxy that drops or stalls the
// connection mid-speech. The session must notice, resume the server's session and lose no
// word: compared with the same client on a clean connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamSession, type StreamEvent, type WebSocketConstructor } from '../../src/offscreen/session/index.ts';
import { alignWords, deletionRuns, repeatedNgrams } from '../helpers/align.ts';
import { recording } from '../helpers/fixtures.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-librivox-0920'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  transcript: string;
  events: StreamEvent[];
  faultAt: number | null;
  reconnectingAt: number | null;
}

describe('network faults between the session and the real server', () => {
  let server: RunningServer;
  let proxy: TcpProxy;
  let pcm: Int16Array;
  let reference: string;

  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx']);
    proxy = await startTcpProxy(server.port);
    ({ pcm, reference } = recording(CLIPS));
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  /** Streams the recording at twice real time; `fault` runs 4 s into it (mid-phrase). */
  async function run(fault?: () => void): Promise<Run> {
    const events: StreamEvent[] = [];
    const out: Run = { transcript: '', events, faultAt: null, reconnectingAt: null };
    let resumedAt: number | null = null;
    const session = new StreamSession({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      sourceLanguage: 'en',
      targetLanguage: '',
      engine: 'sphinx',
      WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'state' && e.state === 'reconnecting' && out.faultAt && !out.reconnectingAt) out.reconnectingAt = Date.now();
        if (e.type === 'ready' && out.reconnectingAt) resumedAt = Date.now();
      },
    });
    session.start();
    const frame = 1600;
    for (let i = 0; i < pcm.length; i += frame) {
      if (fault && out.faultAt === null && i >= 4 * 16000) {
        out.faultAt = Date.now();
        fault();
      }
      session.sendAudio(pcm.slice(i, i + frame).buffer);
      await sleep(50);
    }
    // A fault must have been noticed and the session be back, with everything sent; then Stop
    // makes the server finish every segment.
    const until = Date.now() + 60_000;
    const recovered = () => !fault || resumedAt !== null;
    while ((!recovered() || session.state !== 'live' || session.bufferedSeconds > 0) && Date.now() < until) await sleep(200);
    await session.stop();
    const finals = new Map<string, string>();
    for (const e of events) if (e.type === 'caption' && e.caption.kind === 'final') finals.set(e.caption.id, e.caption.text);
    out.transcript = [...finals.values()].filter(Boolean).join(' ');
    return out;
  }

  function judge(name: string, clean: Run, faulty: Run) {
    const a = alignWords(reference, faulty.transcript);
    const b = alignWords(reference, clean.transcript);
    const lost = deletionRuns(a.status, 3)
      .flat()
      .filter((i) => b.status[i] === 'match');
    const repeated = repeatedNgrams(a.hyp, [a.ref, b.hyp]);
    const resumed = faulty.events.filter((e) => e.type === 'ready').map((e) => (e as { resumed?: boolean }).resumed);
    const detectSeconds = faulty.reconnectingAt && faulty.faultAt ? (faulty.reconnectingAt - faulty.faultAt) / 1000 : null;
    console.log(`[faults] ${name}:`, JSON.stringify({ detectSeconds, resumed, wordsLost: lost.length, repeated, clean: clean.transcript, faulty: faulty.transcript }, null, 2));
    return { lost, repeated, resumed, detectSeconds };
  }

  let clean: Run;

  it('clean connection (the yardstick)', async () => {
    clean = await run();
    expect(clean.transcript.split(' ').length).toBeGreaterThan(20);
  });

  it('connection reset mid-speech: resumes the same server session, no word lost or repeated', async () => {
    const faulty = await run(() => proxy.dropAll());
    const { lost, repeated, resumed } = judge('reset', clean, faulty);
    expect(resumed).toEqual([undefined, true]);
    expect(lost).toEqual([]);
    expect(repeated).toEqual([]);
  });

  it('stalled socket (open, nothing gets through): detected by the keepalive within seconds, then resumed without loss', async () => {
    const faulty = await run(() => proxy.stallAll());
    const { lost, repeated, resumed, detectSeconds } = judge('stall', clean, faulty);
    // keepalive every 5 s + 4 s for its answer
    expect(detectSeconds).not.toBeNull();
    expect(detectSeconds!).toBeLessThanOrEqual(10);
    expect(resumed).toEqual([undefined, true]);
    expect(lost).toEqual([]);
    expect(repeated).toEqual([]);
  });
});

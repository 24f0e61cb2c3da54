// The extension's own clients (StreamSession over `ws`, the REST fallback's transcribeWav) against
// the real server started with --token: the right token gets in, a wrong one gets a clear,
// final error instead of endless reconnects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamSession, type StreamEvent, type WebSocketConstructor } from '../../src/offscreen/session/index.ts';
import { RestError, transcribeWav } from '../../src/offscreen/session/rest-transcribe.ts';
import { encodeWav, realClips } from '../helpers/fixtures.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';

const TOKEN = 'correct-horse-battery-staple';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx', '--token', TOKEN]);
});
afterAll(async () => {
  await server?.stop();
});

function session(token: string | undefined, events: StreamEvent[]) {
  return new StreamSession({
    url: server.wsUrl,
    sourceLanguage: 'en',
    targetLanguage: '',
    engine: 'sphinx',
    token,
    WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
    onEvent: (e) => events.push(e),
  });
}

async function until(cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
}

describe('server token, from the extension side', () => {
  it('StreamSession with the token: ready, and captions for real speech', async () => {
    const events: StreamEvent[] = [];
    const s = session(TOKEN, events);
    s.start();
    await until(() => s.state === 'live');
    expect(s.state).toBe('live');
    const pcm = realClips().find((c) => c.id === 'en-LJ001-0001')!.pcm;
    for (let i = 0; i < pcm.length; i += 1600) s.sendAudio(pcm.slice(i, i + 1600).buffer);
    await s.stop();
    const finals = events.filter((e) => e.type === 'caption' && e.caption.kind === 'final');
    expect(finals.length).toBeGreaterThan(0);
  });

  it('StreamSession with a wrong token: a clear error, and it gives up', async () => {
    const events: StreamEvent[] = [];
    const s = session('wrong', events);
    s.start();
    await until(() => s.state === 'error');
    expect(s.state).toBe('error');
    const last = events.filter((e) => e.type === 'state').at(-1) as Extract<StreamEvent, { type: 'state' }>;
    expect(last.reason ?? '').toMatch(/token/i);
    await s.stop();
  });

  it('REST fallback: the Bearer token is sent; without it the server refuses for good (401, not retried)', async () => {
    const clip = realClips().find((c) => c.id === 'en-LJ001-0001')!;
    const wav = encodeWav(clip.pcm, 16000);
    const body = wav.buffer.slice(wav.byteOffset, wav.byteOffset + wav.byteLength) as ArrayBuffer;
    const ok = await transcribeWav(server.wsUrl, body, 'en', fetch, undefined, TOKEN);
    expect(ok.text.length).toBeGreaterThan(0);
    const refused = await transcribeWav(server.wsUrl, body, 'en', fetch).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RestError);
    expect((refused as RestError).retryable).toBe(false);
    expect((refused as RestError).message).toMatch(/unauthorized/);
  });
});

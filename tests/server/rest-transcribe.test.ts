// POST /transcribe on the real server: real speech in a WAV upload gives its text, and every
// kind of bad upload gets a clear JSON error with the right status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { encodeWav, joinWithSilence, realClips, type Clip } from '../helpers/fixtures.ts';
import { wordErrorRate } from '../helpers/wer.ts';

let server: RunningServer;
let clips: Clip[];
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx']);
  clips = realClips();
});
afterAll(async () => {
  await server?.stop();
});

function upload(url: string, file: Blob | string | null, extra: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  if (typeof file === 'string') form.append('file', file);
  else if (file !== null) form.append('file', file, 'audio.wav');
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return fetch(`${url}/transcribe`, { method: 'POST', body: form });
}

const wavBlob = (pcm: Int16Array, rate = 16000, channels = 1) => new Blob([new Uint8Array(encodeWav(pcm, rate, channels))], { type: 'audio/wav' });

/** 16 kHz mono → `rate` Hz stereo by sample-and-hold: good enough to exercise the resampler. */
function toRateStereo(pcm: Int16Array, rate: number): Int16Array {
  const n = Math.floor((pcm.length * rate) / 16000);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) out[2 * i] = out[2 * i + 1] = pcm[Math.floor((i * 16000) / rate)]!;
  return out;
}

describe('POST /transcribe', () => {
  it('transcribes real speech from a WAV upload', async () => {
    const clip = clips.find((c) => c.id === 'en-jfk')!;
    const res = await upload(server.httpUrl, wavBlob(joinWithSilence([clip.pcm], 0.5)), { language: 'en' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, language: 'en' });
    expect(body.duration).toBeCloseTo((clip.pcm.length + 8000) / 16000, 2);
    const wer = wordErrorRate(clip.text, body.text);
    console.log(`REST jfk: WER ${(wer * 100).toFixed(1)}%: "${body.text}"`);
    expect(wer).toBeLessThan(0.75); // the streaming test's bound for this hard clip
  });

  it('takes 44.1 kHz stereo and gives the same kind of text', async () => {
    const clip = clips.find((c) => c.id === 'en-LJ001-0001')!;
    const res = await upload(server.httpUrl, wavBlob(toRateStereo(clip.pcm, 44100), 44100, 2));
    const body = await res.json();
    expect(res.status).toBe(200);
    const wer = wordErrorRate(clip.text, body.text);
    console.log(`REST LJ001-0001 at 44.1 kHz stereo: WER ${(wer * 100).toFixed(1)}%: "${body.text}"`);
    expect(wer).toBeLessThan(0.5);
  });

  it('answers silence with empty text', async () => {
    const res = await upload(server.httpUrl, wavBlob(new Int16Array(16000)));
    expect(await res.json()).toMatchObject({ success: true, text: '', duration: 1 });
  });

  it.each([
    ['not multipart', () => fetch(`${server.httpUrl}/transcribe`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } }), /multipart\/form-data/],
    ['malformed multipart', () => fetch(`${server.httpUrl}/transcribe`, { method: 'POST', body: 'garbage', headers: { 'content-type': 'multipart/form-data; boundary=xyz' } }), /malformed/],
    ['no file field', () => upload(server.httpUrl, null, { language: 'en' }), /"file"/],
    ['file as a plain string', () => upload(server.httpUrl, 'RIFF'), /"file"/],
    ['not a WAV', () => upload(server.httpUrl, new Blob(['just some text, not audio'])), /not a 16-bit PCM WAV/],
    ['too long', () => upload(server.httpUrl, wavBlob(new Int16Array(8000 * 61), 8000)), /too long.*60 s/],
    ['rate too high', () => upload(server.httpUrl, wavBlob(new Int16Array(96000), 96000)), /96000 Hz is not supported/],
    ['bad language', () => upload(server.httpUrl, wavBlob(new Int16Array(1600)), { language: '<x>' }), /language/],
    ['language the engine lacks', () => upload(server.httpUrl, wavBlob(new Int16Array(1600)), { language: 'es' }), /en only/],
  ])('%s: 400 with a clear message', async (_name, send, message) => {
    const res = await send();
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.success).toBe(false);
    expect(body.error).toMatch(message);
  });

  it('a body over 8 MiB: 413', async () => {
    const res = await upload(server.httpUrl, wavBlob(new Int16Array(4.5 * 1024 * 1024)));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ success: false, error: expect.stringMatching(/8 MiB/) });
  });

  it('counts against the session limit: 503 when full', async () => {
    const small = await startServer(['--engine', 'sphinx', '--max-sessions', '1']);
    try {
      const c = await TestClient.connect(small.wsUrl);
      c.send({ type: 'init', engine: 'sphinx', protocol: 2 });
      await c.waitType('ready');
      const res = await upload(small.httpUrl, wavBlob(new Int16Array(1600)));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ success: false, error: expect.stringMatching(/limit of 1/) });
      c.close();
      await c.closed;
      await new Promise((r) => setTimeout(r, 200));
      expect((await upload(small.httpUrl, wavBlob(new Int16Array(1600)))).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});

// GET /metrics after real speech: Prometheus text with sessions, audio, finals, partials,
// errors by code, end-of-speech → final latency and the engine's real-time factor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { TestClient } from '../helpers/ws-client.ts';
import { joinWithSilence, realClips, streamPcm } from '../helpers/fixtures.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx']);
});
afterAll(async () => {
  await server?.stop();
});

/** The value of one sample line (`name{labels} value`), or null. */
function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  if (!line) return null;
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function scrape(): Promise<string> {
  const res = await fetch(`${server.httpUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  return res.text();
}

describe('GET /metrics', () => {
  it('counts sessions, audio, captions, errors, latency and real-time factor', async () => {
    const clip = realClips()[0]!;
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2 });
    await c.waitType('ready');
    c.sendBinary(new Uint8Array(3)); // one odd_length error, counted by code
    await c.waitFor((m) => m.type === 'error' && m.code === 'odd_length');

    const during = await scrape();
    expect(sample(during, 'captions_sessions')).toBe(1);

    // Real time: the pipeline skips partials while it is behind, so a faster feed on a busy
    // machine can legitimately produce none.
    await streamPcm((f) => c.sendBinary(f), joinWithSilence([clip.pcm], 1.5), { frameMs: 100, speed: 1 });
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    await c.closed;
    expect(c.ofType('final').length).toBeGreaterThan(0);

    const text = await scrape();
    expect(sample(text, 'captions_audio_received_seconds_total')).toBeGreaterThan(clip.pcm.length / 16000);
    expect(sample(text, 'captions_finals_total')).toBeGreaterThanOrEqual(c.ofType('final').length);
    expect(sample(text, 'captions_partials_total')).toBe(c.ofType('partial').length);
    expect(sample(text, 'captions_partials_total')).toBeGreaterThan(0);
    expect(text).toMatch(/captions_errors_total\{code="odd_length"\} 1\n/);
    expect(sample(text, 'captions_final_latency_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'captions_final_latency_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'captions_engine_real_time_factor_count')).toBeGreaterThan(0);
    expect(sample(text, 'captions_engine_real_time_factor_sum')).toBeGreaterThan(0);
    expect(text).toMatch(/# TYPE captions_final_latency_seconds histogram/);
    expect(sample(text, 'captions_process_resident_memory_bytes')).toBeGreaterThan(0);

    // The session is gone once closed.
    for (let i = 0; i < 50 && sample(await scrape(), 'captions_sessions') !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sample(await scrape(), 'captions_sessions')).toBe(0);
  });
});

// The server's Opus path (init.audio.encoding "opus") over a real WebSocket: bad packets get
// clear non-fatal errors and lose nothing else. Real speech in Opus from the extension's
// encoder in Chromium is tested in tests/e2e/opus-wire.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { TestClient } from '../helpers/ws-client.ts';

const OPUS_INIT = { type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2, audio: { encoding: 'opus', sampleRate: 16000, channels: 1 } };
/** A valid 20 ms Opus packet (CELT, fullband, silence): TOC 0xF8 then an all-silence frame. */
const SILENT_PACKET = Uint8Array.from([0xf8, 0xff, 0xfe]);

describe('Opus audio', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--engine', 'sphinx']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('decodes valid packets and reports bad ones without ending the session', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send(OPUS_INIT);
    await c.waitType('ready', 60_000);
    for (let i = 0; i < 50; i++) c.sendBinary(SILENT_PACKET); // 1 s of silence
    c.sendBinary(new Uint8Array(0));
    c.sendBinary(new Uint8Array(9000));
    c.sendBinary(Uint8Array.from([0x03])); // code-3 packet without its frame count byte
    for (let i = 0; i < 50; i++) c.sendBinary(SILENT_PACKET);
    c.send({ type: 'stop' });
    await c.waitType('done', 60_000);
    const errors = c.ofType('error');
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([
      ['unsupported_audio', false],
      ['frame_too_large', false],
      ['unsupported_audio', false],
    ]);
    expect(errors[0]!.message).toMatch(/empty Opus packet/);
    expect(errors[2]!.message).toMatch(/Opus packet could not be decoded/);
    expect(c.ofType('final').filter((f) => f.text)).toEqual([]); // silence has no words
  });

  it('a resumed connection is a new Opus stream: a fresh decoder drops its look-ahead again', async () => {
    // Each 20 ms packet decodes to 320 samples; each stream's first 104 (6.5 ms look-ahead) go.
    const LOOKAHEAD = 104;
    const a = await TestClient.connect(server.wsUrl);
    a.send(OPUS_INIT);
    const ready = await a.waitType('ready', 60_000);
    for (let i = 0; i < 25; i++) a.sendBinary(SILENT_PACKET);
    a.send({ type: 'keepalive' });
    await a.waitType('pong'); // the server has read every packet before it (decoding may still run)
    a.terminate();
    await a.closed;

    const resume = async (lastSent: number) => {
      const c = await TestClient.connect(server.wsUrl);
      c.send({ ...OPUS_INIT, resume: { sessionId: ready.sessionId, token: ready.resumeToken, audioOffset: lastSent, lastSegmentId: -1 } });
      return { c, ready: await c.waitType('ready', 30_000) };
    };
    const b = await resume(25 * 320);
    expect(b.ready).toMatchObject({ resumed: true, receivedSamples: 25 * 320 - LOOKAHEAD });
    for (let i = 0; i < 10; i++) b.c.sendBinary(SILENT_PACKET);
    b.c.send({ type: 'keepalive' });
    await b.c.waitType('pong');
    // Packets read before the drop all count: the server finishes decoding them before it answers the resume.
    b.c.terminate();
    await b.c.closed;
    const c = await resume(35 * 320);
    expect(c.ready).toMatchObject({ resumed: true, receivedSamples: 35 * 320 - 2 * LOOKAHEAD });
    expect([...a.ofType('error'), ...b.c.ofType('error'), ...c.c.ofType('error')]).toEqual([]);
    c.c.send({ type: 'stop' });
    await c.c.waitType('done', 60_000);
  });

  it('refuses Opus at a rate an Opus encoder does not take, then takes a good init', async () => {
    const c = await TestClient.connect(server.wsUrl);
    c.send({ ...OPUS_INIT, audio: { encoding: 'opus', sampleRate: 44100, channels: 1 } });
    const err = await c.waitType('error');
    expect(err).toMatchObject({ code: 'unsupported_audio' });
    expect(err.message).toMatch(/8000, 12000, 16000, 24000, 48000/);
    c.send(OPUS_INIT);
    await c.waitType('ready', 60_000);
    c.close();
  });
});

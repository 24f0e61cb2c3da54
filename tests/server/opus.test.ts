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

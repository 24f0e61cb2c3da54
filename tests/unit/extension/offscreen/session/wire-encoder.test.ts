// The wire encoder (src/offscreen/session/wire-encoder.ts), Opus on the wire: a StreamSession
// against a mock WebSocket server with a fake encoder that labels its packets. Frames go through
// the encoder, every connection gets a fresh encoder fed from the sample the server reports, stop
// waits for the encoder's last packets, and a server or browser without Opus falls back to PCM16
// without losing audio.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WireEncoder, WireEncoderFactory } from '../../../../../src/offscreen/session/index.ts';
import { FakeServer } from '../../../helpers/fake-ws-server.ts';
import { frame, makeSession, tick } from '../../../helpers/stream-session-harness.ts';

const URL_ = 'ws://127.0.0.1:7991/ws';
const READY = { type: 'ready', sessionId: 's1', protocol: 2, engine: 'sphinx', model: 'en-us', sampleRate: 16000, resumeToken: 'tok1' };
/** A packet from the fake encoder, as the server's frame recorder reads it (Int16 values). */
const PACKET = -1;
const TAIL = -2;

/** Encodes each frame into one "packet" [PACKET, encoder#, first sample]; flush adds [TAIL, encoder#]. */
class FakeOpus {
  made: { id: number; closed: boolean; fed: number[]; fail?: (e: Error) => void }[] = [];
  factory: WireEncoderFactory = (onPacket, onError) => {
    const rec = { id: this.made.length + 1, closed: false, fed: [] as number[], fail: onError };
    this.made.push(rec);
    const enc: WireEncoder = {
      encode: (pcm) => {
        rec.fed.push(pcm[0]!);
        onPacket(Int16Array.from([PACKET, rec.id, pcm[0]!]).buffer);
      },
      flush: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            onPacket(Int16Array.from([TAIL, rec.id]).buffer);
            resolve();
          }, 5),
        ),
      close: () => {
        rec.closed = true;
      },
    };
    return enc;
  };
}

let srv: FakeServer;
let opus: FakeOpus;
beforeEach(() => {
  vi.useFakeTimers();
  srv = new FakeServer(URL_);
  opus = new FakeOpus();
});
afterEach(() => {
  srv.stop();
  vi.useRealTimers();
});

describe('Opus on the wire', () => {
  it('asks for Opus in init and sends every frame through the encoder, none as raw PCM', async () => {
    const { session, of } = makeSession(URL_, { createOpusEncoder: opus.factory });
    srv.onText = (socket, msg) => msg.type === 'init' && socket.send(JSON.stringify(READY));
    session.start();
    session.sendAudio(frame(1)); // before ready: kept, encoded once the server is ready
    await tick();
    session.sendAudio(frame(2));
    await tick();
    expect(srv.last.texts[0]).toMatchObject({ type: 'init', audio: { encoding: 'opus', sampleRate: 16000, channels: 1 } });
    expect(srv.last.frames).toEqual([
      [PACKET, 1, 1],
      [PACKET, 1, 2],
    ]);
    expect(of('ready')[0]).toMatchObject({ encoding: 'opus' });
    expect(session.audioEncoding).toBe('opus');
  });

  it('gives each connection a fresh encoder, fed from the sample the server reports', async () => {
    const { session } = makeSession(URL_, { createOpusEncoder: opus.factory });
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      socket.send(JSON.stringify(msg.resume ? { ...READY, resumed: true, receivedSamples: 1600 } : READY));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv.last.socket.close({ code: 1006, reason: '', wasClean: false });
    await tick();
    expect(opus.made[0]!.closed).toBe(true); // its held-back audio is not counted by the server: re-sent below
    session.sendAudio(frame(4)); // during the outage
    await tick(1000);
    expect(srv.connections).toHaveLength(2);
    expect(srv.last.texts[0]).toMatchObject({ audio: { encoding: 'opus' }, resume: { sessionId: 's1' } });
    // The server decoded 1600 samples (frame 1): a new Opus stream starts at frame 2.
    expect(opus.made.map((e) => e.fed)).toEqual([
      [1, 2, 3],
      [2, 3, 4],
    ]);
    expect(srv.last.frames).toEqual([
      [PACKET, 2, 2],
      [PACKET, 2, 3],
      [PACKET, 2, 4],
    ]);
  });

  it('stop waits for the encoder to flush its last packets, then sends stop', async () => {
    const { session, states } = makeSession(URL_, { createOpusEncoder: opus.factory });
    srv.onText = (socket, msg) => {
      if (msg.type === 'init') socket.send(JSON.stringify(READY));
      if (msg.type === 'stop') socket.send(JSON.stringify({ type: 'done' }));
    };
    session.start();
    await tick();
    session.sendAudio(frame(1));
    const stopped = session.stop();
    await tick(50);
    await stopped;
    expect(srv.last.received).toEqual(['text', 'binary', 'binary', 'text']);
    expect(srv.last.frames.at(-1)).toEqual([TAIL, 1]);
    expect(srv.last.texts.at(-1)).toEqual({ type: 'stop' });
    expect(states().at(-1)).toBe('stopped');
    expect(opus.made[0]!.closed).toBe(true);
  });

  it('a server without Opus refuses init: asks again with PCM16 and says so', async () => {
    const { session, of } = makeSession(URL_, { createOpusEncoder: opus.factory });
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      const audio = msg.audio as { encoding: string };
      if (audio.encoding !== 'pcm_s16le') {
        socket.send(JSON.stringify({ type: 'error', code: 'unsupported_audio', message: 'audio encoding "opus" is not supported', fatal: false, success: false }));
      } else socket.send(JSON.stringify(READY));
    };
    session.start();
    session.sendAudio(frame(1));
    await tick();
    session.sendAudio(frame(2));
    await tick();
    expect(srv.connections).toHaveLength(1);
    expect(srv.last.texts.map((m) => (m as { audio: { encoding: string } }).audio.encoding)).toEqual(['opus', 'pcm_s16le']);
    expect(srv.last.frames.map((f) => [f[0], f.length])).toEqual([
      [1, 1600],
      [2, 1600],
    ]);
    expect(opus.made).toEqual([]);
    expect(of('notice').map((e) => e.message)).toEqual(['The server does not take Opus audio; sending uncompressed audio instead']);
    expect(of('server-error')).toEqual([]); // not shown as a server fault
    expect(of('ready')[0]).toMatchObject({ encoding: 'pcm_s16le' });
    expect(session.audioEncoding).toBe('pcm_s16le');
  });

  it('an encoder that fails mid-session: a new PCM16 session fed from the end of the last final', async () => {
    const { session, of, captions } = makeSession(URL_, { createOpusEncoder: opus.factory });
    let sessions = 0;
    srv.onText = (socket, msg) => {
      if (msg.type !== 'init') return;
      sessions++;
      socket.send(JSON.stringify({ ...READY, sessionId: `s${sessions}`, resumeToken: `tok${sessions}` }));
    };
    session.start();
    await tick();
    for (const n of [1, 2, 3]) session.sendAudio(frame(n));
    await tick();
    srv.send({ type: 'final', segmentId: 0, text: 'one', start: 0, end: 0.1 });
    await tick();
    opus.made[0]!.fail!(new Error('EncodingError: encoder crashed'));
    await tick(1000);
    expect(srv.connections).toHaveLength(2);
    const init = srv.last.texts[0] as Record<string, unknown>;
    expect(init).toMatchObject({ audio: { encoding: 'pcm_s16le' } });
    expect(init.resume).toBeUndefined(); // the Opus session cannot take PCM16
    expect(srv.last.frames.map((f) => [f[0], f.length])).toEqual([
      [2, 1600],
      [3, 1600],
    ]);
    session.sendAudio(frame(4));
    await tick();
    expect(srv.last.frames.at(-1)![0]).toBe(4);
    expect(opus.made).toHaveLength(1);
    expect(opus.made[0]!.closed).toBe(true);
    expect(of('notice').map((e) => e.message)).toEqual(['Opus encoding failed in this browser; sending uncompressed audio instead']);
    expect(captions().map((c) => [c.kind, c.id, c.text])).toEqual([['final', '1:0', 'one']]);
  });

  it('an encoder that cannot even be created falls back the same way', async () => {
    const { session, of } = makeSession(URL_, {
      createOpusEncoder: () => {
        throw new Error('NotSupportedError: opus');
      },
    });
    srv.onText = (socket, msg) => msg.type === 'init' && socket.send(JSON.stringify(READY));
    session.start();
    await tick();
    session.sendAudio(frame(1));
    await tick(1000);
    expect(srv.connections.map((c) => (c.texts[0] as { audio: { encoding: string } }).audio.encoding)).toEqual(['opus', 'pcm_s16le']);
    expect(srv.last.frames.map((f) => f[0])).toEqual([1]);
    expect(of('notice')).toHaveLength(1);
    expect(session.state).toBe('live');
  });
});

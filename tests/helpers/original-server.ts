// A test double of an original-protocol transcription server (FastAPI + faster-whisper),
// written from its description in issue 5 and docs/protocol.md ("Original protocol"):
//
// - WebSocket `/ws`: sends `{"type":"connection","status":"connected"}` on connect and
//   `{"type":"connection","status":"initialized","sessionId":…,"success":true}` after `init`
//   (whatever else init holds: it knows no protocol 2, no resume). Each binary frame must be a
//   complete audio file (a WAV with header: it transcribes each frame on its own) and gets one
//   `{"type":"transcription","text":" …","language":"en","language_probability":0.98,"success":true}`
//   (faster-whisper's text starts with a space), or `{"type":"error","message":…,"success":false}`.
//   It sends no pong, and ignores `keepalive`.
// - `POST /transcribe` (multipart field `file` = WAV, optional `language`):
//   `{"success":true,"text":…,"language":…}`.
// - With `ws: false`, an upgrade on `/ws` gets HTTP 404 (the REST-only deployment).
//
// The words come from a real engine: the double hands each WAV to our real server's
// POST /transcribe (sphinx), so captions in tests are real transcriptions, not canned text.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface OriginalServerOptions {
  /** Our real server's http URL: its POST /transcribe does the recognition. */
  engineUrl: string;
  /** Serve the WebSocket endpoint (false: upgrades get 404). Can be changed at run time. */
  ws?: boolean;
}

export interface WavFrameInfo {
  at: number;
  seconds: number;
  via: 'ws' | 'rest';
}

export interface OriginalServer {
  port: number;
  wsUrl: string;
  httpUrl: string;
  /** Every WAV received, in order (ws frames and REST uploads). */
  received: WavFrameInfo[];
  /** Binary ws frames that were not a WAV file. */
  rejectedFrames: number;
  /** Most REST requests in progress at the same time. */
  maxConcurrentRest: number;
  /** Text messages received on ws, by type. */
  textTypes: string[];
  setWs(on: boolean): void;
  close(): Promise<void>;
}

/** Duration of a 16-bit PCM WAV, or null when the bytes are not one. */
export function wavSeconds(buf: Buffer): number | null {
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let off = 12;
  let rate = 0;
  let blockAlign = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      rate = buf.readUInt32LE(off + 12);
      blockAlign = buf.readUInt16LE(off + 20);
    } else if (id === 'data') {
      return rate && blockAlign ? Math.min(size, buf.length - off - 8) / blockAlign / rate : null;
    }
    off += 8 + size + (size % 2);
  }
  return null;
}

export async function startOriginalServer(opts: OriginalServerOptions): Promise<OriginalServer> {
  let wsOn = opts.ws ?? true;
  let restActive = 0;
  const state: Pick<OriginalServer, 'received' | 'rejectedFrames' | 'maxConcurrentRest' | 'textTypes'> = {
    received: [],
    rejectedFrames: 0,
    maxConcurrentRest: 0,
    textTypes: [],
  };

  async function transcribe(wav: Buffer, language: string): Promise<{ text: string; language: string }> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'audio.wav');
    if (language && language !== 'auto') form.append('language', language);
    const res = await fetch(`${opts.engineUrl}/transcribe`, { method: 'POST', body: form });
    const body = (await res.json()) as { success: boolean; text?: string; language?: string; error?: string };
    if (!body.success) throw new Error(body.error ?? `engine answered ${res.status}`);
    // faster-whisper's segments start with a space; the original server passes that on.
    return { text: body.text ? ` ${body.text}` : '', language: body.language ?? 'en' };
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/transcribe') {
      restActive++;
      state.maxConcurrentRest = Math.max(state.maxConcurrentRest, restActive);
      try {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const request = new Request('http://x/transcribe', { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
        const form = await request.formData();
        const file = form.get('file');
        if (!(file instanceof Blob)) throw new Error('no file');
        const wav = Buffer.from(await file.arrayBuffer());
        const seconds = wavSeconds(wav);
        if (seconds === null) throw new Error('file is not a WAV');
        state.received.push({ at: Date.now(), seconds, via: 'rest' });
        const lang = form.get('language');
        const out = await transcribe(wav, typeof lang === 'string' ? lang : 'auto');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, text: out.text, language: out.language }));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ success: false, error: String(err) }));
      } finally {
        restActive--;
      }
      return;
    }
    // FastAPI answers unknown routes (and a plain GET on a WebSocket route) with 404.
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Socket, head) => {
    if (!wsOn || new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  function onSocket(ws: WebSocket): void {
    let language = 'auto';
    // Frames are transcribed one after another, answers in frame order.
    let queue = Promise.resolve();
    ws.send(JSON.stringify({ type: 'connection', status: 'connected' }));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(data.toString());
        } catch {
          ws.send(JSON.stringify({ type: 'error', message: 'invalid JSON', success: false }));
          return;
        }
        state.textTypes.push(String(msg.type));
        if (msg.type === 'init') {
          language = typeof msg.sourceLanguage === 'string' ? msg.sourceLanguage : 'auto';
          ws.send(JSON.stringify({ type: 'connection', status: 'initialized', sessionId: `orig-${Date.now()}`, success: true }));
        }
        return; // keepalive and anything else: no answer (no pong in the original protocol)
      }
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      const seconds = wavSeconds(buf);
      queue = queue.then(async () => {
        if (seconds === null) {
          state.rejectedFrames++;
          ws.send(JSON.stringify({ type: 'error', message: 'could not decode audio', success: false }));
          return;
        }
        state.received.push({ at: Date.now(), seconds, via: 'ws' });
        try {
          const out = await transcribe(buf, language);
          ws.send(JSON.stringify({ type: 'transcription', text: out.text, language: out.language, language_probability: 0.98, success: true }));
        } catch (err) {
          ws.send(JSON.stringify({ type: 'error', message: String(err), success: false }));
        }
      });
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get rejectedFrames() {
      return state.rejectedFrames;
    },
    get maxConcurrentRest() {
      return state.maxConcurrentRest;
    },
    get textTypes() {
      return state.textTypes;
    },
    setWs(on: boolean) {
      wsOn = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

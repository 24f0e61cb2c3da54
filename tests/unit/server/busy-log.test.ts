// The "busy" log line of the front door says what the session limit counted: streaming sessions
// and REST uploads in flight together (a real Fastify server on loopback, a fake engine).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { parseConfig, type ServerConfig } from '../../../server/config.ts';
import { enginesThatNeverRecognize } from '../helpers/fake-engines.ts';
import { createTranscriptionServer, type TranscriptionServer } from '../../../server/http-server.ts';
import type { Logger } from '../../../server/log.ts';

vi.mock('../../../server/pipeline.ts', () => ({ TranscriptionPipeline: { create: async () => ({}) } }));

let server: TranscriptionServer | null = null;
let upload: http.ClientRequest | null = null;
afterEach(async () => {
  upload?.destroy();
  await server?.close();
  server = null;
});

/** Starts a POST /transcribe whose body never finishes: an upload in flight. */
function startUpload(address: AddressInfo): Promise<void> {
  const boundary = 'b0undary';
  upload = http.request({ host: '127.0.0.1', port: address.port, method: 'POST', path: '/transcribe', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 1_000_000 } });
  upload.on('error', () => {});
  upload.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\ncontent-type: audio/wav\r\n\r\nRIFF`);
  return new Promise((resolve) => upload!.once('socket', (s) => s.once('connect', () => resolve())));
}

/** Opens /ws until the server answers at once with an error (it counts the upload only once its headers arrived). */
async function firstRefusal(address: AddressInfo): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ws = new WebSocket(`ws://127.0.0.1:${address.port}/ws`);
    const reply = await new Promise<Record<string, unknown> | null>((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), 200); // accepted: a session waits for init in silence
      ws.once('message', (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(data)) as Record<string, unknown>);
      });
      ws.once('error', reject);
    });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    if (reply) return reply;
    await closed; // the server lets go of the session it had accepted before trying again
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('never refused');
}

describe('busy log line', () => {
  it('counts REST uploads as well as sessions, as the limit does', async () => {
    const warnings: string[] = [];
    const log: Logger = { info() {}, warn: (m) => warnings.push(m), error() {} };
    const config = parseConfig(['--port', '0', '--max-sessions', '1'], {}) as ServerConfig;
    const engines = enginesThatNeverRecognize();
    server = createTranscriptionServer({ listen: config.listen, security: config.security, session: config.session, pipeline: config.pipeline }, engines, log);
    const address = await server.listen();
    await startUpload(address);

    const reply = await firstRefusal(address);
    expect(reply).toMatchObject({ type: 'error', code: 'busy' });
    expect(warnings.filter((w) => w.startsWith('refused a session')).at(-1)).toEqual('refused a session: 0 sessions and 1 uploads running (limit 1)');
  });
});

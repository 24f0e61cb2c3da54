// Worker thread that owns PocketSphinx decoders. Decoding is synchronous native work, so it
// runs here and the server's event loop only exchanges messages. One worker serves many
// sessions: each gets its own decoder, keyed by an id chosen by the main thread.

import { parentPort, workerData } from 'node:worker_threads';
import { EngineUnavailableError } from './engine.ts';
import { SphinxDecoder, resolveModel, type SphinxModelPaths } from './sphinx-ffi.ts';

export interface SphinxWorkerData {
  modelDir?: string;
  options?: Record<string, string>;
}

export type SphinxRequest =
  | { op: 'open'; seq: number; decoder: number }
  | { op: 'accept'; seq: number; decoder: number; pcm: Int16Array }
  | { op: 'partial'; seq: number; decoder: number }
  | { op: 'finish'; seq: number; decoder: number }
  | { op: 'close'; seq: number; decoder: number }
  /** Frees every decoder before the main thread terminates the worker (native memory is not GC'd). */
  | { op: 'shutdown'; seq: number };

export type SphinxReply =
  | { type: 'ready' }
  | { type: 'startup-failed'; message: string; unavailable: boolean }
  | { type: 'result'; seq: number; ok: true; text: string }
  | { type: 'result'; seq: number; ok: false; message: string };

/** Freed decoders kept warm for the next session: ps_init costs ~0.8 s of CPU. */
const MAX_IDLE = 1;

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('sphinx-worker.ts must run in a worker thread');
  const { modelDir, options } = (workerData ?? {}) as SphinxWorkerData;
  const send = (m: SphinxReply) => port.postMessage(m);

  let model: SphinxModelPaths;
  const idle: SphinxDecoder[] = [];
  try {
    model = resolveModel(modelDir);
    // Builds one decoder up front: proves library + model work, and warms the first session.
    idle.push(new SphinxDecoder(model, options));
  } catch (err) {
    const e = err as Error;
    const message = e instanceof EngineUnavailableError ? e.reason : e.message;
    send({ type: 'startup-failed', message, unavailable: e instanceof EngineUnavailableError });
    return;
  }

  const decoders = new Map<number, SphinxDecoder>();
  const get = (id: number) => {
    const d = decoders.get(id);
    if (!d) throw new Error(`no sphinx decoder ${id} in this worker`);
    return d;
  };

  const handle = (req: SphinxRequest): string => {
    switch (req.op) {
      case 'open':
        if (decoders.has(req.decoder)) throw new Error(`sphinx decoder ${req.decoder} already open`);
        decoders.set(req.decoder, idle.pop() ?? new SphinxDecoder(model, options));
        return '';
      case 'accept':
        get(req.decoder).process(req.pcm);
        return '';
      case 'partial':
        return get(req.decoder).hypothesis();
      case 'finish':
        return get(req.decoder).endUtterance();
      case 'close': {
        const d = decoders.get(req.decoder);
        if (!d) return '';
        decoders.delete(req.decoder);
        try {
          d.endUtterance();
        } catch {
          d.free();
          return '';
        }
        if (idle.length < MAX_IDLE) idle.push(d);
        else d.free();
        return '';
      }
      case 'shutdown':
        for (const d of [...decoders.values(), ...idle]) d.free();
        decoders.clear();
        idle.length = 0;
        return '';
    }
  };

  port.on('message', (req: SphinxRequest) => {
    try {
      send({ type: 'result', seq: req.seq, ok: true, text: handle(req) });
    } catch (err) {
      send({ type: 'result', seq: req.seq, ok: false, message: (err as Error).message });
    }
  });
  send({ type: 'ready' });
}

main();

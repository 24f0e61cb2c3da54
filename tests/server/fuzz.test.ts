// Protocol fuzzing: thousands of random, mutated and hostile frames against one real server over
// a few sockets. The server must never crash, every text frame it sends must be a valid protocol
// message (errors with code and message), closes must follow an error or done, and no socket may
// go without an answer to a keepalive. Seeded: FUZZ_SEED=<n> reproduces a run, FUZZ_CASES=<n>
// changes its size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseClientMessage, parseServerMessage } from '../../protocol/index.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { Rng, mulberry32 } from '../helpers/rng.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SOCKETS = 4;
/** Cases sent between two keepalive checkpoints. */
const BATCH = 25;
const PONG_TIMEOUT_MS = 15_000;

// ------------------------------------------------------------------ case generators

type Frame = { text: string } | { binary: Buffer } | { rawText: Buffer } | { hangUp: 'close' | 'terminate' };

const WEIRD_STRINGS = [
  '', ' ', 'auto', 'en', 'en-US', 'es', 'zz', 'sphinx', 'whisper', 'faster-whisper', 'default', 'none',
  '\u0000', '\ud800', '\udfff', '\u202eevil', 'e\u0301', '\u200b', '😀'.repeat(50), 'ß'.repeat(300),
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '../../etc/passwd', '%s%s%n', '${7*7}',
  '<script>alert(1)</script>', 'a'.repeat(5000), 'en-' + 'x'.repeat(100),
];
const RAW_NUMBERS = ['1e309', '-1e309', '1e-400', '-0', '0', '16000', '16000.5', '9007199254740993', '2', '-1', '1e3', '4294967296'];
const INIT_FIELDS = ['type', 'sourceLanguage', 'targetLanguage', 'engine', 'protocol', 'audio', 'token', 'resume'];
const AUDIO_FIELDS = ['encoding', 'sampleRate', 'channels'];

function validInit(r: Rng): Record<string, unknown> {
  const init: Record<string, unknown> = {
    type: 'init',
    sourceLanguage: r.pick(['auto', 'en', 'en-US', 'auto']),
    targetLanguage: r.pick(['', 'none', 'es']),
    engine: r.chance(0.1) ? r.pick(WEIRD_STRINGS) : r.pick(['sphinx', 'default', 'faster-whisper', 'pocketsphinx']),
  };
  if (r.chance(0.05)) init.sourceLanguage = r.pick(['es', 'de', 'zz', 'en-GB']);
  if (r.chance(0.8)) init.protocol = 2;
  if (r.chance(0.5)) init.audio = { encoding: 'pcm_s16le', sampleRate: r.pick([8000, 16000, 44100, 48000]), channels: r.pick([1, 2]) };
  return init;
}

/** A JSON text for a random value; `raw` numbers (1e309, ...) are spliced in as literals. */
function randomJsonText(r: Rng, depth = 0): string {
  const k = r.int(depth > 3 ? 5 : 8);
  switch (k) {
    case 0:
      return r.pick(RAW_NUMBERS);
    case 1:
      return JSON.stringify(r.pick(WEIRD_STRINGS));
    case 2:
      return r.pick(['true', 'false', 'null']);
    case 3:
      return String(r.next() * 1e6 - 5e5);
    case 4:
      return JSON.stringify(r.pick(['init', 'flush', 'stop', 'keepalive', 'ready', 'pong', 'error', 'INIT', 'init ']));
    case 5:
      return `[${Array.from({ length: r.int(4) }, () => randomJsonText(r, depth + 1)).join(',')}]`;
    default: {
      const keys = Array.from({ length: r.int(5) }, () => JSON.stringify(r.pick([...INIT_FIELDS, ...AUDIO_FIELDS, ...WEIRD_STRINGS])));
      return `{${keys.map((key) => `${key}:${randomJsonText(r, depth + 1)}`).join(',')}}`;
    }
  }
}

/** A valid init with one or more fields replaced by values of the wrong type or range. */
function mutatedInit(r: Rng): string {
  const init = validInit(r);
  const mutations = 1 + r.int(3);
  const raw: Record<string, string> = {};
  for (let i = 0; i < mutations; i++) {
    const target = r.chance(0.3) ? 'audio' : r.pick(INIT_FIELDS);
    if (target === 'audio' && r.chance(0.7)) {
      const audio: Record<string, unknown> = { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 };
      raw.audio = `{${AUDIO_FIELDS.map((f) => `"${f}":${f === r.pick(AUDIO_FIELDS) ? randomJsonText(r, 2) : JSON.stringify(audio[f])}`).join(',')}}`;
    } else {
      raw[target] = randomJsonText(r, 1);
    }
  }
  const fields = Object.entries(init)
    .filter(([k]) => !(k in raw))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(raw)) fields.push(`${JSON.stringify(k)}:${v}`);
  if (r.chance(0.1)) fields.push(`"__proto__":{"type":"init","engine":"sphinx","polluted":true}`);
  if (r.chance(0.05)) fields.push(`"constructor":{"prototype":{"polluted":true}}`);
  // Shuffle so "type" is not always first.
  for (let i = fields.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  return `{${fields.join(',')}}`;
}

function deepNesting(r: Rng): string {
  const n = r.pick([100, 1000, 10_000, 100_000]);
  if (r.chance(0.5)) return '['.repeat(n) + ']'.repeat(n);
  return '{"type":"init","audio":'.repeat(1) + '{"a":'.repeat(n) + '1' + '}'.repeat(n) + '}';
}

function hugeString(r: Rng): string {
  const len = r.pick([65_536, 1_000_000]);
  const field = r.pick(['engine', 'sourceLanguage', 'type', 'targetLanguage']);
  return JSON.stringify({ ...validInit(r), [field]: r.pick(['a', 'é', '😀']).repeat(len / 2) });
}

function wavHeader(r: Rng, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  const channels = r.chance(0.8) ? r.pick([1, 2]) : r.int(70_000);
  const rate = r.chance(0.8) ? r.pick([8000, 16000, 44100, 48000]) : r.pick([0, 1, 4_000_000_000, r.int(2 ** 32)]);
  const bits = r.chance(0.8) ? 16 : r.pick([0, 8, 24, 32, 7]);
  h.write('RIFF', 0);
  h.writeUInt32LE(r.chance(0.7) ? 36 + dataBytes : r.pick([0, 0xffffffff, r.int(2 ** 32)]), 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(r.chance(0.8) ? 16 : r.pick([0, 1, 15, 17, 0xffffffff, 0x7fffffff]), 16);
  h.writeUInt16LE(r.chance(0.85) ? 1 : r.pick([0, 3, 0xfffe, 0xffff]), 20);
  h.writeUInt16LE(channels & 0xffff, 22);
  h.writeUInt32LE(rate >>> 0, 24);
  h.writeUInt32LE(((rate * channels * bits) / 8) >>> 0, 28);
  h.writeUInt16LE(((channels * bits) / 8) & 0xffff, 32);
  h.writeUInt16LE(bits, 34);
  h.write(r.chance(0.9) ? 'data' : r.pick(['LIST', 'junk', 'dat\u0000']), 36);
  h.writeUInt32LE(r.chance(0.6) ? dataBytes : r.pick([0, 1, 0xffffffff, dataBytes + 1, r.int(2 ** 32)]), 40);
  return h;
}

function binaryCase(r: Rng): Buffer {
  switch (r.int(6)) {
    case 0:
      return Buffer.alloc(0);
    case 1: // random bytes, any length (odd ones included)
      return r.bytes(r.int(4000));
    case 2: // quiet PCM, valid length
      return Buffer.alloc(2 * (1 + r.int(1600)));
    case 3: {
      // a WAV with a (possibly) corrupt header
      const data = r.bytes(2 * r.int(4000));
      return Buffer.concat([wavHeader(r, data.length), data]);
    }
    case 4: {
      // a truncated WAV
      const data = r.bytes(2 * r.int(4000));
      const full = Buffer.concat([wavHeader(r, data.length), data]);
      return full.subarray(0, r.int(full.length));
    }
    default: {
      // RIFF magic then garbage
      return Buffer.concat([Buffer.from('RIFF'), r.bytes(r.int(8)), Buffer.from('WAVE'), r.bytes(r.int(64))]);
    }
  }
}

/** FUZZ_RANGE=a,b restricts cases to that slice of the case table (for narrowing down a failure). */
const RANGE = (process.env.FUZZ_RANGE ?? '0,1').split(',').map(Number) as [number, number];

function makeCase(r: Rng): Frame[] {
  const k = RANGE[0] + r.next() * (RANGE[1] - RANGE[0]);
  if (k < 0.12) return [{ text: JSON.stringify(validInit(r)) }];
  if (k < 0.32) return [{ text: mutatedInit(r) }];
  if (k < 0.42) return [{ text: randomJsonText(r) }];
  if (k < 0.45) return [{ text: deepNesting(r) }];
  if (k < 0.46) return [{ text: hugeString(r) }];
  if (k < 0.5) return [{ text: r.pick(['', '{', 'null', '[]', '"init"', '{"type":null}', '{"type":"init"', 'NaN', '\u0000', '{"__proto__":{"type":"keepalive"}}']) }];
  if (k < 0.505) return [{ rawText: Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]) }]; // invalid UTF-8 in a text frame
  if (k < 0.6) {
    // an interleaving of control messages
    return Array.from({ length: 1 + r.int(5) }, () => {
      const type = r.next() < 0.03 ? 'stop' : r.pick(['keepalive', 'flush', 'init', 'keepalive']);
      return { text: type === 'init' ? JSON.stringify(validInit(r)) : JSON.stringify({ type, extra: r.pick(WEIRD_STRINGS) }) };
    });
  }
  if (k < 0.62) return [{ text: JSON.stringify({ type: 'stop' }) }];
  if (k < 0.66) return [{ hangUp: r.chance(0.5) ? 'close' : 'terminate' }]; // the client goes away, a fresh socket follows
  return Array.from({ length: 1 + r.int(3) }, () => ({ binary: binaryCase(r) }));
}

// ------------------------------------------------------------------ the run

interface Violation {
  socket: number;
  caseIndex: number;
  what: string;
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(['--engine', 'sphinx', '--max-sessions', '200', '--max-connections-per-ip', '200', '--rate-limit', '0', '--quiet']);
});
afterAll(async () => {
  await server?.stop();
});

class FuzzSocket {
  readonly ws: WebSocket;
  readonly received: Record<string, any>[] = [];
  pongs = 0;
  expectedPongs = 0;
  closeCode: number | null = null;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, report: (what: string) => void) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code) => {
        this.closeCode = code;
        resolve();
      }),
    );
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) return report('server sent a binary frame');
      const raw = data.toString();
      if (raw === '') return;
      let msg: any;
      try {
        msg = JSON.parse(raw);
      } catch {
        return report(`server sent non-JSON: ${raw.slice(0, 200)}`);
      }
      if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') return report(`no type: ${raw.slice(0, 200)}`);
      if (!parseServerMessage(raw).ok) report(`not a valid server message: ${raw.slice(0, 200)}`);
      if (msg.type === 'error' && (typeof msg.code !== 'string' || !msg.code || typeof msg.message !== 'string' || !msg.message)) {
        report(`error without code/message: ${raw.slice(0, 200)}`);
      }
      if (msg.type === 'error' && typeof msg.message === 'string' && msg.message.length > 2000) {
        report(`error message of ${msg.message.length} chars echoes input`);
      }
      if (msg.type === 'pong') this.pongs++;
      if (msg.type === 'ready' || msg.type === 'connection' || (msg.type === 'error' && msg.fatal)) this.initPending = false;
      this.received.push(msg);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.closeCode === null;
  }

  /** The client closed this socket itself (so the close code is ours, not the server's). */
  hungUp = false;
  /** Short descriptions of the last frames sent, for reports. */
  readonly sent: string[] = [];

  send(f: Frame): void {
    if (!this.open) return;
    this.sent.push('text' in f ? f.text.slice(0, 120) : 'binary' in f ? `<binary ${f.binary.length} ${f.binary.subarray(0, 4).toString('latin1')}>` : 'rawText' in f ? '<bad utf-8>' : f.hangUp);
    if (this.sent.length > 40) this.sent.shift();
    if ('hangUp' in f) {
      this.hungUp = true;
      if (f.hangUp === 'close') this.ws.close();
      else this.ws.terminate();
    } else if ('binary' in f) this.ws.send(f.binary, { binary: true });
    else if ('rawText' in f) this.ws.send(f.rawText, { binary: false });
    else {
      this.ws.send(f.text);
      const parsed = parseClientMessage(f.text);
      if (parsed.ok && parsed.value.type === 'keepalive') this.expectedPongs++;
      if (parsed.ok && parsed.value.type === 'init' && !this.initSent) {
        this.initSent = true;
        this.initPending = true;
      }
    }
  }

  /** An init the server accepted as valid and has not answered yet. */
  initPending = false;
  private initSent = false;

  /**
   * Waits until a pending init got its answer (ready, connection or an error). Hanging up while
   * the engine starts is a different test: each abandoned start still costs the engine a
   * decoder (~0.8 s of CPU for sphinx), and thousands of them would measure that, not the protocol.
   */
  async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.initPending && this.closeCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  /** Waits until every keepalive sent so far is answered, or the server closed the socket. */
  async checkpoint(): Promise<boolean> {
    this.send({ text: '{"type":"keepalive"}' });
    const deadline = Date.now() + PONG_TIMEOUT_MS;
    while (this.closeCode === null && this.pongs < this.expectedPongs) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }
}

describe('protocol fuzzing', () => {
  it(`survives ${CASES} random cases (seed ${SEED})`, async () => {
    const violations: Violation[] = [];
    const stats = { sockets: 0, frames: 0, closes: {} as Record<number, number>, errors: {} as Record<string, number> };
    const perSocket = Math.ceil(CASES / SOCKETS);

    async function worker(index: number): Promise<void> {
      const r = new Rng(mulberry32(SEED * 31 + index));
      let caseIndex = 0;
      const report = (what: string) => violations.push({ socket: index, caseIndex, what });
      const openSocket = async () => {
        const s = new FuzzSocket(server.wsUrl, report);
        stats.sockets++;
        try {
          await s.opened;
        } catch (err) {
          throw new Error(`socket ${index} case ${caseIndex}: could not connect (${(err as Error).message}); server alive: ${server.proc.exitCode === null}; log:\n${server.logs().slice(-3000)}`);
        }
        return s;
      };
      const finish = async (s: FuzzSocket, waitMs = 5000) => {
        const t = Date.now();
        await Promise.race([s.closed, new Promise((res) => setTimeout(res, waitMs))]);
        if (s.closeCode === null) {
          return report(`server did not close within ${waitMs} ms (open ${s.open}, last ${JSON.stringify(s.received.at(-1))?.slice(0, 200)}); received types ${JSON.stringify(s.received.map((m) => m.type === 'error' ? m.code : m.type).filter((t) => t !== 'pong' && t !== 'bad_message' && t !== 'bad_json'))}; sent:\n${s.sent.join('\n')}`);
        }
        if (Date.now() - t > 1000) console.log(`socket ${index}: close took ${Date.now() - t} ms`);
        for (const m of s.received) if (m.type === 'error') stats.errors[m.code] = (stats.errors[m.code] ?? 0) + 1;
        if (s.hungUp) return;
        stats.closes[s.closeCode] = (stats.closes[s.closeCode] ?? 0) + 1;
        // 1007 (invalid UTF-8) and 1009 (too big) are transport-level; anything else follows an error or done.
        if (s.closeCode === 1007 || s.closeCode === 1009) return;
        const last = s.received.at(-1);
        if (![1000, 1008, 1013, 4000].includes(s.closeCode)) report(`unexpected close code ${s.closeCode}`);
        else if (!last || !(last.type === 'done' || (last.type === 'error' && last.fatal === true))) {
          report(`closed ${s.closeCode} without error/done first (last: ${JSON.stringify(last)?.slice(0, 200)})`);
        }
      };

      let s = await openSocket();
      while (caseIndex < perSocket) {
        for (let b = 0; b < BATCH && caseIndex < perSocket; b++, caseIndex++) {
          if (!s.open) {
            await finish(s);
            s = await openSocket();
          }
          for (const f of makeCase(r)) {
            if ('hangUp' in f) await s.settle();
            s.send(f);
            stats.frames++;
          }
        }
        if (!(await s.checkpoint())) report(`no pong within ${PONG_TIMEOUT_MS} ms (${s.pongs}/${s.expectedPongs})`);
        // Let the server's socket buffer drain so a slow socket does not hide a hang.
        while (s.open && s.ws.bufferedAmount > 1_000_000) await new Promise((res) => setTimeout(res, 5));
      }
      if (s.open) {
        s.send({ text: '{"type":"stop"}' });
      }
      await finish(s, 30_000);
    }

    const t0 = Date.now();
    await Promise.all(Array.from({ length: SOCKETS }, (_, i) => worker(i)));
    const seconds = (Date.now() - t0) / 1000;
    console.log(`fuzz seed ${SEED}: ${CASES} cases, ${stats.frames} frames, ${stats.sockets} sockets in ${seconds.toFixed(1)} s; closes ${JSON.stringify(stats.closes)}; errors ${JSON.stringify(stats.errors)}`);

    expect(server.proc.exitCode).toBeNull();
    expect(server.proc.signalCode).toBeNull();
    const health = await fetch(`${server.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe('ok');
    expect(violations.slice(0, 20), `seed ${SEED}; server log:\n${server.logs().slice(-3000)}`).toEqual([]);
  });
});

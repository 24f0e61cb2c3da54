// A test client for the streaming protocol: records every message and waits for the ones a
// test cares about, with a timeout instead of hanging.
import WebSocket from 'ws';

export interface Received {
  at: number;
  msg: Record<string, any>;
}

export class TestClient {
  readonly messages: Received[] = [];
  closeCode: number | null = null;
  closeReason = '';
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.notify();
        resolve({ code, reason: this.closeReason });
      }),
    );
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary frame');
      this.messages.push({ at: Date.now(), msg: JSON.parse(data.toString()) });
      this.notify();
    });
  }

  static async connect(url: string): Promise<TestClient> {
    const c = new TestClient(url);
    await c.opened;
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  sendBinary(data: Uint8Array | Int16Array): void {
    this.ws.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  ofType(type: string): Record<string, any>[] {
    return this.messages.filter((m) => m.msg.type === type).map((m) => m.msg);
  }

  /** Resolves with the first message (from index `from`) matching the predicate. */
  async waitFor(pred: (m: Record<string, any>) => boolean, timeoutMs = 10_000, from = 0): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.slice(from).find((r) => pred(r.msg));
      if (hit) return hit.msg;
      if (this.closeCode !== null) throw new Error(`closed (${this.closeCode} ${this.closeReason}) while waiting; got ${JSON.stringify(this.messages.map((m) => m.msg))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.msg)).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitType(type: string, timeoutMs?: number): Promise<Record<string, any>> {
    return this.waitFor((m) => m.type === type, timeoutMs);
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/**
 * One whole session: init (protocol 2, sphinx, English, plus `init`), `feed` sends the audio,
 * then stop, and wait for done. Returns the client holding every message.
 */
export async function runSession(
  url: string,
  init: Record<string, unknown>,
  feed: (c: TestClient) => void | Promise<void>,
  doneTimeoutMs = 120_000,
): Promise<TestClient> {
  const c = await TestClient.connect(url);
  c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2, ...init });
  await c.waitType('ready', 60_000);
  await feed(c);
  c.send({ type: 'stop' });
  await c.waitType('done', doneTimeoutMs);
  return c;
}

/** The text of a session's finals, in order (empty finals, closing a silent segment, left out). */
export const finalText = (c: TestClient): string =>
  c
    .ofType('final')
    .map((f) => f.text)
    .filter(Boolean)
    .join(' ');

// Many concurrent sessions against the real server, each streaming real speech at real
// time: who got finals, how late, which errors. Used by the load tests (short form in
// `npm test`, 50 × 5 min in `npm run test:long`).
import { TestClient } from './ws-client.ts';
import { joinWithSilence, realClips, streamPcm } from './fixtures.ts';

/** Short clips first, so every session has a phrase to finish early even on a loaded server. */
const CLIPS = ['en-LJ001-0002', 'en-LJ001-0008', 'en-LJ001-0013', 'en-librivox-0880', 'en-librivox-0930', 'en-librivox-0890', 'en-LJ001-0004'];

export interface SessionOutcome {
  index: number;
  ready: boolean;
  /** Seconds from connecting to `ready`. */
  readySeconds: number;
  /** Finals with words, and when each arrived (ms since the load started). */
  finals: number[];
  errors: string[];
  closeCode: number | null;
  /** Final arrival − the moment its end was sent, seconds. */
  latencies: number[];
}

export interface LoadOptions {
  wsUrl: string;
  sessions: number;
  seconds: number;
  /** After streaming, wait up to this long for sessions still without a final. */
  graceSeconds: number;
  engine?: string;
}

/** Session i streams the clips rotated by i, with 1 s pauses, looped to `seconds`. */
function trackFor(i: number, seconds: number, clips: Int16Array[]): Int16Array {
  const rotated = [...clips.slice(i % clips.length), ...clips.slice(0, i % clips.length)];
  const once = joinWithSilence(rotated, 1);
  const out = new Int16Array(Math.round(seconds * 16000));
  for (let at = 0; at < out.length; at += once.length) out.set(once.subarray(0, Math.min(once.length, out.length - at)), at);
  return out;
}

export async function runLoad(opts: LoadOptions): Promise<{ outcomes: SessionOutcome[]; startedAt: number; streamStartedAt: number; streamedAt: number }> {
  const startedAt = Date.now();
  const clients = await Promise.all(Array.from({ length: opts.sessions }, () => TestClient.connect(opts.wsUrl)));
  const outcomes: SessionOutcome[] = clients.map((_, index) => ({ index, ready: false, readySeconds: NaN, finals: [], errors: [], closeCode: null, latencies: [] }));
  await Promise.all(
    clients.map(async (c, i) => {
      c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: opts.engine ?? 'sphinx', protocol: 2 });
      await c.waitType('ready', 120_000);
      outcomes[i]!.ready = true;
      outcomes[i]!.readySeconds = (Date.now() - startedAt) / 1000;
    }),
  );
  // Tracks built before the clock starts (loading the clips takes CPU), so all start together.
  const all = realClips();
  const clips = CLIPS.map((id) => all.find((c) => c.id === id)!.pcm);
  const tracks = clients.map((_, i) => trackFor(i, opts.seconds, clips));
  const t0 = Date.now();
  await Promise.all(clients.map((c, i) => streamPcm((f) => c.sendBinary(f), tracks[i]!, { speed: 1 })));
  const streamedAt = Date.now();
  const deadline = streamedAt + opts.graceSeconds * 1000;
  const hasFinal = (c: TestClient) => c.messages.some((m) => m.msg.type === 'final' && m.msg.text);
  while (Date.now() < deadline && !clients.every(hasFinal)) await new Promise((r) => setTimeout(r, 250));
  for (const [i, c] of clients.entries()) {
    const o = outcomes[i]!;
    for (const m of c.messages) {
      if (m.msg.type === 'final' && m.msg.text) {
        o.finals.push(m.at - startedAt);
        o.latencies.push((m.at - (t0 + m.msg.end * 1000)) / 1000);
      }
      if (m.msg.type === 'error') o.errors.push(String(m.msg.code));
    }
    o.closeCode = c.closeCode;
    // A deliberate close (1000) ends the session at once; a dropped socket would keep it
    // counted for the resume grace period (60 s).
    c.close();
  }
  return { outcomes, startedAt, streamStartedAt: t0, streamedAt };
}

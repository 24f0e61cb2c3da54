// One session streaming looped real speech at real time for a long while; the server's RSS
// and JS heap (its /metrics) sampled throughout, and their trend by least squares.
import { startServer } from '../../tests/helpers/server-process.ts';
import { TestClient } from '../../tests/helpers/ws-client.ts';
import { joinWithSilence, realClips } from '../../tests/helpers/fixtures.ts';
import { linearRegression } from './stats.ts';

export interface SoakSample {
  /** Seconds since streaming started. */
  t: number;
  rssMiB: number;
  heapMiB: number;
  finals: number;
}

export interface SoakResult {
  minutes: number;
  samples: SoakSample[];
  /** Slopes over the run after the first 20 % (warm-up: model pages, JIT, VAD buffers). */
  rssMiBPerHour: number;
  heapMiBPerHour: number;
  rssR2: number;
  finals: number;
  errors: string[];
  closed: boolean;
}

async function memory(httpUrl: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  return { rss: value('captions_process_resident_memory_bytes'), heap: value('captions_nodejs_heap_size_used_bytes') };
}

export async function runSoak({ minutes, sampleEverySeconds = 10, log }: { minutes: number; sampleEverySeconds?: number; log?: (s: string) => void }): Promise<SoakResult> {
  const server = await startServer(['--engine', 'sphinx', '--quiet']);
  try {
    const loop = joinWithSilence(realClips().map((c) => c.pcm), 1); // 4.3 min of speech + pauses, looped
    const c = await TestClient.connect(server.wsUrl);
    c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2 });
    await c.waitType('ready', 60_000);
    const samples: SoakSample[] = [];
    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    const frame = 1600;
    let nextSample = t0;
    // Real time: frame k is sent when its last sample would exist.
    for (let k = 0, at = 0; Date.now() < end && c.closeCode === null; k++, at = (at + frame) % (loop.length - frame)) {
      const wait = t0 + (k + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      c.sendBinary(loop.subarray(at, at + frame));
      if (Date.now() >= nextSample) {
        nextSample += sampleEverySeconds * 1000;
        const m = await memory(server.httpUrl);
        const s = { t: (Date.now() - t0) / 1000, rssMiB: m.rss / 2 ** 20, heapMiB: m.heap / 2 ** 20, finals: c.ofType('final').length };
        samples.push(s);
        if (samples.length % 30 === 0) log?.(`  ${Math.round(s.t)} s: RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, ${s.finals} finals`);
      }
    }
    const closed = c.closeCode !== null;
    c.send({ type: 'stop' });
    await c.waitType('done', 300_000).catch(() => {});
    c.close();
    const steady = samples.filter((s) => s.t >= minutes * 60 * 0.2);
    const rss = linearRegression(steady.map((s) => ({ x: s.t / 3600, y: s.rssMiB })));
    const heap = linearRegression(steady.map((s) => ({ x: s.t / 3600, y: s.heapMiB })));
    return {
      minutes,
      samples,
      rssMiBPerHour: rss.slope,
      heapMiBPerHour: heap.slope,
      rssR2: rss.r2,
      finals: c.ofType('final').length,
      errors: c.ofType('error').map((e) => String(e.code)),
      closed,
    };
  } finally {
    await server.stop();
  }
}

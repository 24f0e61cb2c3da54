// `npm run bench:server`: the real server with the sphinx engine on the shared recordings.
// Prints word error rate, real-time factor, latency from end of speech to final (p50/p95)
// how many concurrent real-time streams this machine holds and the server's memory per
// session; writes bench-results/server.json.
//   npx tsx bench/server-bench.ts [--quick] [--max-streams N]
import os from 'node:os';
import path from 'node:path';
import { findModel } from '../server/engines/models.ts';
import { startServer, type RunningServer } from '../tests/helpers/server-process.ts';
import { TestClient } from '../tests/helpers/ws-client.ts';
import { joinWithSilence, realClips, streamPcm, type Clip } from '../tests/helpers/fixtures.ts';
import { wordErrorRate } from '../tests/helpers/wer.ts';
import { printTable, writeResult } from './lib/results.ts';
import { linearRegression, loadAvg, percentile } from './lib/stats.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const maxStreamsArg = args.indexOf('--max-streams');
const MAX_STREAMS = maxStreamsArg >= 0 ? Number(args[maxStreamsArg + 1]) : 24;
const LATENCY_LIMIT_S = 2;
const INIT = { type: 'init', sourceLanguage: 'en', targetLanguage: '', engine: 'sphinx', protocol: 2 };

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

async function session(server: RunningServer): Promise<TestClient> {
  const c = await TestClient.connect(server.wsUrl);
  c.send(INIT);
  await c.waitType('ready', 120_000); // a loaded server starts decoders slowly
  return c;
}

/** Each clip in its own session, sent as fast as the socket takes it: accuracy and speed. */
async function accuracyAndSpeed(server: RunningServer, clips: Clip[]) {
  const refs: string[] = [];
  const hyps: string[] = [];
  let audioSeconds = 0;
  let wallMs = 0;
  for (const clip of clips) {
    const c = await session(server);
    const t0 = performance.now();
    await streamPcm((f) => c.sendBinary(f), clip.pcm, { speed: Infinity });
    c.send({ type: 'stop' });
    await c.waitType('done', 300_000);
    wallMs += performance.now() - t0;
    audioSeconds += clip.pcm.length / 16000;
    refs.push(clip.text);
    hyps.push(c.ofType('final').map((f) => f.text).join(' '));
    c.close();
  }
  return { wer: wordErrorRate(refs.join(' '), hyps.join(' ')), rtf: wallMs / 1000 / audioSeconds, audioSeconds, clips: clips.length };
}

/** Streams at real time; latency = final's arrival − moment its last speech sample was sent. */
async function realTimeLatencies(server: RunningServer, pcm: Int16Array): Promise<{ latencies: number[]; errors: number }> {
  const c = await session(server);
  const t0 = Date.now();
  await streamPcm((f) => c.sendBinary(f), pcm, { speed: 1 });
  c.send({ type: 'stop' });
  await c.waitType('done', 300_000);
  const latencies = c.messages
    .filter((m) => m.msg.type === 'final' && m.msg.text)
    .map((m) => (m.at - (t0 + m.msg.end * 1000)) / 1000);
  const errors = c.ofType('error').length;
  c.close();
  return { latencies, errors };
}

async function capacity(server: RunningServer, pcm: Int16Array) {
  const rows: { streams: number; p50: number; p95: number; errors: number; held: boolean }[] = [];
  let best = 0;
  for (let n = 1; n <= MAX_STREAMS; n = n < 8 ? n + 1 : n + 2) {
    const runs = await Promise.all(Array.from({ length: n }, () => realTimeLatencies(server, pcm)));
    const all = runs.flatMap((r) => r.latencies);
    const errors = runs.reduce((s, r) => s + r.errors, 0);
    const p95 = percentile(all, 95);
    const held = errors === 0 && p95 <= LATENCY_LIMIT_S && all.length > 0;
    rows.push({ streams: n, p50: percentile(all, 50), p95, errors, held });
    console.log(`  ${n} stream(s): latency p50 ${fmt(percentile(all, 50))} s, p95 ${fmt(p95)} s, errors ${errors}, load ${loadAvg()}${held ? '' : '  <- over the limit'}`);
    if (!held) break;
    best = n;
  }
  return { maxRealTimeStreams: best, rows };
}

/** The server's own memory, from its Prometheus /metrics (prom-client's process metrics). */
async function serverMemory(server: RunningServer): Promise<{ rss: number; heapUsed: number }> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  return { rss: value('captions_process_resident_memory_bytes'), heapUsed: value('captions_nodejs_heap_size_used_bytes') };
}

/**
 * Memory per session: N sessions stream speech at real time together; the server's RSS is
 * read 8 s in, for N = 0, 2, 4, 8, 12 (rising, since freed memory is not always returned to
 * the OS); the least-squares slope of RSS over N is the cost of one more session.
 */
async function memoryPerSession(server: RunningServer, pcm: Int16Array) {
  const points: { sessions: number; rssMiB: number; heapMiB: number }[] = [];
  const clip = pcm.subarray(0, 12 * 16000);
  for (const n of [0, 2, 4, 8, 12]) {
    const clients = await Promise.all(Array.from({ length: n }, () => session(server)));
    const streams = clients.map((c) => streamPcm((f) => c.sendBinary(f), clip, { speed: 1 }));
    await new Promise((r) => setTimeout(r, 8000));
    const mem = await serverMemory(server);
    points.push({ sessions: n, rssMiB: mem.rss / 2 ** 20, heapMiB: mem.heapUsed / 2 ** 20 });
    console.log(`  ${n} session(s): server RSS ${fmt(mem.rss / 2 ** 20, 1)} MiB, JS heap ${fmt(mem.heapUsed / 2 ** 20, 1)} MiB, load ${loadAvg()}`);
    await Promise.all(streams);
    for (const c of clients) c.terminate();
    await new Promise((r) => setTimeout(r, 1000));
  }
  const rss = linearRegression(points.map((p) => ({ x: p.sessions, y: p.rssMiB })));
  const heap = linearRegression(points.map((p) => ({ x: p.sessions, y: p.heapMiB })));
  return { rssMiBPerSession: rss.slope, heapMiBPerSession: heap.slope, rssR2: rss.r2, points };
}

async function main() {
  const clips = realClips();
  console.log(`Server benchmark: sphinx engine, ${clips.length} real recordings, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), load ${loadAvg()}`);
  const whisperNote = findModel('base') ?? findModel('tiny') ? null : 'whisper: no real weights on this machine (only the weightless test model), not measured';
  const server = await startServer(['--engine', 'sphinx', '--max-sessions', String(MAX_STREAMS + 4), '--max-connections-per-ip', String(MAX_STREAMS + 4), '--quiet']);
  try {
    console.log('\n1. Accuracy and speed (each recording in its own session, sent as fast as possible)');
    const acc = await accuracyAndSpeed(server, quick ? clips.slice(0, 8) : clips);
    const accLoad = loadAvg();
    console.log(`  WER ${fmt(acc.wer * 100, 1)}% over ${acc.clips} recordings (${fmt(acc.audioSeconds, 0)} s), real-time factor ${fmt(acc.rtf, 3)}, load ${accLoad}`);

    console.log('\n2. Latency from end of speech to final (one stream at real time, 1 s pauses)');
    const sample = joinWithSilence(clips.slice(0, quick ? 4 : 10).map((c) => c.pcm), 1);
    const lat = await realTimeLatencies(server, sample);
    const latency = { p50: percentile(lat.latencies, 50), p95: percentile(lat.latencies, 95), finals: lat.latencies.length, loadAverage: loadAvg() };
    console.log(`  p50 ${fmt(latency.p50)} s, p95 ${fmt(latency.p95)} s over ${latency.finals} finals (includes the 0.6 s of silence that ends a phrase), load ${latency.loadAverage}`);

    console.log(`\n3. Capacity: concurrent real-time streams until latency p95 exceeds ${LATENCY_LIMIT_S} s`);
    const capPcm = joinWithSilence(clips.slice(10, quick ? 12 : 14).map((c) => c.pcm), 1);
    const cap = await capacity(server, capPcm);

    console.log('\n4. Memory per session (server RSS while N sessions stream at real time)');
    const mem = await memoryPerSession(server, joinWithSilence(clips.slice(14, 18).map((c) => c.pcm), 0.5));

    const file = writeResult('server', { engine: 'sphinx', accuracy: { ...acc, loadAverage: accLoad }, latencySeconds: latency, capacity: cap, memory: mem, skipped: whisperNote });
    printTable('Server (sphinx)', [
      [`WER (sphinx, ${acc.clips} recordings)`, `${fmt(acc.wer * 100, 1)}%`],
      ['real-time factor (1 stream)', fmt(acc.rtf, 3)],
      ['end of speech → final, p50 / p95', `${fmt(latency.p50)} s / ${fmt(latency.p95)} s`],
      [`concurrent real-time streams (p95 ≤ ${LATENCY_LIMIT_S} s)`, String(cap.maxRealTimeStreams)],
      ['server RSS per session (slope over 0–12 sessions)', `${fmt(mem.rssMiBPerSession, 2)} MiB (JS heap ${fmt(mem.heapMiBPerSession, 2)} MiB)`],
      ['server RSS with 0 sessions (engine loaded)', `${fmt(mem.points[0]!.rssMiB, 0)} MiB`],
      ...(whisperNote ? ([['whisper', whisperNote]] as [string, string][]) : []),
    ]);
    console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

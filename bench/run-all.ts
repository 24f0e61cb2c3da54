// `npm run bench`: every benchmark in turn (each in its own process, so one's memory and
// threads do not weigh on the next), then one summary table from their bench-results/*.json.
//   BENCH_QUICK=1 shortens the server bench; SOAK_MINUTES, EXT_MINUTES lengthen the long runs;
//   BENCH_ONLY=server,opus runs only the benches whose file names contain one of the words.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../tests/helpers/paths.ts';
import { resultsDir } from './lib/results.ts';
import { fmt, loadAvg, machineInfo } from './lib/stats.ts';

const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
const benches: [string, string[]][] = [
  ['bench/server-bench.ts', process.env.BENCH_QUICK === '1' ? ['--quick'] : []],
  ['bench/caption-latency.ts', []],
  ['bench/opus-bandwidth.ts', []],
  ['bench/extension-overhead.ts', []],
  ['bench/soak.ts', []],
];

// BENCH_ONLY=server,caption-latency picks benches by name (the summary still reads every JSON there).
const only = process.env.BENCH_ONLY?.split(',');
const failed: string[] = [];
for (const [file, args] of benches) {
  if (only && !only.some((name) => file.includes(name))) continue;
  console.log(`\n===== ${file} (load ${loadAvg()})`);
  const r = spawnSync(tsx, [file, ...args], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) failed.push(file);
}

const read = (name: string): any => {
  const f = path.join(resultsDir, `${name}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null;
};
const rows: [string, string, string][] = [];
const server = read('server');
if (server) {
  rows.push(['WER, sphinx, real recordings', `${fmt(server.accuracy.wer * 100, 1)}%`, server.accuracy.loadAverage]);
  rows.push(['real-time factor, 1 stream', fmt(server.accuracy.rtf, 3), server.accuracy.loadAverage]);
  rows.push(['end of speech → final p50 / p95 (Node client)', `${fmt(server.latencySeconds.p50)} / ${fmt(server.latencySeconds.p95)} s`, server.latencySeconds.loadAverage]);
  rows.push(['concurrent real-time streams, p95 ≤ 2 s (sphinx)', String(server.capacity.maxRealTimeStreams), server.machine.loadAverage.join(' ')]);
  rows.push(['server RSS per session (sphinx)', `${fmt(server.memory.rssMiBPerSession, 2)} MiB`, server.machine.loadAverage.join(' ')]);
}
const lat = read('caption-latency');
for (const r of lat?.results ?? []) {
  rows.push([`word end → first seen p50 / p95: ${r.mode}`, `${fmt(r.firstSeen.p50)} / ${fmt(r.firstSeen.p95)} s`, r.loadAverage]);
  rows.push([`word end → final p50 / p95: ${r.mode}`, `${fmt(r.final.p50)} / ${fmt(r.final.p95)} s`, r.loadAverage]);
}
if (lat?.perChunkOverStreaming) {
  rows.push(['per-chunk ÷ streaming, p50 (first seen, final)', `${fmt(lat.perChunkOverStreaming.firstSeenP50, 1)}×, ${fmt(lat.perChunkOverStreaming.finalP50, 1)}×`, '']);
}
const opus = read('opus-bandwidth');
for (const r of opus?.results ?? []) rows.push([`${r.encoding}: bandwidth, WER`, `${fmt(r.kbitPerSecond, 1)} kbit/s, ${fmt(r.wer * 100, 1)}%`, r.loadAverage]);
for (const r of read('extension-overhead')?.runs ?? []) {
  const how = `audio as ${r.wireAudio}, ${r.minutes} min`;
  rows.push([`extension → server bandwidth (${how})`, `${fmt(r.kbitPerSecondUp, 1)} kbit/s`, r.loadAverage]);
  rows.push([`extension process CPU while captioning (${how})`, `${fmt(r.extensionProcessCpuPercent, 1)}% of a core`, r.loadAverage]);
  rows.push([`offscreen document main-thread CPU (${how})`, `${fmt(r.offscreenMainThreadCpuPercent, 1)}% of a core`, r.loadAverage]);
  rows.push([`offscreen JS heap slope (${how})`, `${fmt(r.offscreenJsHeapMiB.slopePerHour, 1)} MiB/hour`, r.loadAverage]);
}
const soak = read('soak');
if (soak) rows.push([`server RSS / heap slope, 1 session (${soak.minutes} min)`, `${fmt(soak.rssMiBPerHour, 1)} / ${fmt(soak.heapMiBPerHour, 1)} MiB/hour`, soak.machine.loadAverage.join(' ')]);

const m = machineInfo();
console.log(`\n===== Summary (${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node})\n`);
console.log('| metric | value | load average (1, 5, 15 min) |\n|---|---|---|');
for (const [k, v, l] of rows) console.log(`| ${k} | ${v} | ${l} |`);
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

// `npm run bench:soak`: one session of looped real speech at real time against the real
// server (sphinx); the server's RSS and JS heap sampled every 10 s, with their slopes
// (least squares, after a 20 % warm-up). SOAK_MINUTES (default 3; 30+ for the real soak).
// Writes bench-results/soak.json.
import path from 'node:path';
import { runSoak } from './lib/soak.ts';
import { printTable, writeResult } from './lib/results.ts';
import { fmt, loadAvg } from './lib/stats.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 3);
console.log(`Soak: one session, ${minutes} min of looped real speech at real time (load ${loadAvg()})`);
const r = await runSoak({ minutes, log: console.log });
const first = r.samples[0];
const last = r.samples.at(-1);
printTable(`Soak (${minutes} min, one session, sphinx)`, [
  ['server RSS slope (after warm-up)', `${fmt(r.rssMiBPerHour, 1)} MiB/hour (R² ${fmt(r.rssR2, 2)})`],
  ['server JS heap slope (after warm-up)', `${fmt(r.heapMiBPerHour, 1)} MiB/hour`],
  ['server RSS first → last sample', `${fmt(first?.rssMiB, 1)} → ${fmt(last?.rssMiB, 1)} MiB`],
  ['finals', String(r.finals)],
  ['errors', r.errors.length ? r.errors.join(', ') : 'none'],
  ['load average at the end', loadAvg()],
]);
const file = writeResult('soak', { ...r });
console.log(`\nwrote ${path.relative(process.cwd(), file)}`);

// `npm run bench:latency`: per-word caption latency, measured three ways on the same real
// speech (word end times by forced alignment, bench/lib/forced-align.ts):
//   1. end to end: the built extension in real headless Chromium captions a page's <video>
//      through our real server; times are DOM caption changes vs the page's media clock;
//   2. the same stream from a Node client (raw PCM16, 100 ms frames, real time);
//   3. the original protocol's per-chunk approach from a Node client: one WAV file per N
//      seconds of audio on the server's WAV path, one answer per file.
// For each reference word the captions got right: seconds from the word's end to its first
// appearance (partial) and to its final; p50/p95. Writes bench-results/caption-latency.json.
//   npx tsx bench/caption-latency.ts [--chunk-seconds 3] [--modes chromium,stream,chunk]
import path from 'node:path';
import { findModel } from '../server/engines/models.ts';
import { findChromium } from '../tests/e2e/helpers/chromium.ts';
import { startServer } from '../tests/helpers/server-process.ts';
import { wer } from '../tests/helpers/wer.ts';
import { captionInChromium } from './lib/chromium-captions.ts';
import { replayChunked, replayStreaming } from './lib/realtime-client.ts';
import { printTable, writeResult } from './lib/results.ts';
import { alignedTrack } from './lib/speech-track.ts';
import { fmt, loadAvg, percentile } from './lib/stats.ts';
import { wordLatencies, type CaptionVersion } from './lib/word-latency.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const CHUNK_SECONDS = Number(arg('--chunk-seconds', '3'));
const MODES = new Set(arg('--modes', 'chromium,stream,chunk').split(','));

interface ModeResult {
  mode: string;
  matchedWords: number;
  referenceWords: number;
  wer: number;
  firstSeen: { p50: number; p95: number };
  final: { p50: number; p95: number };
  loadAverage: string;
}

function score(mode: string, track: ReturnType<typeof alignedTrack>, origin: number, versions: CaptionVersion[]): ModeResult {
  const r = wordLatencies(track.words.map((w) => ({ word: w.word, endAt: origin + w.end * 1000 })), versions);
  const first = r.words.map((w) => w.firstSeen);
  const fin = r.words.map((w) => w.final);
  // The transcript as the reader ends up with it: finals in order of first appearance.
  const seen = new Map<string, string>();
  for (const v of [...versions].sort((a, b) => a.t - b.t)) if (v.kind === 'final' || !seen.has(v.id)) seen.set(v.id, v.kind === 'final' ? v.text : '');
  return {
    mode,
    matchedWords: r.matched,
    referenceWords: r.referenceWords,
    wer: wer(track.text, [...seen.values()].join(' ')),
    firstSeen: { p50: percentile(first, 50), p95: percentile(first, 95) },
    final: { p50: percentile(fin, 50), p95: percentile(fin, 95) },
    loadAverage: loadAvg(),
  };
}

async function main() {
  const track = alignedTrack();
  console.log(
    `Caption latency: ${track.clipIds.length} real recordings, ${fmt(track.seconds, 1)} s, ${track.words.length} words aligned (load ${loadAvg()})`,
  );
  const whisperModel = findModel('base') ?? findModel('tiny');
  const engines = ['sphinx'];
  const skipped: Record<string, string> = {};
  if (!whisperModel) skipped.whisper = 'no real Whisper weights on this machine (only the weightless test model): not measured';
  else engines.push('whisper');

  const results: ModeResult[] = [];
  const raw: Record<string, unknown> = { words: track.words };
  for (const engine of engines) {
    const server = await startServer(['--engine', engine, '--quiet']);
    try {
      if (MODES.has('chromium')) {
        if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
        console.log(`\n[${engine}] 1. extension in Chromium, captions in the page DOM…`);
        const run = await captionInChromium({ serverUrl: server.wsUrl, track: { ...track }, engine });
        const r = score(`${engine}: extension in Chromium (streaming)`, track, run.origin, run.versions);
        console.log(`  ${r.matchedWords}/${r.referenceWords} words right, first seen p50 ${fmt(r.firstSeen.p50)} s, final p50 ${fmt(r.final.p50)} s (${run.clockSamples} media clock samples)`);
        results.push(r);
        raw.chromium = { origin: run.origin, playAt: run.playAt, versions: run.versions };
      }
      if (MODES.has('stream')) {
        console.log(`\n[${engine}] 2. Node client, streaming (PCM16, 100 ms frames)…`);
        const s = await replayStreaming(server.wsUrl, track.pcm, engine);
        raw.nodeStreaming = { origin: s.origin, versions: s.versions };
        results.push(score(`${engine}: Node client, streaming`, track, s.origin, s.versions));
      }
      if (MODES.has('chunk')) {
        console.log(`\n[${engine}] 3. Node client, original protocol: ${CHUNK_SECONDS} s WAV chunks…`);
        const c = await replayChunked(server.wsUrl, track.pcm, CHUNK_SECONDS, engine);
        raw.nodeChunked = { origin: c.origin, versions: c.versions };
        results.push(score(`${engine}: Node client, ${CHUNK_SECONDS} s WAV chunks (original protocol)`, track, c.origin, c.versions));
      }
    } finally {
      await server.stop();
    }
  }

  const streamingNode = results.find((r) => r.mode.endsWith('Node client, streaming'));
  const chunked = results.find((r) => r.mode.includes('WAV chunks'));
  const ratio = streamingNode && chunked
    ? { finalP50: chunked.final.p50 / streamingNode.final.p50, firstSeenP50: chunked.firstSeen.p50 / streamingNode.firstSeen.p50 }
    : null;
  const rows: [string, string][] = results.map((r) => [
    r.mode,
    `first seen p50 ${fmt(r.firstSeen.p50)} s / p95 ${fmt(r.firstSeen.p95)} s; final p50 ${fmt(r.final.p50)} s / p95 ${fmt(r.final.p95)} s; ${r.matchedWords}/${r.referenceWords} words right, WER ${fmt(r.wer * 100, 1)}%; load ${r.loadAverage}`,
  ]);
  if (ratio) rows.push(['per-chunk ÷ streaming (Node clients, p50)', `first seen ${fmt(ratio.firstSeenP50, 1)}×, final ${fmt(ratio.finalP50, 1)}×`]);
  for (const [engine, why] of Object.entries(skipped)) rows.push([engine, why]);
  printTable('Caption latency from the end of each word (seconds)', rows);
  const file = writeResult('caption-latency', {
    method:
      'word end times by PocketSphinx forced alignment of the reference transcript; latency measured only for words the captions got right; extension: DOM caption changes vs the page <video> media clock; Node clients: frames sent in real time, frame k at origin + its end',
    track: { clips: track.clipIds, seconds: track.seconds, words: track.words.length },
    chunkSeconds: CHUNK_SECONDS,
    results,
    perChunkOverStreaming: ratio,
    skipped,
  });
  writeResult('caption-latency-raw', raw);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

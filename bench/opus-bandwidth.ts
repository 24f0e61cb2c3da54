// `npm run bench:opus`: bandwidth and accuracy per wire encoding, on the 38 real recordings.
// PCM16 16 kHz as the extension sends it, and Opus packets made by the extension's own
// encoder module (src/offscreen/audio/opus-encoder.ts, WebCodecs AudioEncoder) running in
// real headless Chromium, decoded by the server (opus-decoder). Each recording in its own
// session (sphinx), sent as fast as the socket takes it; a fresh server per encoding, since
// sphinx decoders are reused across sessions and carry state (their cepstral mean) along. kbit/s counts the audio payload and
// the WebSocket framing a client adds (2–8 header bytes + 4 mask bytes per message; TCP/IP
// not counted). Writes bench-results/opus-bandwidth.json.
//   npx tsx bench/opus-bandwidth.ts [--bitrates 16000,24000]
import path from 'node:path';
import { OPUS_DEFAULT_BITRATE } from '../src/offscreen/audio/opus-encoder.ts';
import { realClips, type Clip } from '../tests/helpers/fixtures.ts';
import { ChromiumOpusEncoder } from '../tests/helpers/opus-chromium.ts';
import { startServer, type RunningServer } from '../tests/helpers/server-process.ts';
import { corpusWer } from '../tests/helpers/wer.ts';
import { finalText, runSession } from '../tests/helpers/ws-client.ts';
import { printTable, writeResult } from './lib/results.ts';
import { fmt, loadAvg } from './lib/stats.ts';

const args = process.argv.slice(2);
// Default: the extension's bitrate (once, even where it is 16 kbit/s itself) and 16 kbit/s.
const bitrates = [...new Set((args.includes('--bitrates') ? args[args.indexOf('--bitrates') + 1]! : `${OPUS_DEFAULT_BITRATE},16000`).split(',').map(Number))];

/** Bytes a client puts on the wire for one binary message of `n` bytes (RFC 6455 framing, masked). */
const wsBytes = (n: number) => n + (n <= 125 ? 2 : n <= 65535 ? 4 : 10) + 4;

interface EncodingResult {
  encoding: string;
  bitrateSetting: number | null;
  messages: number;
  payloadKbitPerSecond: number;
  kbitPerSecond: number;
  wer: number;
  loadAverage: string;
}

async function transcribe(server: RunningServer, audio: Record<string, unknown>, frames: Buffer[]): Promise<string> {
  const c = await runSession(server.wsUrl, { audio }, (c) => frames.forEach((f) => c.sendBinary(f)), 300_000);
  const errors = c.ofType('error');
  if (errors.length) throw new Error(`server errors: ${JSON.stringify(errors.slice(0, 3))}`);
  c.close();
  return finalText(c);
}

async function measure(server: RunningServer, clips: Clip[], encoding: string, bitrate: number | null, framesOf: (c: Clip) => Promise<Buffer[]>, audio: Record<string, unknown>): Promise<EncodingResult> {
  let payload = 0;
  let wire = 0;
  let messages = 0;
  let seconds = 0;
  const pairs: { reference: string; hypothesis: string }[] = [];
  for (const clip of clips) {
    const frames = await framesOf(clip);
    for (const f of frames) {
      payload += f.length;
      wire += wsBytes(f.length);
    }
    messages += frames.length;
    seconds += clip.pcm.length / 16000;
    pairs.push({ reference: clip.text, hypothesis: await transcribe(server, audio, frames) });
  }
  const r = { encoding, bitrateSetting: bitrate, messages, payloadKbitPerSecond: (payload * 8) / seconds / 1000, kbitPerSecond: (wire * 8) / seconds / 1000, wer: corpusWer(pairs), loadAverage: loadAvg() };
  console.log(`  ${encoding}: ${fmt(r.kbitPerSecond, 1)} kbit/s on the wire (${fmt(r.payloadKbitPerSecond, 1)} payload), WER ${fmt(r.wer * 100, 1)}%, load ${r.loadAverage}`);
  return r;
}

async function main() {
  const clips = realClips();
  console.log(`Wire encodings: ${clips.length} real recordings, sphinx (load ${loadAvg()})`);
  const encoder = await ChromiumOpusEncoder.launch();
  const results: EncodingResult[] = [];
  const withServer = async (run: (s: RunningServer) => Promise<EncodingResult>) => {
    const server = await startServer(['--engine', 'sphinx', '--quiet']);
    try {
      return await run(server);
    } finally {
      await server.stop();
    }
  };
  try {
    const pcmFrames = async (c: Clip) => {
      const out: Buffer[] = [];
      for (let i = 0; i < c.pcm.length; i += 1600) out.push(Buffer.from(c.pcm.slice(i, i + 1600).buffer));
      return out;
    };
    results.push(await withServer((server) => measure(server, clips, 'PCM16 16 kHz (100 ms frames)', null, pcmFrames, { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 })));
    for (const bitrate of bitrates) {
      if (!(await encoder.supported(bitrate))) throw new Error(`this Chromium cannot encode Opus at ${bitrate} bit/s`);
      results.push(
        await withServer((server) =>
          measure(server, clips, `Opus ${bitrate / 1000} kbit/s (20 ms packets)`, bitrate, (c) => encoder.encode(c.pcm, bitrate), {
            encoding: 'opus',
            sampleRate: 16000,
            channels: 1,
          }),
        ),
      );
    }
  } finally {
    await encoder.close();
  }
  const pcm = results[0]!;
  const rows: [string, string][] = results.map((r) => [
    r.encoding,
    `${fmt(r.kbitPerSecond, 1)} kbit/s (payload ${fmt(r.payloadKbitPerSecond, 1)}), WER ${fmt(r.wer * 100, 1)}% (${r.wer >= pcm.wer ? '+' : ''}${fmt((r.wer - pcm.wer) * 100, 1)} points), load ${r.loadAverage}`,
  ]);
  printTable('Bandwidth and accuracy per wire encoding (sphinx, 38 real recordings)', rows);
  const file = writeResult('opus-bandwidth', {
    method: 'Opus packets from src/offscreen/audio/opus-encoder.ts (WebCodecs AudioEncoder) in headless Chromium, 100 ms PCM frames in, decoded on the server by opus-decoder; each recording its own session; corpus WER',
    results: results.map((r) => ({ ...r, werPointsOverPcm: (r.wer - pcm.wer) * 100 })),
  });
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

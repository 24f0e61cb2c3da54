// Protocol clients that replay a track in real time, as a live source would: each frame is
// sent the moment its last sample would exist (frame k at origin + (k+1)·frame), so word
// end times on the track map to wall-clock time as origin + end.
import { TestClient } from '../../tests/helpers/ws-client.ts';
import { encodeWav } from '../../tests/helpers/fixtures.ts';
import type { CaptionVersion } from './word-latency.ts';

export interface ReplayResult {
  /** Wall-clock time (ms) of track time 0. */
  origin: number;
  versions: CaptionVersion[];
  errors: Record<string, unknown>[];
  bytesSent: number;
  audioSeconds: number;
}

async function sendInRealTime(pcm: Int16Array, frameSamples: number, send: (frame: Int16Array) => void): Promise<number> {
  const origin = Date.now();
  for (let k = 0; k * frameSamples < pcm.length; k++) {
    const frame = pcm.subarray(k * frameSamples, (k + 1) * frameSamples);
    const due = origin + (((k * frameSamples + frame.length) / 16000) * 1000);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    send(frame);
  }
  return origin;
}

/** Our protocol: raw PCM16 frames (100 ms, like the extension), partials and finals. */
export async function replayStreaming(wsUrl: string, pcm: Int16Array, engine = 'sphinx', frameMs = 100): Promise<ReplayResult> {
  const c = await TestClient.connect(wsUrl);
  c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine, protocol: 2 });
  await c.waitType('ready', 60_000);
  let bytesSent = 0;
  const origin = await sendInRealTime(pcm, (16000 * frameMs) / 1000, (f) => {
    bytesSent += f.byteLength;
    c.sendBinary(f);
  });
  c.send({ type: 'stop' });
  await c.waitType('done', 300_000);
  c.close();
  const versions = c.messages
    .filter((m) => (m.msg.type === 'partial' || m.msg.type === 'final') && typeof m.msg.segmentId === 'number')
    .map((m) => ({ t: m.at, id: String(m.msg.segmentId), kind: m.msg.type as 'partial' | 'final', text: String(m.msg.text) }));
  return { origin, versions, errors: c.ofType('error'), bytesSent, audioSeconds: pcm.length / 16000 };
}

/**
 * The original protocol: a WAV file per `chunkSeconds` of audio, sent when the chunk is
 * complete, one `transcription` answer per file (the server's WAV path, original protocol).
 */
export async function replayChunked(wsUrl: string, pcm: Int16Array, chunkSeconds: number, engine = 'sphinx'): Promise<ReplayResult> {
  const c = await TestClient.connect(wsUrl);
  c.send({ type: 'init', sourceLanguage: 'en', targetLanguage: '', engine });
  await c.waitFor((m) => m.type === 'connection' && m.status === 'initialized', 60_000);
  let bytesSent = 0;
  let chunks = 0;
  const origin = await sendInRealTime(pcm, Math.round(chunkSeconds * 16000), (f) => {
    const wav = encodeWav(f);
    bytesSent += wav.length;
    chunks++;
    c.sendBinary(wav);
  });
  const deadline = Date.now() + 300_000;
  while (c.ofType('transcription').length + c.ofType('error').length < chunks && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  c.close();
  const versions = c.messages
    .filter((m) => m.msg.type === 'transcription')
    .map((m, i) => ({ t: m.at, id: String(i), kind: 'final' as const, text: String(m.msg.text) }));
  return { origin, versions, errors: c.ofType('error'), bytesSent, audioSeconds: pcm.length / 16000 };
}

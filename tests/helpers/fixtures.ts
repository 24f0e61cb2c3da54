// Real and synthetic speech fixtures, loaded as 16 kHz mono PCM16.
import fs from 'node:fs';
import path from 'node:path';
import { parseWav } from '../../protocol/wav.ts';
import { resampleTo16k } from '../../server/audio/resample.ts';
import { realSpeechDir, syntheticSpeechDir } from './paths.ts';

export interface Clip {
  id: string;
  text: string;
  file: string;
  pcm: Int16Array; // 16 kHz mono
}

export function loadWav16k(file: string): Int16Array {
  const wav = parseWav(fs.readFileSync(file));
  return resampleTo16k(wav.samples, wav.sampleRate, wav.channels);
}

export function realClips(): Clip[] {
  const meta = JSON.parse(fs.readFileSync(path.join(realSpeechDir, 'transcripts.json'), 'utf8'));
  return meta.files.map((f: { id: string; file: string; text: string }) => {
    const file = path.join(realSpeechDir, f.file);
    return { id: f.id, text: f.text, file, pcm: loadWav16k(file) };
  });
}

export function syntheticClip(id: string): Clip {
  const meta = JSON.parse(fs.readFileSync(path.join(syntheticSpeechDir, 'transcripts.json'), 'utf8'));
  const f = meta.files.find((x: { id: string }) => x.id === id);
  const file = path.join(syntheticSpeechDir, `${id}.wav`);
  return { id, text: f.text, file, pcm: loadWav16k(file) };
}

/** Concatenates clips with `gapSeconds` of silence between them. */
export function joinWithSilence(parts: Int16Array[], gapSeconds: number): Int16Array {
  const gap = Math.round(gapSeconds * 16000);
  const total = parts.reduce((s, p) => s + p.length, 0) + gap * parts.length;
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + gap;
  }
  return out;
}

/** The named real clips as one recording: 0.5 s of silence first, 1 s between clips; and its reference text. */
export function recording(ids: readonly string[]): { pcm: Int16Array; reference: string } {
  const all = realClips();
  const clips = ids.map((id) => all.find((c) => c.id === id)!);
  return { pcm: joinWithSilence([new Int16Array(8000), ...clips.map((c) => c.pcm)], 1.0), reference: clips.map((c) => c.text).join(' ') };
}

/** Builds a 16-bit PCM WAV file (for original-protocol clients, and test pages). */
export function encodeWav(pcm: Int16Array, sampleRate = 16000, channels = 1): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Streams PCM in frames of `frameMs`, `speed` times faster than real time (Infinity: no waiting). */
export async function streamPcm(
  send: (frame: Int16Array) => void,
  pcm: Int16Array,
  { frameMs = 100, speed = 1 }: { frameMs?: number; speed?: number } = {},
): Promise<void> {
  const frame = Math.round((16000 * frameMs) / 1000);
  const t0 = Date.now();
  for (let i = 0, n = 0; i < pcm.length; i += frame, n++) {
    send(pcm.slice(i, i + frame));
    if (Number.isFinite(speed)) {
      const due = t0 + ((n + 1) * frameMs) / speed;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

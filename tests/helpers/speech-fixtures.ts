// Real recorded speech from the shared fixtures, converted to what engines take (16 kHz mono).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../../server/audio/wav.ts';
import { resampleTo16k } from '../../server/audio/resample.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared fixtures live beside the repository (../shared); SHARED_DIR overrides. */
export function sharedDir(): string {
  return process.env.SHARED_DIR ? path.resolve(process.env.SHARED_DIR) : path.resolve(repoRoot, '../shared');
}

export interface SpeechClip {
  id: string;
  text: string;
  /** 16 kHz mono PCM16. */
  pcm: Int16Array;
  seconds: number;
}

export function realSpeechDir(): string {
  return path.join(sharedDir(), 'fixtures/speech/real');
}

/** Loads clips from speech/real (all, or the given ids in that order). */
export function loadRealSpeech(ids?: readonly string[]): SpeechClip[] {
  const dir = realSpeechDir();
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'transcripts.json'), 'utf8')) as {
    files: { id: string; file: string; text: string }[];
  };
  const entries = ids
    ? ids.map((id) => {
        const e = index.files.find((f) => f.id === id);
        if (!e) throw new Error(`no clip "${id}" in ${dir}/transcripts.json`);
        return e;
      })
    : index.files;
  return entries.map((e) => {
    const wav = parseWav(fs.readFileSync(path.join(dir, e.file)));
    const pcm = resampleTo16k(wav.samples, wav.sampleRate, wav.channels);
    return { id: e.id, text: e.text, pcm, seconds: pcm.length / 16000 };
  });
}

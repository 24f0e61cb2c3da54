import { describe, expect, it } from 'vitest';
import { AudioDecoder, isWav } from '../../../../server/audio/audio-decoder.ts';
import { encodeWav } from '../../../helpers/fixtures.ts';

const pcmBytes = (samples: number[]) => new Uint8Array(Int16Array.from(samples).buffer);

describe('AudioDecoder', () => {
  it('passes 16 kHz mono PCM through unchanged', () => {
    const d = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    const r = d.decodePcm(pcmBytes([1, -2, 300, -32768]), 2);
    expect(r.ok && Array.from(r.pcm)).toEqual([1, -2, 300, -32768]);
  });

  it('reads PCM from an unaligned buffer', () => {
    const d = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    const backing = new Uint8Array(5);
    backing.set([0x01, 0x00, 0xff, 0xff], 1);
    const r = d.decodePcm(backing.subarray(1), 2);
    expect(r.ok && Array.from(r.pcm)).toEqual([1, -1]);
  });

  it('rejects odd byte counts and partial stereo frames', () => {
    const mono = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    expect(mono.decodePcm(new Uint8Array(3201), 2)).toMatchObject({ ok: false, code: 'odd_length' });
    const stereo = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 2 });
    expect(stereo.decodePcm(new Uint8Array(6), 2)).toMatchObject({ ok: false, code: 'odd_length' });
  });

  it('rejects frames above the size limit', () => {
    const d = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    expect(d.decodePcm(new Uint8Array(16000 * 2 * 3), 2)).toMatchObject({ ok: false, code: 'frame_too_large' });
  });

  it('resamples 48 kHz stereo to 16 kHz mono, streaming', () => {
    const d = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 48000, channels: 2 });
    let total = 0;
    for (let i = 0; i < 10; i++) {
      const r = d.decodePcm(new Uint8Array(4800 * 2 * 2), 2); // 100 ms
      if (!r.ok) throw new Error(r.message);
      total += r.pcm.length;
    }
    expect(Math.abs(total - 16000)).toBeLessThan(64); // the filter's look-ahead is held back
  });

  it('decodes WAV files at any rate and rejects broken ones', () => {
    const wav = encodeWav(new Int16Array(22050), 22050, 1);
    expect(isWav(wav)).toBe(true);
    const d = new AudioDecoder({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 });
    const r = d.decodeWav(wav, 60);
    expect(r.ok && r.pcm.length).toBe(16000);
    expect(d.decodeWav(wav.subarray(0, 30), 60)).toMatchObject({ ok: false, code: 'unsupported_audio' });
    expect(d.decodeWav(encodeWav(new Int16Array(16000 * 61)), 60)).toMatchObject({ ok: false, code: 'frame_too_large' });
    expect(isWav(new Uint8Array(100))).toBe(false);
  });
});

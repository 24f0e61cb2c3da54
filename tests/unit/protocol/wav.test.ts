import { describe, expect, it } from 'vitest';
import { parseWav } from '../../../protocol/wav.ts';

/** Builds a WAV file; `extra` chunks go between "fmt " and "data". */
function wav(opts: {
  samples: number[];
  sampleRate?: number;
  channels?: number;
  format?: number;
  bits?: number;
  extra?: { id: string; bytes: number }[];
  dataSize?: number;
}): Uint8Array {
  const { samples, sampleRate = 16000, channels = 1, format = 1, bits = 16, extra = [] } = opts;
  const dataBytes = samples.length * 2;
  const extraBytes = extra.reduce((s, c) => s + 8 + c.bytes + (c.bytes & 1), 0);
  const buf = new Uint8Array(12 + 24 + extraBytes + 8 + dataBytes);
  const v = new DataView(buf.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (buf[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, buf.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, (sampleRate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  let at = 36;
  for (const c of extra) {
    put(at, c.id);
    v.setUint32(at + 4, c.bytes, true);
    at += 8 + c.bytes + (c.bytes & 1);
  }
  put(at, 'data');
  v.setUint32(at + 4, opts.dataSize ?? dataBytes, true);
  samples.forEach((s, i) => v.setInt16(at + 8 + 2 * i, s, true));
  return buf;
}

describe('parseWav', () => {
  it('reads mono PCM16', () => {
    const out = parseWav(wav({ samples: [0, 1, -1, 32767, -32768], sampleRate: 22050 }));
    expect(out.sampleRate).toBe(22050);
    expect(out.channels).toBe(1);
    expect([...out.samples]).toEqual([0, 1, -1, 32767, -32768]);
  });

  it('keeps stereo interleaved', () => {
    const out = parseWav(wav({ samples: [1, 2, 3, 4], channels: 2, sampleRate: 44100 }));
    expect(out.channels).toBe(2);
    expect([...out.samples]).toEqual([1, 2, 3, 4]);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const out = parseWav(wav({ samples: [7, 8], extra: [{ id: 'LIST', bytes: 5 }, { id: 'fact', bytes: 4 }] }));
    expect([...out.samples]).toEqual([7, 8]);
  });

  it('works on a view at an odd offset inside a larger buffer', () => {
    const file = wav({ samples: [100, -100, 5] });
    const big = new Uint8Array(file.length + 3);
    big.set(file, 1);
    expect([...parseWav(big.subarray(1, 1 + file.length)).samples]).toEqual([100, -100, 5]);
  });

  it('reads to the end when the data size is unknown (0xFFFFFFFF)', () => {
    expect([...parseWav(wav({ samples: [1, 2, 3], dataSize: 0xffffffff })).samples]).toEqual([1, 2, 3]);
  });

  it('rejects non-RIFF input', () => {
    expect(() => parseWav(new TextEncoder().encode('ID3 this is an mp3, honest'))).toThrow(/RIFF/);
    expect(() => parseWav(new Uint8Array(0))).toThrow(/RIFF/);
  });

  it('rejects encodings other than 16-bit PCM', () => {
    expect(() => parseWav(wav({ samples: [0, 0], format: 3, bits: 32 }))).toThrow(/16-bit PCM/);
    expect(() => parseWav(wav({ samples: [0, 0], bits: 8 }))).toThrow(/16-bit PCM/);
  });

  it('rejects truncated files', () => {
    const file = wav({ samples: [1, 2, 3, 4] });
    expect(() => parseWav(file.subarray(0, file.length - 2))).toThrow(/truncated/);
    expect(() => parseWav(file.subarray(0, 20))).toThrow(/truncated/);
    expect(() => parseWav(file.subarray(0, 36))).toThrow(/truncated.*data/);
  });
});

// The WAV file of the wire contract (16-bit PCM RIFF/WAVE): POST /transcribe and original-protocol
// chunks carry one. Pure (no fs): the extension encodes, the server, tests and benchmarks parse.

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved samples, `channels` per frame. */
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function parseWav(buf: Uint8Array): WavAudio {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (at: number) => String.fromCharCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);

  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error('not a WAV file: missing RIFF/WAVE header');
  }

  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let offset = 12;
  while (offset + 8 <= buf.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;

    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.byteLength) throw new Error('WAV file truncated: incomplete "fmt " chunk');
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first 2 bytes of its sub-format GUID.
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.byteLength) {
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV file has its "data" chunk before a "fmt " chunk');
      if (fmt.format !== WAVE_FORMAT_PCM || fmt.bits !== 16) {
        throw new Error(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bits} bits): only 16-bit PCM is supported`);
      }
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.blockAlign !== 2 * fmt.channels) {
        throw new Error(`invalid WAV "fmt " chunk (${fmt.channels} channels, ${fmt.sampleRate} Hz, block ${fmt.blockAlign})`);
      }
      // Streaming writers that cannot seek back leave 0xFFFFFFFF: the data runs to the end.
      const open = size === 0xffffffff;
      const byteLen = open ? buf.byteLength - body : size;
      if (body + byteLen > buf.byteLength) {
        throw new Error(`WAV file truncated: "data" chunk declares ${size} bytes, ${buf.byteLength - body} present`);
      }
      const frameBytes = fmt.blockAlign;
      const usable = byteLen - (byteLen % frameBytes);
      if (!open && usable !== byteLen) throw new Error('WAV "data" chunk is not a whole number of sample frames');
      // Copy: the source may be unaligned for an Int16Array view, and callers may reuse it.
      const samples = new Int16Array(usable / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
    }
    offset = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new Error(fmt ? 'WAV file truncated: no "data" chunk' : 'WAV file truncated: no "fmt " chunk');
}

/** PCM16 mono → a complete WAV file (44-byte RIFF header). */
export function encodeWav(pcm: Int16Array, sampleRate = 16000): ArrayBuffer {
  const data = pcm.length * 2;
  const buf = new ArrayBuffer(44 + data);
  const v = new DataView(buf);
  const ascii = (off: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(off + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + data, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, data, true);
  new Int16Array(buf, 44, pcm.length).set(pcm);
  return buf;
}

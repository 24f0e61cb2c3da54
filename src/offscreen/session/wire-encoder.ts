// How streaming audio goes on the wire, per connection: PCM16 frames as they are, or a fresh
// Opus stream (the log holds PCM, so a resend from any sample starts a clean Opus stream).

import type { AudioEncoding } from '../../../protocol/index.ts';

/** Turns 16 kHz PCM16 frames into compressed packets, in order (one stream per connection). */
export interface WireEncoder {
  encode(pcm: Int16Array): void;
  /** Resolves once the packets for all audio given so far are out (the last one padded). */
  flush(): Promise<void>;
  close(): void;
}

export type WireEncoderFactory = (onPacket: (packet: ArrayBuffer) => void, onError: (err: Error) => void) => WireEncoder;

/** The wire encoding of a session: Opus while the encoder and the server cope, else PCM16 for good. */
export class WireEncoding {
  encoding: AudioEncoding;
  private encoder: WireEncoder | null = null;
  private send: ((data: ArrayBuffer) => void) | null = null;

  constructor(private readonly factory: WireEncoderFactory | undefined) {
    this.encoding = factory ? 'opus' : 'pcm_s16le';
  }

  /** A fresh stream for one connection: its bytes go to `send` only; `onError` if the encoder breaks. */
  open(send: (data: ArrayBuffer) => void, onError: (err: Error) => void): void {
    this.close();
    this.send = send;
    if (this.encoding !== 'opus' || !this.factory) return;
    try {
      this.encoder = this.factory(send, onError);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** One frame of the log, onto the wire of the open connection. */
  write(pcm: Int16Array): void {
    if (this.encoder) {
      this.encoder.encode(pcm);
    } else {
      // Copy: a subarray's buffer may hold more than the frame.
      this.send?.(pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength ? (pcm.buffer as ArrayBuffer) : pcm.slice().buffer);
    }
  }

  /** Resolves once the encoder's packets so far are out (at once without an encoder). */
  flushed(): Promise<void> | null {
    return this.encoder ? this.encoder.flush().catch(() => {}) : null;
  }

  /** PCM16 from now on; false if it already was. */
  fallBackToPcm(): boolean {
    if (this.encoding !== 'opus') return false;
    this.encoding = 'pcm_s16le';
    this.close();
    return true;
  }

  close(): void {
    const enc = this.encoder;
    this.encoder = null;
    this.send = null;
    try {
      enc?.close();
    } catch {
      // Already closed.
    }
  }
}

// What a StreamSession tells its owner: state changes, events, and the status line (mode, how
// far behind live, audio dropped, the engine's lag), on changes and every second while active;
// and the AudioLog those figures come from, which reports what an overflow drops.

import { WIRE_SAMPLE_RATE as RATE } from '../../../protocol/index.ts';
import type { TransportMode } from '../../shared/tab-session-state.ts';
import { AudioLog } from './audio-log.ts';
import type { StateExtra, StreamEvent, StreamState } from './types.ts';

const round1 = (x: number) => Math.round(x * 10) / 10;

export abstract class StreamSessionReporter {
  state: StreamState = 'idle';
  mode: TransportMode = 'streaming';
  /** Every captured sample, until the server confirms it. */
  readonly log: AudioLog;
  private statusTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly onEvent: (event: StreamEvent) => void,
    maxBufferSeconds: number,
  ) {
    this.log = new AudioLog(maxBufferSeconds * RATE);
  }

  /** How far behind live the captions are, in seconds of audio waiting for the server. */
  abstract get bufferedSeconds(): number;

  /** The server's `behind` on its last partial/final: its engine's lag for this session. */
  protected abstract get engineBehindSeconds(): number;

  /** Seconds of captured audio the server has not confirmed yet (kept for re-sending). */
  get unconfirmedSeconds(): number {
    return (this.log.end - Math.max(this.log.acked, this.log.start)) / RATE;
  }

  get droppedSeconds(): number {
    return this.log.droppedSamples / RATE;
  }

  /** Keeps one frame of PCM16 LE (whole samples) in the log; says so when an overflow drops old audio. */
  protected record(pcm: ArrayBuffer): Int16Array {
    const samples = new Int16Array(pcm.slice(0, pcm.byteLength - (pcm.byteLength % 2)));
    const dropped = this.log.push(samples);
    if (dropped > 0) {
      this.emit({ type: 'dropped', seconds: dropped / RATE, totalSeconds: this.log.droppedSamples / RATE });
      this.emitStatus();
    }
    return samples;
  }

  setState(state: StreamState, extra: StateExtra = {}): void {
    this.state = state;
    this.emit({ type: 'state', state, ...extra });
  }

  emitStatus(): void {
    const engineBehindSeconds = round1(this.engineBehindSeconds);
    this.emit({ type: 'status', mode: this.mode, behindSeconds: round1(this.bufferedSeconds), droppedSeconds: round1(this.droppedSeconds), engineBehindSeconds });
  }

  emit(event: StreamEvent): void {
    try {
      this.onEvent(event);
    } catch (err) {
      console.error('[stream] event handler failed', err);
    }
  }

  /** `status` every second from now until `stopStatus`. */
  protected startStatus(): void {
    this.statusTimer = setInterval(() => this.emitStatus(), 1000);
  }

  protected stopStatus(): void {
    clearInterval(this.statusTimer);
  }
}

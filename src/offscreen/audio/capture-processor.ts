// The AudioWorklet half of audio capture: runs on the audio rendering thread, turns each
// 128-frame render quantum of tab audio into mono → 16 kHz (anti-aliased) → Int16 and
// posts exact 100 ms frames (1600 samples, pcm_s16le) to the offscreen document, which
// forwards them as binary WebSocket frames. Built as its own module bundle and loaded
// with audioWorklet.addModule(): no DOM, no `window`, only AudioWorkletGlobalScope.
//
// Port protocol (processor → node):  { type: 'frame', pcm: ArrayBuffer }  (transferred)
//                                    { type: 'level', rms: number }       (every 100 ms)
//                                    { type: 'flushed' }                  (after a flush)
// Port protocol (node → processor):  { type: 'flush' } — post the buffered partial frame
//                                    (if any), then 'flushed'.

import { downmixToMono } from '../../../dsp/downmix.ts';
import { FRAME_SAMPLES, FramePacker } from './frame-packer.ts';
import { StreamingResampler } from '../../../dsp/resampler.ts';
import type { AudioWorkletScope } from './worklet-globals';

export const PROCESSOR_NAME = 'pcm16-capture';
export const OUTPUT_RATE = 16000;

/** Messages the processor posts on its port. */
export type CaptureProcessorMessage =
  | { type: 'frame'; pcm: ArrayBuffer }
  | { type: 'level'; rms: number }
  | { type: 'flushed' };

/** Messages the processor accepts on its port. */
export type CaptureProcessorCommand = { type: 'flush' };

const RENDER_QUANTUM = 128;
const LEVEL_INTERVAL = FRAME_SAMPLES; // output samples between level reports (100 ms)

const scope = globalThis as unknown as AudioWorkletScope;

export class Pcm16CaptureProcessor extends scope.AudioWorkletProcessor {
  private readonly resampler: StreamingResampler;
  private readonly packer: FramePacker;
  private mono: Float32Array;
  private resampled: Float32Array;
  private levelSumSq = 0;
  private levelCount = 0;
  private readonly silence: Float32Array[] = [];

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.resampler = new StreamingResampler(scope.sampleRate, OUTPUT_RATE);
    this.packer = new FramePacker((pcm) => {
      this.port.postMessage({ type: 'frame', pcm } satisfies CaptureProcessorMessage, [pcm]);
    }, FRAME_SAMPLES);
    this.mono = new Float32Array(RENDER_QUANTUM);
    this.resampled = new Float32Array(this.resampler.maxOutput(RENDER_QUANTUM));
    this.port.onmessage = (event: MessageEvent) => {
      const data = event.data as Partial<CaptureProcessorCommand> | null;
      if (data && data.type === 'flush') {
        this.packer.flush();
        this.port.postMessage({ type: 'flushed' } satisfies CaptureProcessorMessage);
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0];
    // No active source connected: zero channels. Keep the timeline going with silence.
    const channels = input && input.length > 0 ? input : this.silence;
    const length = channels.length > 0 ? channels[0].length : RENDER_QUANTUM;

    if (this.mono.length < length) {
      this.mono = new Float32Array(length);
      this.resampled = new Float32Array(this.resampler.maxOutput(length));
    }
    downmixToMono(channels, this.mono, length);
    const n = this.resampler.process(this.mono, this.resampled, length);
    this.packer.push(this.resampled, n);

    const out = this.resampled;
    for (let i = 0; i < n; i++) {
      const v = out[i];
      this.levelSumSq += v * v;
      if (++this.levelCount === LEVEL_INTERVAL) {
        const rms = Math.sqrt(this.levelSumSq / LEVEL_INTERVAL);
        this.port.postMessage({ type: 'level', rms } satisfies CaptureProcessorMessage);
        this.levelSumSq = 0;
        this.levelCount = 0;
      }
    }
    return true;
  }
}

scope.registerProcessor(PROCESSOR_NAME, Pcm16CaptureProcessor);

// Browser-side wiring of the capture pipeline, used by the offscreen document: tab
// MediaStream → (a) the speakers, because chrome.tabCapture mutes the tab for the user
// unless its audio is played back, and (b) the 'pcm16-capture' AudioWorklet, which does
// the mono/16 kHz/Int16 conversion off the main thread and posts 100 ms frames back.
//
// The worklet node has no outputs (numberOfOutputs: 0) and is not connected to the
// destination: Chrome still pulls (runs process() on) an AudioWorkletNode with zero
// outputs as long as its input is fed — verified in Chromium 156 (see the audio report).

import type { CaptureProcessorCommand, CaptureProcessorMessage } from './capture-processor.ts';

const PROCESSOR_NAME = 'pcm16-capture'; // must match registerProcessor() in capture-processor.ts
const FLUSH_TIMEOUT_MS = 1000;
const RESUME_TIMEOUT_MS = 1000;

export interface CaptureGraph {
  context: AudioContext;
  /** Ask the worklet to emit its buffered partial frame; resolves once it has (after onFrame ran for it). */
  flush(): Promise<void>;
  /** Disconnect everything, stop the stream's tracks and close the AudioContext. Idempotent. */
  stop(): Promise<void>;
}

export async function startCaptureGraph(
  stream: MediaStream,
  processorUrl: string,
  onFrame: (pcm: ArrayBuffer) => void,
  onLevel?: (rms: number) => void,
): Promise<CaptureGraph> {
  // Default rate (the output device's): the worklet resamples whatever it gets to 16 kHz,
  // and asking for 16 kHz here would make Chrome resample the playback path too.
  const context = new AudioContext();
  let source: MediaStreamAudioSourceNode | undefined;
  let node: AudioWorkletNode | undefined;
  try {
    await context.audioWorklet.addModule(processorUrl);
    source = context.createMediaStreamSource(stream);
    source.connect(context.destination); // keep the captured tab audible
    node = new AudioWorkletNode(context, PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      // Up to stereo; surround is down-mixed to stereo by Web Audio's speaker rules first.
      channelCount: 2,
      channelCountMode: 'clamped-max',
      channelInterpretation: 'speakers',
    });
  } catch (err) {
    source?.disconnect();
    await context.close().catch(() => {});
    throw err;
  }

  const workletNode = node;
  const sourceNode = source;
  const pendingFlushes: Array<() => void> = [];
  let stopped = false;

  workletNode.port.onmessage = (event: MessageEvent<CaptureProcessorMessage>) => {
    const msg = event.data;
    if (stopped || !msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'frame':
        onFrame(msg.pcm);
        break;
      case 'level':
        onLevel?.(msg.rms);
        break;
      case 'flushed':
        pendingFlushes.shift()?.();
        break;
    }
  };
  workletNode.onprocessorerror = (event) => {
    console.error('[capture-graph] pcm16-capture processor failed', event);
  };
  sourceNode.connect(workletNode);

  // An offscreen document normally may start audio without a gesture; don't hang if not.
  if (context.state !== 'running') {
    await Promise.race([
      context.resume().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, RESUME_TIMEOUT_MS)),
    ]);
  }

  const flush = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const i = pendingFlushes.indexOf(finish);
        if (i >= 0) pendingFlushes.splice(i, 1);
        resolve();
      };
      // Never let a stalled audio thread hang the caller (e.g. a stop sequence).
      const timer = setTimeout(finish, FLUSH_TIMEOUT_MS);
      pendingFlushes.push(finish);
      workletNode.port.postMessage({ type: 'flush' } satisfies CaptureProcessorCommand);
    });
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const resolve of pendingFlushes.splice(0)) resolve();
    workletNode.port.onmessage = null;
    workletNode.onprocessorerror = null;
    try {
      sourceNode.disconnect();
      workletNode.disconnect();
    } catch {
      // already disconnected
    }
    workletNode.port.close();
    for (const track of stream.getTracks()) track.stop();
    if (context.state !== 'closed') await context.close().catch(() => {});
  };

  return { context, flush, stop };
}

// Types for the AudioWorkletGlobalScope that capture-processor.ts runs in. TypeScript's
// DOM and WebWorker libs (what tsconfig loads) do not describe that scope, and adding
// them as ambient globals would leak `sampleRate`, `registerProcessor` etc. into every
// other file of the project. So they are exported types: the processor reads the real
// globals through `globalThis` cast to AudioWorkletScope.

export interface AudioWorkletProcessorBase {
  readonly port: MessagePort;
}

export interface AudioWorkletProcessorBaseConstructor {
  new (options?: AudioWorkletNodeOptions): AudioWorkletProcessorBase;
  readonly prototype: AudioWorkletProcessorBase;
}

export interface AudioWorkletProcessorImpl extends AudioWorkletProcessorBase {
  process(
    inputs: Float32Array[][],
    outputs: Float32Array[][],
    parameters: Record<string, Float32Array>,
  ): boolean;
}

export type AudioWorkletProcessorImplConstructor = new (
  options?: AudioWorkletNodeOptions,
) => AudioWorkletProcessorImpl;

/** The globals of AudioWorkletGlobalScope that this project uses. */
export interface AudioWorkletScope {
  readonly sampleRate: number;
  readonly currentFrame: number;
  readonly currentTime: number;
  readonly AudioWorkletProcessor: AudioWorkletProcessorBaseConstructor;
  registerProcessor(name: string, processorCtor: AudioWorkletProcessorImplConstructor): void;
}

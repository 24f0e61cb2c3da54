// Prometheus metrics for GET /metrics: sessions, audio received, captions sent, errors by code,
// end-of-speech → final latency and the engine's real-time factor. One registry per process;
// the server and pipeline call the small hooks below.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerMessage } from '../protocol/index.ts';

const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'captions_' });

let sessionCount: () => number = () => 0;

const sessions = new Gauge({
  name: 'captions_sessions',
  help: 'Streaming sessions open now',
  registers: [registry],
  collect() {
    this.set(sessionCount());
  },
});

const audioSeconds = new Counter({
  name: 'captions_audio_received_seconds_total',
  help: 'Seconds of audio received from clients (after decoding to 16 kHz mono)',
  registers: [registry],
});

const finals = new Counter({ name: 'captions_finals_total', help: 'final messages sent', registers: [registry] });
const partials = new Counter({ name: 'captions_partials_total', help: 'partial messages sent', registers: [registry] });
const errors = new Counter({
  name: 'captions_errors_total',
  help: 'error messages sent, by code',
  labelNames: ['code'] as const,
  registers: [registry],
});

const finalLatency = new Histogram({
  name: 'captions_final_latency_seconds',
  help: 'Time from the audio that ended a segment (or the flush) reaching the server to its final being sent',
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

const realTimeFactor = new Histogram({
  name: 'captions_engine_real_time_factor',
  help: 'Engine processing time divided by audio duration, per segment',
  buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
  registers: [registry],
});

/** Error codes are a closed set in the protocol; anything else is bucketed to keep labels bounded. */
const KNOWN_CODE = /^[a-z_]{1,40}$/;

export const metrics = {
  registry,
  contentType: registry.contentType,
  /** The server reports its session count through this when scraped. */
  trackSessions(count: () => number): void {
    sessionCount = count;
  },
  audioReceived(seconds: number): void {
    if (seconds > 0) audioSeconds.inc(seconds);
  },
  /** Counts every message sent to a client. */
  serverMessage(msg: ServerMessage): void {
    if (msg.type === 'final' || msg.type === 'transcription') finals.inc();
    else if (msg.type === 'partial') partials.inc();
    else if (msg.type === 'error') errors.inc({ code: KNOWN_CODE.test(msg.code) ? msg.code : 'other' });
  },
  finalLatency(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) finalLatency.observe(seconds);
  },
  segmentRealTimeFactor(engineSeconds: number, audioSeconds: number): void {
    if (audioSeconds > 0 && Number.isFinite(engineSeconds)) realTimeFactor.observe(engineSeconds / audioSeconds);
  },
  text(): Promise<string> {
    return registry.metrics();
  },
  /** For tests in one process. */
  reset(): void {
    registry.resetMetrics();
  },
};

void sessions;

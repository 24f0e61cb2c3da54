// The server session's parts (server/session/) with fakes: the shared engine opener, stop() and
// drain() waiting for events without timers, and the resume registry owned per server.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { EngineRegistry } from '../../../../server/engine-registry.ts';
import type { Engine, Recognizer } from '../../../../server/engines/engine.ts';
import type { Logger } from '../../../../server/log.ts';
import { EngineOpener } from '../../../../server/session/open-engine.ts';
import { ResumeRegistry } from '../../../../server/session/resume-registry.ts';
import type { PipelineConfig, ServerSessionConfig } from '../../../../server/config.ts';
import { ServerSession } from '../../../../server/session/server-session.ts';

// The real pipeline loads the Silero VAD model; these tests only need one that accepts audio.
const phrase = vi.hoisted(() => ({ end: Promise.resolve() as Promise<void> }));
vi.mock('../../../../server/pipeline.ts', () => ({
  TranscriptionPipeline: {
    create: async () => ({ push() {}, flush: async () => {}, close: async () => {}, backlogSeconds: () => 0, whenSilent: () => phrase.end }),
  },
}));

const recognizer: Recognizer = {
  accept: async () => {},
  partial: async () => ({ text: '' }),
  finish: async () => ({ text: '' }),
  close: async () => {},
};

function engine(name: string, languages: string[] | 'multi', start: () => Promise<Recognizer> = async () => recognizer): Engine {
  return { info: { name, model: `${name}-model`, languages } as Engine['info'], createRecognizer: start, close: async () => {} };
}

function registry(...engines: Engine[]): EngineRegistry {
  const r = new EngineRegistry(engines[0]!.info.name);
  for (const e of engines) r.add(e);
  return r;
}

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Record<string, unknown>[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code: number): void {
    this.readyState = 3;
    this.emit('close', code);
  }
  terminate(): void {
    this.close(1006);
  }
  text(msg: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(msg)), false);
  }
  types(): unknown[] {
    return this.sent.map((m) => m.type);
  }
}

const config: ServerSessionConfig = {
  idleTimeout: 60,
  resumeGraceSeconds: 60,
  link: { maxBufferedBytes: 1 << 20, maxProtocolErrors: 10 },
  audio: { maxFrameSeconds: 2, maxWavSeconds: 60, maxBacklogSeconds: 180 },
};
const pipeline: PipelineConfig = { endSilenceMs: 600, maxSegmentSeconds: 25 };
const log: Logger = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

function session(engines: EngineRegistry, resumables = new ResumeRegistry<ServerSession>()) {
  const ws = new FakeSocket();
  const opener = new EngineOpener({ engines, maxSessions: 4, running: () => 0 });
  const s = new ServerSession(ws as unknown as WebSocket, { config, pipeline, opener, resumables, log, onClosed() {} });
  return { ws, s, resumables };
}

const init = { type: 'init', sourceLanguage: 'en', targetLanguage: 'none', engine: 'default', protocol: 2 };
const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe('EngineOpener (WebSocket and REST)', () => {
  const engines = registry(engine('sphinx', ['en']), engine('whisper', 'multi'));

  it('says the session limit is reached once running sessions and uploads fill it', () => {
    let running = 1;
    const opener = new EngineOpener({ engines, maxSessions: 2, running: () => running });
    expect(opener.full()).toBeNull();
    running = 2;
    expect(opener.full()).toBe('the server is at its limit of 2 sessions; try again later');
  });

  it('checks the language against the engine and gives the language finals carry by default', () => {
    const opener = new EngineOpener({ engines, maxSessions: 2, running: () => 0 });
    expect(opener.open({ engine: 'default', language: 'en-GB' })).toMatchObject({ ok: true, language: 'en' });
    expect(opener.open({ engine: 'sphinx', language: 'auto' })).toMatchObject({ ok: true, language: 'en' });
    expect(opener.open({ engine: 'whisper', language: 'auto' })).toMatchObject({ ok: true, language: '' });
    expect(opener.open({ engine: 'whisper', language: 'de' })).toMatchObject({ ok: true, language: 'de' });
    expect(opener.open({ engine: 'sphinx', language: 'de' })).toEqual({
      ok: false,
      code: 'unsupported_language',
      message: 'the sphinx engine transcribes en only, not "de"',
    });
    expect(opener.open({ engine: 'vosk', language: 'en' })).toMatchObject({ ok: false, code: 'unknown_engine' });
  });
});

describe('ServerSession', () => {
  it('stop() during the engine start waits for the start itself (no timer polling), then says done', async () => {
    vi.useFakeTimers();
    let started!: (r: Recognizer) => void;
    const { ws } = session(registry(engine('sphinx', ['en'], () => new Promise((r) => (started = r)))));
    ws.text(init);
    ws.text({ type: 'stop' });
    await ticks();
    expect(ws.types()).toEqual([]);
    started(recognizer);
    await ticks(); // no timer is advanced: only the start settling may let stop() go on
    expect(ws.types()).toEqual(['ready', 'done']);
  });

  it('drain() waits for the open phrase to end (an event, no timer polling), then says shutting_down', async () => {
    vi.useFakeTimers();
    let end!: () => void;
    phrase.end = new Promise((r) => (end = r));
    const { ws, s } = session(registry(engine('sphinx', ['en'])));
    ws.text(init);
    await ticks();
    expect(ws.types()).toEqual(['ready']);
    let drained = false;
    void s.drain({ noticeMs: 0, phraseWaitMs: 8000, moveRetryMs: 0 }).then(() => (drained = true));
    await ticks();
    expect(drained).toBe(false);
    end();
    await ticks(); // no timer is advanced: only the phrase ending may let drain() go on
    expect(drained).toBe(true);
    expect(ws.sent.at(-1)).toMatchObject({ type: 'error', code: 'shutting_down', fatal: true });
    phrase.end = Promise.resolve();
  });

  it('drain() gives up waiting for the phrase after phraseWaitMs', async () => {
    vi.useFakeTimers();
    phrase.end = new Promise(() => {});
    const { ws, s } = session(registry(engine('sphinx', ['en'])));
    ws.text(init);
    await ticks();
    let drained = false;
    void s.drain({ noticeMs: 0, phraseWaitMs: 8000, moveRetryMs: 0 }).then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(7999);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
    expect(ws.types()).toEqual(['ready', 'error']);
    phrase.end = Promise.resolve();
  });

  it('resumes only through the registry of its own server', async () => {
    const engines = registry(engine('sphinx', ['en']));
    const a = session(engines);
    a.ws.text(init);
    await ticks();
    const ready = a.ws.sent[0] as { type: string; sessionId: string; resumeToken: string };
    expect(ready.type).toBe('ready');
    const resume = { ...init, resume: { sessionId: ready.sessionId, token: ready.resumeToken } };

    const elsewhere = session(engines); // another server: its own registry
    elsewhere.ws.text(resume);
    await ticks();
    expect(elsewhere.ws.sent[0]).toMatchObject({ type: 'error', code: 'resume_failed' });

    const here = session(engines, a.resumables);
    here.ws.text(resume);
    await ticks();
    expect(here.ws.sent[0]).toMatchObject({ type: 'ready', resumed: true, sessionId: ready.sessionId });
  });
});

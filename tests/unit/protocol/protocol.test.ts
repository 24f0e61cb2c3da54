// Both sides of docs/protocol.md: what clients may send, and what servers (ours and the
// original protocol's) may answer.
import { describe, expect, it } from 'vitest';
import { parseClientMessage, parseServerMessage } from '../../../protocol/index.ts';

describe('parseClientMessage', () => {
  it('accepts the original protocol init and fills defaults', () => {
    const r = parseClientMessage('{"type":"init","sourceLanguage":"auto","targetLanguage":"en","engine":"faster-whisper"}');
    expect(r).toEqual({
      ok: true,
      value: { type: 'init', sourceLanguage: 'auto', targetLanguage: 'en', engine: 'faster-whisper' },
    });
    expect(parseClientMessage('{"type":"init"}')).toEqual({
      ok: true,
      value: { type: 'init', sourceLanguage: 'auto', targetLanguage: '', engine: 'default' },
    });
  });

  it('accepts protocol 2 with an audio spec', () => {
    const r = parseClientMessage(
      JSON.stringify({
        type: 'init',
        sourceLanguage: 'en-US',
        targetLanguage: 'es',
        engine: 'sphinx',
        protocol: 2,
        audio: { encoding: 'pcm_s16le', sampleRate: 48000, channels: 2 },
        somethingNew: true,
      }),
    );
    expect(r.ok && r.value.type === 'init' && r.value.audio).toEqual({ encoding: 'pcm_s16le', sampleRate: 48000, channels: 2 });
  });

  it('accepts Opus audio at the rates an Opus encoder takes', () => {
    for (const sampleRate of [8000, 12000, 16000, 24000, 48000]) {
      const r = parseClientMessage(JSON.stringify({ type: 'init', protocol: 2, audio: { encoding: 'opus', sampleRate, channels: 1 } }));
      expect(r.ok && r.value.type === 'init' && r.value.audio).toEqual({ encoding: 'opus', sampleRate, channels: 1 });
    }
  });

  it.each([
    ['not json', 'bad_json'],
    ['[1,2]', 'bad_message'],
    ['{"kind":"init"}', 'bad_message'],
    ['{"type":"dance"}', 'bad_message'],
    ['{"type":"init","engine":5}', 'bad_message'],
    ['{"type":"init","sourceLanguage":"<script>"}', 'bad_message'],
    ['{"type":"init","protocol":"2"}', 'bad_message'],
    ['{"type":"init","audio":{"encoding":"opus","sampleRate":22050,"channels":1}}', 'unsupported_audio'],
    ['{"type":"init","audio":{"encoding":"opus","sampleRate":16000,"channels":3}}', 'unsupported_audio'],
    ['{"type":"init","audio":{"encoding":"flac","sampleRate":16000,"channels":1}}', 'unsupported_audio'],
    ['{"type":"init","audio":{"encoding":"pcm_s16le","sampleRate":96000,"channels":1}}', 'unsupported_audio'],
    ['{"type":"init","audio":{"encoding":"pcm_s16le","sampleRate":16000.5,"channels":1}}', 'unsupported_audio'],
    ['{"type":"init","audio":{"encoding":"pcm_s16le","sampleRate":16000,"channels":6}}', 'unsupported_audio'],
    ['{"type":"init","audio":"pcm"}', 'unsupported_audio'],
    ['{"type":"init","protocol":2,"resume":"s1"}', 'bad_message'],
    ['{"type":"init","protocol":2,"resume":{"sessionId":"s1"}}', 'bad_message'],
    ['{"type":"init","protocol":2,"resume":{"sessionId":5,"token":"t"}}', 'bad_message'],
    ['{"type":"init","protocol":2,"resume":{"sessionId":"s1","token":"t","audioOffset":-1}}', 'bad_message'],
    ['{"type":"init","protocol":2,"resume":{"sessionId":"s1","token":"t","audioOffset":1.5}}', 'bad_message'],
    ['{"type":"init","protocol":2,"resume":{"sessionId":"s1","token":"t","lastSegmentId":-2}}', 'bad_message'],
  ])('rejects %s with %s', (raw, code) => {
    const r = parseClientMessage(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(10);
    }
  });

  it('accepts a resume request in init', () => {
    const r = parseClientMessage(
      JSON.stringify({
        type: 'init',
        engine: 'sphinx',
        protocol: 2,
        resume: { sessionId: 's1', token: 'tok', audioOffset: 48000, lastSegmentId: 2, extra: 1 },
      }),
    );
    expect(r.ok && r.value.type === 'init' && r.value.resume).toEqual({
      sessionId: 's1',
      token: 'tok',
      audioOffset: 48000,
      lastSegmentId: 2,
    });
    const minimal = parseClientMessage('{"type":"init","protocol":2,"resume":{"sessionId":"s1","token":"tok"}}');
    expect(minimal.ok && minimal.value.type === 'init' && minimal.value.resume).toEqual({ sessionId: 's1', token: 'tok' });
    const none = parseClientMessage('{"type":"init","protocol":2,"resume":null}');
    expect(none.ok && none.value.type === 'init' && 'resume' in none.value).toBe(false);
  });

  it('accepts control messages', () => {
    for (const type of ['flush', 'stop', 'keepalive']) {
      expect(parseClientMessage(JSON.stringify({ type }))).toEqual({ ok: true, value: { type } });
    }
  });
});

describe('parseServerMessage', () => {
  it('parses protocol 2 messages', () => {
    expect(parseServerMessage('{"type":"ready","sessionId":"s1","protocol":2,"engine":"sphinx","model":"m","sampleRate":16000}')).toEqual({
      ok: true,
      value: { type: 'ready', sessionId: 's1', protocol: 2, engine: 'sphinx', model: 'm', sampleRate: 16000 },
    });
    expect(
      parseServerMessage(
        '{"type":"ready","sessionId":"s1","protocol":2,"engine":"sphinx","model":"m","sampleRate":16000,"resumeToken":"abc","resumed":true,"receivedSamples":32000}',
      ),
    ).toEqual({
      ok: true,
      value: {
        type: 'ready',
        sessionId: 's1',
        protocol: 2,
        engine: 'sphinx',
        model: 'm',
        sampleRate: 16000,
        resumeToken: 'abc',
        resumed: true,
        receivedSamples: 32000,
      },
    });
    // Wrongly typed resume fields are dropped, not trusted.
    expect(
      parseServerMessage('{"type":"ready","sessionId":"s1","resumeToken":5,"resumed":"yes","receivedSamples":"9"}'),
    ).toEqual({
      ok: true,
      value: { type: 'ready', sessionId: 's1', protocol: 2, engine: 'unknown', model: '', sampleRate: 16000 },
    });
    expect(parseServerMessage('{"type":"error","code":"resume_failed","message":"expired","fatal":false,"success":false}')).toEqual({
      ok: true,
      value: { type: 'error', code: 'resume_failed', message: 'expired', fatal: false, success: false },
    });
    expect(parseServerMessage('{"type":"partial","segmentId":3,"text":"ask not","start":1.5,"end":2}')).toEqual({
      ok: true,
      value: { type: 'partial', segmentId: 3, text: 'ask not', start: 1.5, end: 2 },
    });
    expect(parseServerMessage('{"type":"final","segmentId":3,"text":"ask not","start":1.5,"end":2.5,"language":"en"}')).toEqual({
      ok: true,
      value: { type: 'final', segmentId: 3, text: 'ask not', start: 1.5, end: 2.5, language: 'en' },
    });
    expect(parseServerMessage('{"type":"error","code":"busy","message":"full","fatal":true,"success":false}')).toEqual({
      ok: true,
      value: { type: 'error', code: 'busy', message: 'full', fatal: true, success: false },
    });
    // The engine's lag, when the server sends it; a negative or non-numeric one is left out.
    expect(parseServerMessage('{"type":"partial","segmentId":3,"text":"a","start":1,"end":2,"behind":2.5}')).toEqual({
      ok: true,
      value: { type: 'partial', segmentId: 3, text: 'a', start: 1, end: 2, behind: 2.5 },
    });
    expect(parseServerMessage('{"type":"final","segmentId":3,"text":"a","start":1,"end":2,"language":"en","behind":0}')).toEqual({
      ok: true,
      value: { type: 'final', segmentId: 3, text: 'a', start: 1, end: 2, language: 'en', behind: 0 },
    });
    expect(parseServerMessage('{"type":"partial","segmentId":3,"text":"a","start":1,"end":2,"behind":-1}')).toEqual({
      ok: true,
      value: { type: 'partial', segmentId: 3, text: 'a', start: 1, end: 2 },
    });
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ ok: true, value: { type: 'pong' } });
    expect(parseServerMessage('{"type":"done"}')).toEqual({ ok: true, value: { type: 'done' } });
  });

  it('parses the original protocol answers', () => {
    expect(
      parseServerMessage('{"type":"transcription","text":" hello","language":"en","language_probability":0.98,"success":true}'),
    ).toEqual({
      ok: true,
      value: { type: 'transcription', text: ' hello', language: 'en', language_probability: 0.98, success: true },
    });
    expect(parseServerMessage('{"type":"connection","status":"connected"}')).toEqual({
      ok: true,
      value: { type: 'connection', status: 'connected' },
    });
    // The original server's error shape has no code or fatal flag.
    expect(parseServerMessage('{"type":"error","message":"boom","success":false}')).toEqual({
      ok: true,
      value: { type: 'error', code: 'server_error', message: 'boom', fatal: false, success: false },
    });
    // A failed transcription is an error, not a caption.
    const failed = parseServerMessage('{"type":"transcription","text":"","success":false}');
    expect(failed.ok && failed.value.type).toBe('error');
  });

  it.each([
    ['{', 'bad_json'],
    ['"text"', 'bad_message'],
    ['{"type":"partial","text":"x"}', 'bad_message'],
    ['{"type":"final","segmentId":1}', 'bad_message'],
    ['{"type":"ready"}', 'bad_message'],
    ['{"type":"surprise"}', 'bad_message'],
    ['{"type":"connection","status":"weird"}', 'bad_message'],
  ])('rejects %s', (raw, code) => {
    const r = parseServerMessage(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('keeps HTML in text as text (never interprets it)', () => {
    const r = parseServerMessage('{"type":"final","segmentId":0,"text":"<img src=x onerror=alert(1)>","start":0,"end":1}');
    expect(r.ok && r.value.type === 'final' && r.value.text).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('parseServerMessage: pushed translations', () => {
  it('parses a translation keyed by segmentId, as docs/protocol.md shows it', () => {
    expect(parseServerMessage('{"type":"translation","segmentId":3,"text":"no preguntes qué puede hacer tu país por ti","language":"es"}')).toEqual({
      ok: true,
      value: { type: 'translation', segmentId: 3, text: 'no preguntes qué puede hacer tu país por ti', language: 'es' },
    });
  });

  it.each([
    ['{"type":"translation","text":"hola","language":"es"}'],
    ['{"type":"translation","segmentId":"3","text":"hola","language":"es"}'],
    ['{"type":"translation","segmentId":3,"language":"es"}'],
    ['{"type":"translation","segmentId":3,"text":"hola"}'],
  ])('rejects an incomplete translation %s', (raw) => {
    const r = parseServerMessage(raw);
    expect(r).toMatchObject({ ok: false, code: 'bad_message' });
  });

  it('lists translation_failed among the non-fatal errors', () => {
    expect(parseServerMessage('{"type":"error","code":"translation_failed","message":"captions are not translated: x","fatal":false,"success":false}')).toEqual({
      ok: true,
      value: { type: 'error', code: 'translation_failed', message: 'captions are not translated: x', fatal: false, success: false },
    });
  });
});

describe('parseServerMessage: ready announces pushed translations', () => {
  it('keeps ready.translation when present, drops junk', () => {
    const r = parseServerMessage('{"type":"ready","sessionId":"s1","protocol":2,"engine":"sphinx","model":"m","sampleRate":16000,"translation":"es"}');
    expect(r.ok && r.value.type === 'ready' && r.value.translation).toBe('es');
    const junk = parseServerMessage('{"type":"ready","sessionId":"s1","translation":5}');
    expect(junk.ok && junk.value.type === 'ready' && 'translation' in junk.value).toBe(false);
  });
});

// Inputs the fuzzer (tests/server/fuzz.test.ts) found to throw inside the parser, which the
// server calls from a socket handler: a throw there ended the whole process.
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../../protocol/index.ts';

describe('parseClientMessage never throws', () => {
  it.each([
    '{"type":"init","audio":{"encoding":{"toString":1},"sampleRate":16000,"channels":1}}',
    '{"type":"init","audio":{"encoding":{"valueOf":{},"toString":{}}}}',
    '{"type":"init","audio":{"encoding":[{"toString":0}]}}',
    '{"type":"init","sourceLanguage":{"toString":1}}',
    '{"type":"init","audio":{"sampleRate":1e309,"encoding":"pcm_s16le","channels":1}}',
    '{"__proto__":{"type":"keepalive"}}',
    '['.repeat(100_000) + ']'.repeat(100_000),
  ])('%s', (raw) => {
    const r = parseClientMessage(raw);
    expect(r.ok).toBe(false);
  });
});

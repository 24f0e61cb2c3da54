import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../server/config.ts';

describe('parseConfig', () => {
  it('defaults to port 7860 on loopback with no engine forced', () => {
    const c = parseConfig([], {});
    expect(c).toMatchObject({ listen: { port: 7860, host: '127.0.0.1' }, security: { maxSessions: 16 }, session: { idleTimeout: 60 } });
    expect(c !== 'help' && c.engine.engine).toBeUndefined();
  });

  it('takes flags over environment variables', () => {
    const c = parseConfig(['--port', '9000', '--engine', 'faster-whisper'], { PORT: '8000', HOST: '0.0.0.0', ENGINE: 'sphinx' });
    expect(c).toMatchObject({ listen: { port: 9000, host: '0.0.0.0' }, engine: { engine: 'whisper' } });
  });

  it('rejects bad values with a clear message', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port must be a number/);
    expect(() => parseConfig(['--engine', 'vosk'], {})).toThrow(/--engine must be/);
    expect(() => parseConfig(['--gpu', 'metal'], {})).toThrow(/--gpu must be/);
    expect(() => parseConfig(['--bogus'], {})).toThrow();
  });

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help');
  });
});

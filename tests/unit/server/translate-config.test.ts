// --translate and its back-end options: what each needs, with clear errors, keys from env.
import { describe, expect, it } from 'vitest';
import { parseConfig, type ServerConfig } from '../../../server/config.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env) as ServerConfig;

describe('translation settings', () => {
  it('is off by default and with "none"', () => {
    expect(parse([]).translate).toBeUndefined();
    expect(parse(['--translate', 'none']).translate).toBeUndefined();
  });

  it('apertium needs nothing else; the pairs folder may be moved', () => {
    expect(parse(['--translate', 'apertium']).translate).toEqual({ backend: 'apertium', apertiumPairs: undefined });
    expect(parse([], { TRANSLATE: 'apertium', APERTIUM_PAIRS: '/opt/modes' }).translate).toEqual({ backend: 'apertium', apertiumPairs: '/opt/modes' });
  });

  it('libretranslate needs a URL; its key may come from the environment', () => {
    expect(() => parse(['--translate', 'libretranslate'])).toThrow(/needs --libretranslate-url/);
    expect(parse(['--translate', 'libretranslate', '--libretranslate-url', 'https://lt.example'], { LIBRETRANSLATE_API_KEY: 'k' }).translate).toEqual({
      backend: 'libretranslate',
      libretranslateUrl: 'https://lt.example',
      libretranslateKey: 'k',
    });
  });

  it('deepl needs a key; the URL is optional and checked', () => {
    expect(() => parse(['--translate', 'deepl'])).toThrow(/needs --deepl-key/);
    expect(parse(['--translate', 'deepl'], { DEEPL_API_KEY: 'abc:fx' }).translate).toEqual({ backend: 'deepl', deeplKey: 'abc:fx' });
    expect(() => parse(['--translate', 'deepl', '--deepl-key', 'k', '--deepl-url', 'ftp://x'])).toThrow(/--deepl-url must start/);
    expect(parse(['--translate', 'deepl', '--deepl-key', 'k', '--deepl-url', 'http://127.0.0.1:9/']).translate).toMatchObject({ deeplUrl: 'http://127.0.0.1:9' });
  });

  it('refuses an unknown back end, naming the choices', () => {
    expect(() => parse(['--translate', 'google'])).toThrow(/"apertium", "libretranslate", "deepl" or "none"/);
  });
});

// The origin and Host policy of server/security/access.ts: which browser origins and Host names
// the server answers, and when it warns about an exposed port.
import { describe, expect, it } from 'vitest';
import { parseConfig, type ServerConfig } from '../../../../server/config.ts';
import { exposureWarning, hostAllowed, hostName, originAllowed, serverHostNames } from '../../../../server/security/access.ts';

const parse = (argv: string[] = []) => parseConfig(argv, {}) as ServerConfig;
/** The security slice: all the origin policy and the Host check are given. */
const config = (argv: string[] = []) => parse(argv).security;

describe('origin policy', () => {
  it('by default serves browser extensions and loopback pages only', () => {
    const c = config();
    for (const o of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://1234-5678', 'safari-web-extension://x', 'http://localhost', 'https://localhost:8443', 'http://127.0.0.1:5173', 'http://127.1.2.3', 'http://[::1]:3000', 'http://app.localhost']) {
      expect(originAllowed(o, c), o).toBe(true);
    }
    for (const o of ['null', 'https://evil.example', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io', 'http://192.168.1.2', 'file://', 'ws://localhost', '', 'chrome-extension']) {
      expect(originAllowed(o, c), o).toBe(false);
    }
  });

  it('--allowed-origins pins (one extension id), widens with keywords, or opens with *', () => {
    const pinned = config(['--allowed-origins', 'chrome-extension://mine']);
    expect(originAllowed('chrome-extension://mine', pinned)).toBe(true);
    expect(originAllowed('chrome-extension://other', pinned)).toBe(false);
    expect(originAllowed('http://localhost:1', pinned)).toBe(false);
    const wide = config(['--allowed-origins', 'extensions,loopback,https://app.example']);
    expect(originAllowed('https://app.example', wide)).toBe(true);
    expect(originAllowed('chrome-extension://any', wide)).toBe(true);
    expect(originAllowed('null', config(['--allowed-origins', '*']))).toBe(true);
  });
});

describe('Host policy', () => {
  it('parses Host headers', () => {
    expect(hostName('Example.COM:7860')).toBe('example.com');
    expect(hostName('[::1]:7860')).toBe('::1');
    expect(hostName('localhost.')).toBe('localhost');
    expect(hostName('a b')).toBe(null);
    expect(hostName('x:y:z')).toBe(null);
  });

  it('answers loopback names and the bind address; others need --allowed-hosts', () => {
    const { listen, security: c } = parse(['--host', '192.168.7.7', '--allowed-hosts', 'captions.lan']);
    const names = serverHostNames(listen, c);
    for (const h of ['localhost:7860', '127.0.0.1', '[::1]:1', '192.168.7.7:7860', 'captions.lan', 'CAPTIONS.LAN:80', undefined]) {
      expect(hostAllowed(h, c, names), String(h)).toBe(true);
    }
    for (const h of ['evil.example', 'captions.lan.evil.example', '192.168.7.8', '', '[::2]']) expect(hostAllowed(h, c, names), h).toBe(false);
    const any = parse(['--allowed-hosts', '*']);
    expect(hostAllowed('anything.example', any.security, serverHostNames(any.listen, any.security))).toBe(true);
  });
});

describe('exposure warning', () => {
  it('warns when bound beyond loopback without a token', () => {
    const warning = (argv: string[] = []) => {
      const { listen, security } = parse(argv);
      return exposureWarning(listen, security);
    };
    expect(warning()).toBe(null);
    expect(warning(['--host', '::1'])).toBe(null);
    expect(warning(['--host', '0.0.0.0'])).toMatch(/without --token/);
    expect(warning(['--host', '0.0.0.0', '--token', 'abcdefgh12'])).toBe(null);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../server/config.ts';
import { closeReason } from '../../../../server/close-reason.ts';
import { selectProtocol, tokenMatches } from '../../../../server/security/guard.ts';

describe('security options', () => {
  it('defaults: no token, extension and loopback origins, Origin not required, no TLS, 8 connections per address', () => {
    const c = parseConfig([], {});
    if (c === 'help') throw new Error('help');
    expect(c.security).toMatchObject({ token: undefined, allowedOrigins: ['extensions', 'loopback'], allowedHosts: [], requireOrigin: false, trustProxy: false, maxConnectionsPerIp: 8, initTimeout: 10 });
    expect(c.listen.tlsCert).toBeUndefined();
  });

  it('reads flags, then env', () => {
    const c = parseConfig(['--token', 'abcdefgh12', '--allowed-origins', 'chrome-extension://x, https://a.example', '--require-origin', '--max-connections-per-ip', '3'], {});
    if (c === 'help') throw new Error('help');
    expect(c.security).toMatchObject({ token: 'abcdefgh12', allowedOrigins: ['chrome-extension://x', 'https://a.example'], requireOrigin: true, maxConnectionsPerIp: 3 });
    const e = parseConfig([], { AUTH_TOKEN: 'fromenv-123', ALLOWED_ORIGINS: '*', REQUIRE_ORIGIN: '1', TLS_CERT: 'c.pem', TLS_KEY: 'k.pem', MAX_CONNECTIONS_PER_IP: '20' });
    if (e === 'help') throw new Error('help');
    expect(e.security).toMatchObject({ token: 'fromenv-123', allowedOrigins: ['*'], requireOrigin: true, maxConnectionsPerIp: 20 });
    expect(e.listen).toMatchObject({ tlsCert: 'c.pem', tlsKey: 'k.pem' });
    const p = parseConfig(['--trust-proxy', '--allowed-hosts', 'Captions.LAN,*.x', '--init-timeout', '3', '--rate-limit', '0', '--body-timeout', '5'], {});
    if (p === 'help') throw new Error('help');
    expect(p.security).toMatchObject({ trustProxy: true, allowedHosts: ['captions.lan', '*.x'], initTimeout: 3, rateLimit: 0, bodyTimeout: 5 });
  });

  it('rejects tokens that cannot travel as a subprotocol, and half a TLS pair', () => {
    expect(() => parseConfig(['--token', 'short'], {})).toThrow(/--token/);
    expect(() => parseConfig(['--token', 'has space inside'], {})).toThrow(/--token/);
    expect(() => parseConfig(['--tls-cert', 'c.pem'], {})).toThrow(/--tls-key/);
    expect(() => parseConfig(['--max-connections-per-ip', '0'], {})).toThrow(/max-connections-per-ip/);
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('abcdefgh12', 'abcdefgh12')).toBe(true);
    expect(tokenMatches('abcdefgh12', 'abcdefgh1')).toBe(false);
    expect(tokenMatches('abcdefgh12', undefined)).toBe(false);
    expect(tokenMatches('abcdefgh12', { toString: () => 'abcdefgh12' })).toBe(false);
  });

  it('selects the token subprotocol, else the first offered', () => {
    expect(selectProtocol(new Set(['chat', 'token.abc']))).toBe('token.abc');
    expect(selectProtocol(new Set(['chat']))).toBe('chat');
    expect(selectProtocol(new Set())).toBe(false);
  });

  it('cuts close reasons to 123 UTF-8 bytes without splitting characters', () => {
    expect(closeReason('short')).toBe('short');
    const r = closeReason('😀'.repeat(100));
    expect(Buffer.byteLength(r)).toBeLessThanOrEqual(123);
    expect(r).toBe('😀'.repeat(30));
  });
});

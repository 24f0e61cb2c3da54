// The one rule behind the "token sent unencrypted" warning of the popup and options page.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../../protocol/index.ts';
import { tokenSentInClearTo } from '../../../../src/shared/cleartext-token.ts';

describe('tokenSentInClearTo', () => {
  it.each([
    ['ws://192.168.1.20:7860/ws', '192.168.1.20:7860'],
    ['ws://captions.example.com/ws', 'captions.example.com'],
    ['http://captions.example.com:7860', 'captions.example.com:7860'],
    ['WS://Box.LAN:7860/ws', 'box.lan:7860'],
    ['ws://[2001:db8::1]:7860/ws', '[2001:db8::1]:7860'],
    ['ws://128.0.0.1/ws', '128.0.0.1'],
    ['ws://localhost.example.com/ws', 'localhost.example.com'],
    ['ws://127.0.0.1.nip.io/ws', '127.0.0.1.nip.io'],
    ['ws://0.0.0.0:7860/ws', '0.0.0.0:7860'],
    [' ws://10.0.0.5/ws ', '10.0.0.5'],
  ])('warns for %s with a token', (url, host) => {
    expect(tokenSentInClearTo(url, 's3cret')).toBe(host);
  });

  it.each([
    'ws://localhost:7860/ws',
    'ws://LOCALHOST./ws',
    'ws://captions.localhost/ws',
    'ws://127.0.0.1:7860/ws',
    'ws://127.255.10.3/ws',
    'ws://127.1/ws', // the URL parser makes this 127.0.0.1
    'ws://0x7f.0.0.1/ws',
    'ws://[::1]:7860/ws',
    'ws://[::ffff:127.0.0.1]/ws',
    'http://localhost:7860',
    'wss://captions.example.com/ws',
    'https://captions.example.com',
    'wss://192.168.1.20/ws',
    'not a url',
    '',
  ])('does not warn for %s', (url) => {
    expect(tokenSentInClearTo(url, 's3cret')).toBeNull();
  });

  it('does not warn without a token', () => {
    expect(tokenSentInClearTo('ws://192.168.1.20:7860/ws', '')).toBeNull();
    expect(tokenSentInClearTo('ws://192.168.1.20:7860/ws', '   ')).toBeNull();
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8 and nothing next to it', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.200.1.1')).toBe(true);
    expect(isLoopbackHost('126.0.0.1')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.example')).toBe(false);
    expect(isLoopbackHost('[::2]')).toBe(false);
  });
});

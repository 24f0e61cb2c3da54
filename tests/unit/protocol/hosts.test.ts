// protocol/hosts.ts: the one loopback check, for the server's inputs (Host header names, bind
// addresses, URL hostnames of Origins) and the extension's (URL hostnames of the server URL).
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../protocol/index.ts';

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and ::1 in every form either side passes', () => {
    const loopback = [
      'localhost', 'LOCALHOST', 'localhost.', 'app.localhost', // names
      '127.0.0.1', '127.255.255.255', '127.0.0.1.', // IPv4, as a Host name or a URL hostname
      '::1', '[::1]', // IPv6 without brackets (Host header name, bind address) and with (URL hostname)
      '::ffff:127.0.0.1', '[::ffff:7f00:1]', '::FFFF:7F12:3456', // IPv4-mapped: dotted and as URL writes it
    ];
    for (const h of loopback) expect(isLoopbackHost(h), h).toBe(true);
  });

  it('refuses everything next to it', () => {
    const remote = [
      '', 'localhost.evil.example', 'mylocalhost', '127.0.0.1.nip.io', '127.0.0.1.example', '126.0.0.1', '128.0.0.1',
      '127.0.0.256', '127.01.0.1', '127.1', '0.0.0.0', '::', '[::2]', '::2', '::ffff:128.0.0.1', '[::ffff:8000:1]', '[::1', '192.168.1.2',
    ];
    for (const h of remote) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('answers for what URL parsing of a browser origin or server URL gives', () => {
    for (const [url, loopback] of [['http://127.1:7860', true], ['ws://0x7f.0.0.1/ws', true], ['http://[::ffff:127.0.0.1]', true], ['ws://[0:0:0:0:0:0:0:1]/ws', true], ['https://example.com', false]] as const) {
      expect(isLoopbackHost(new URL(url).hostname), url).toBe(loopback);
    }
  });
});

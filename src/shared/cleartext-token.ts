// Whether the server token would cross the network unencrypted: ws:// or http:// to a host
// other than this machine. The popup and the options page warn the user when it would.

/** True for names and addresses that never leave this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  // The URL parser already turned 127.1, 0x7f.0.0.1 and friends into dotted quads.
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host === '[::1]') return true;
  // IPv4-mapped IPv6 of a 127.x address, as the URL parser writes it: [::ffff:7fxx:xxxx].
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/**
 * The host the token would be sent to in clear, or null when it would not be: no token, an
 * encrypted scheme (wss://, https://), a loopback host, or not a URL at all.
 */
export function tokenSentInClearTo(serverUrl: string, token: string): string | null {
  if (!token.trim()) return null;
  let url: URL;
  try {
    url = new URL(serverUrl.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'http:') return null;
  return isLoopbackHost(url.hostname) ? null : url.host;
}

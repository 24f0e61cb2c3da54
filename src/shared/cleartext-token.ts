// Whether the server token would cross the network unencrypted: ws:// or http:// to a host
// other than this machine. The popup and the options page warn the user when it would.
import { isLoopbackHost } from '../../protocol/index.ts';

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

// Who may talk to the server from a browser: the Origin policy (extensions and loopback pages by
// default, --allowed-origins to widen or pin it) and the Host check that stops DNS rebinding
// (loopback names, the bind address, the machine's own names when bound to all interfaces, and
// --allowed-hosts). Pure functions of the config and the request headers.
import os from 'node:os';
import { isLoopbackHost } from '../../protocol/index.ts';
import type { ListenConfig, SecurityConfig } from '../config.ts';

/** Origins of browser extensions (Chrome and Chromium browsers, Firefox, Safari, old Edge). */
const EXTENSION_SCHEMES = ['chrome-extension:', 'moz-extension:', 'safari-web-extension:', 'ms-browser-extension:', 'extension:'];

/** True when a request carrying this Origin header may be served. */
export function originAllowed(origin: string, config: SecurityConfig): boolean {
  const allowed = config.allowedOrigins;
  if (allowed.includes('*')) return true;
  if (allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin); // 'null' and other opaque origins do not parse: refused
  } catch {
    return false;
  }
  if (allowed.includes('extensions') && EXTENSION_SCHEMES.includes(url.protocol)) return true;
  if (allowed.includes('loopback') && (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)) {
    return true;
  }
  return false;
}

/** Host names (lower case, no port, IPv6 without brackets) a request may name besides loopback. */
export function serverHostNames(listen: ListenConfig, security: SecurityConfig): Set<string> {
  const names = new Set(security.allowedHosts);
  const bind = listen.host.toLowerCase().replace(/^\[|\]$/g, '');
  if (bind === '0.0.0.0' || bind === '::' || bind === '') {
    // Bound to every interface: the machine's own addresses and name are the server's names.
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  } else names.add(bind);
  return names;
}

/** Splits a Host header into its name: "example:7860" → "example", "[::1]:7860" → "::1". */
export function hostName(host: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::\d{1,5})?$/.exec(host.trim());
  if (!m) return null;
  return (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '');
}

/** True when the Host header names this server (no header: not a browser, let through). */
export function hostAllowed(host: string | undefined, config: SecurityConfig, names: Set<string>): boolean {
  if (host === undefined) return true;
  if (config.allowedHosts.includes('*')) return true;
  const name = hostName(host);
  if (name === null) return false;
  return isLoopbackHost(name) || names.has(name);
}

/** Binding beyond loopback without a token lets anyone who reaches the port use the server. */
export function exposureWarning(listen: ListenConfig, security: SecurityConfig): string | null {
  if (security.token !== undefined || isLoopbackHost(listen.host)) return null;
  return (
    `listening on ${listen.host} without --token: anyone who can reach this port can run sessions, ` +
    'uploads and translations on this machine. Set --token (and --tls-cert/--tls-key) for remote use; see docs/security.md'
  );
}

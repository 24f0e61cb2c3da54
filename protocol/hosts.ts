// Which host names never leave this machine (localhost, 127.0.0.0/8, ::1): the server's origin,
// Host and exposure checks and the extension's clear-text token warning use this one check.

/** One IPv4 octet, 0-255, without leading zeros. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const LOOPBACK_V4 = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
/** IPv4-mapped IPv6 of a 127.x address: dotted (::ffff:127.0.0.1) or as the URL parser writes it (::ffff:7f00:1). */
const LOOPBACK_MAPPED = new RegExp(`^::ffff:(?:127\\.${OCTET}\\.${OCTET}\\.${OCTET}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$`);

/**
 * True for names and addresses that never leave this machine: localhost and *.localhost,
 * 127.0.0.0/8, ::1 and IPv4-mapped 127.x. Takes a URL's hostname, a Host header's name or a bind
 * address: any case, IPv6 with or without brackets, a trailing dot. Browser-safe (no Node APIs).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return LOOPBACK_V4.test(host) || host === '::1' || LOOPBACK_MAPPED.test(host);
}

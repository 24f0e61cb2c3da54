// Minimal leveled logger: one line per event on stderr, so stdout stays for the banner.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(quiet = false): Logger {
  const line = (level: string, msg: string) => process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`);
  return {
    info: (msg) => (quiet ? undefined : line('info', msg)),
    warn: (msg) => line('warn', msg),
    error: (msg) => line('error', msg),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Untrusted text as it may appear in a log line: one line, at most `max` characters. */
export function clip(text: string, max = 120): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}… (${text.length} chars)` : flat;
}

type LogArgs = [unknown, ...unknown[]];

/** Fastify's logger interface (pino's shape) over this logger: Fastify's own lines, same format. */
export function fastifyLogger(log: Logger) {
  const text = ([first, second]: LogArgs): string => {
    if (typeof first === 'string') return clip(first, 500);
    const err = (first as { err?: Error } | null)?.err ?? (first instanceof Error ? first : null);
    const msg = typeof second === 'string' ? second : '';
    return clip(`${msg}${err ? `${msg ? ': ' : ''}${err.message}` : ''}`, 500);
  };
  const adapter = {
    level: 'info',
    info: () => {}, // per-request lines and Fastify's own banner: our logs say what matters
    warn: (...a: LogArgs) => log.warn(text(a)),
    error: (...a: LogArgs) => log.warn(text(a)), // a client's bad request is no server error
    fatal: (...a: LogArgs) => log.error(text(a)),
    debug: () => {},
    trace: () => {},
    silent: () => {},
    child: () => adapter,
  };
  return adapter;
}

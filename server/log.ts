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

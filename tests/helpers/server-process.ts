// Starts the real server (`tsx server/main.ts`) as a child process on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export interface RunningServer {
  port: number;
  wsUrl: string;
  httpUrl: string;
  proc: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  logs(): string;
  /** Sends a signal and resolves with the exit code. SIGKILL kills the whole process group (a crash). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServer(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
  const proc = spawn(tsx, ['server/main.ts', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the server in a child process, and SIGKILL (which tsx
    // cannot relay) must reach that child too.
    detached: true,
  });
  let stderr = '';
  let stdout = '';
  let tls = false;
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${stderr}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (wss?):\/\/[^:]+:(\d+)\//.exec(stdout);
      if (m) {
        clearTimeout(timer);
        tls = m[1] === 'wss';
        resolve(Number(m[2]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    port,
    wsUrl: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`,
    httpUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    proc,
    logs: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        if (signal === 'SIGKILL' && proc.pid) process.kill(-proc.pid, 'SIGKILL');
        else proc.kill(signal);
      }
      return exited;
    },
  };
}

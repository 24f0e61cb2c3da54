// `npm start [-- server options]`: builds the extension, starts the transcription server,
// explains how to load the extension, and opens Chromium with it when one is installed and
// there is a display. Ctrl+C stops everything. On the first run it downloads the Whisper model
// that keeps up on this machine (first-run-model.ts; --no-download or --engine sphinx skip it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFirstRunModel } from './first-run-model.ts';
import { progressBar } from './model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

// Our own flags; everything else goes to the server (e.g. --engine sphinx --port 7861).
const argv = process.argv.slice(2);
const noBrowser = take('--no-browser') || !!process.env.CI;
let serverArgs = argv;

function take(flag: string): boolean {
  const i = argv.indexOf(flag);
  if (i < 0) return false;
  argv.splice(i, 1);
  return true;
}

function step(text: string): void {
  process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
}

// 1. The extension build (`npm start` installed missing system packages just before).
step('Building the extension (vite build → dist/)');
const build = spawnSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// 2. A Whisper model on the first run (or sphinx at once when offline).
{
  const bars = new Map<string, ReturnType<typeof progressBar>>();
  const first = await ensureFirstRunModel({
    serverArgs,
    log: (line) => process.stdout.write(`${line}\n`),
    onProgress: (name, p) => {
      if (!bars.has(name)) bars.set(name, progressBar(name));
      bars.get(name)!.update(p);
    },
  });
  for (const b of bars.values()) b.done();
  serverArgs = first.serverArgs;
}

// 3. The server, with its output passed through; we watch for its "listening" line.
step(`Starting the transcription server (tsx server/main.ts ${serverArgs.join(' ')})`.trimEnd());
const server = spawn(bin('tsx'), ['server/main.ts', ...serverArgs], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
let browser: ChildProcess | null = null;
let profileDir: string | null = null;
let buffered = '';
let announced = false;

server.stdout!.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (announced) return;
  buffered += chunk.toString();
  const m = /listening on (ws:\/\/\S+)/.exec(buffered);
  if (!m) return;
  announced = true;
  const wsUrl = m[1].replace('127.0.0.1', 'localhost');
  printHowToLoad(wsUrl);
  if (!noBrowser) launchBrowser();
});

server.on('exit', (code, signal) => {
  browser?.kill();
  cleanupProfile();
  process.exit(code ?? (signal ? 1 : 0));
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    browser?.kill();
    server.kill(sig); // the server finishes its sessions' finals, then exits; we follow
  });
}

function printHowToLoad(wsUrl: string): void {
  process.stdout.write(`
\x1b[1mTab Captions is ready.\x1b[0m

Load the extension (once):
  1. Open chrome://extensions in Chrome or Chromium
  2. Turn on "Developer mode" (top right)
  3. Click "Load unpacked" and choose:
       ${dist}
  (After rebuilding, press the reload icon on the extension's card.)

Use it:
  1. Go to a tab that plays audio or video
  2. Click the Tab Captions toolbar icon (pin it from the puzzle-piece menu)
  3. Server address: ${wsUrl}  →  press "Start captions"

Press Ctrl+C to stop the server.
`);
}

function findBrowser(): string | null {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ];
  return candidates.find((p): p is string => !!p && fs.existsSync(p)) ?? null;
}

function launchBrowser(): void {
  const exe = findBrowser();
  if (!exe) {
    process.stdout.write('No Chromium or Chrome found: load the extension by hand as above.\n');
    return;
  }
  const hasDisplay = process.platform === 'darwin' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY;
  if (!hasDisplay) {
    process.stdout.write(`Found ${exe}, but there is no display (DISPLAY is not set): not opening a browser.\n`);
    return;
  }
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tab-captions-profile-'));
  const args = [
    `--user-data-dir=${profileDir}`,
    `--load-extension=${dist}`,
    // Branded Chrome 137+ ignores --load-extension unless this feature is off.
    '--disable-features=DisableLoadExtensionCommandLineSwitch',
    '--no-first-run',
    '--no-default-browser-check',
    'chrome://extensions',
  ];
  process.stdout.write(`Opening ${path.basename(exe)} with the extension loaded (temporary profile ${profileDir}).\n`);
  browser = spawn(exe, args, { stdio: 'ignore' });
  browser.on('error', (err) => process.stdout.write(`Could not start ${exe}: ${err.message}\n`));
  browser.on('exit', () => {
    browser = null;
    cleanupProfile();
  });
}

function cleanupProfile(): void {
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  profileDir = null;
}

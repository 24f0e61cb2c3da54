// `npm run model -- <name>`: downloads a Whisper model into the cache folder, verified.
// `npm run model -- list` shows the catalog and what is already downloaded.
// `npm run model -- path <name>` prints the file a name resolves to.

import path from 'node:path';
import {
  DEFAULT_MODEL,
  MODEL_CATALOG,
  downloadModel,
  fileSize,
  findModel,
  modelDir,
  type DownloadProgress,
} from '../server/engines/models.ts';

const USAGE = `usage: npm run model -- <name> [--force]   download a Whisper model (default ${DEFAULT_MODEL})
       npm run model -- list                show models and which are downloaded
       npm run model -- path <name>         print the model file a name resolves to

Models go to ${modelDir()} (set WHISPER_MODEL_DIR to change).
Names: ${MODEL_CATALOG.map((m) => m.name).join(', ')}`;

async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const args = argv.filter((a) => !a.startsWith('--'));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const [cmd = DEFAULT_MODEL, arg] = args;

  if (cmd === 'list') {
    for (const m of MODEL_CATALOG) {
      const file = findModel(m.name);
      const size = file ? await fileSize(file) : null;
      const have = file ? `downloaded (${mib(size ?? 0)})` : '';
      console.log(`${m.name.padEnd(14)} ${`${m.sizeMiB} MiB`.padStart(8)}  ${m.multilingual ? 'multilingual' : 'English   '}  ${have}`);
    }
    console.log(`\nfolder: ${modelDir()}`);
    return 0;
  }

  if (cmd === 'path') {
    const file = arg ? findModel(arg) : null;
    if (!file) {
      console.error(`no model file for "${arg ?? ''}"`);
      return 1;
    }
    console.log(file);
    return 0;
  }

  const bar = progressBar(cmd);
  try {
    const file = await downloadModel(cmd, { force, onProgress: bar.update });
    bar.done();
    console.error(`model "${cmd}" ready: ${file}`);
    console.log(file);
    return 0;
  } catch (err) {
    bar.done();
    console.error(`error: ${(err as Error).message}`);
    if (/unknown Whisper model/.test((err as Error).message)) console.error(`\n${USAGE}`);
    return 1;
  }
}

/** A one-line bar on a terminal; a line per 10% otherwise (logs, CI). */
export function progressBar(name: string) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  let drawn = false;
  return {
    update({ received, total }: DownloadProgress) {
      const now = Date.now();
      const rate = received / Math.max(0.001, (now - started) / 1000);
      const frac = total ? received / total : null;
      if (tty) {
        if (now - lastDraw < 100 && received !== total) return;
        lastDraw = now;
        const width = 30;
        const filled = frac === null ? 0 : Math.round(frac * width);
        const pct = frac === null ? '  ?%' : `${Math.floor(frac * 100)}%`.padStart(4);
        const line =
          `${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ` +
          `${mib(received)}${total ? ` / ${mib(total)}` : ''}  ${mib(rate)}/s`;
        process.stderr.write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (frac !== null) {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          process.stderr.write(`${name}: ${decile * 10}% of ${mib(total ?? 0)}\n`);
        }
      }
    },
    done() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

export { main };

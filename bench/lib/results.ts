// Where the benches write their JSON (bench-results/<name>.json), with the machine and its load.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../tests/helpers/paths.ts';
import { machineInfo } from './stats.ts';

export const resultsDir = path.join(repoRoot, 'bench-results');

export function writeResult(name: string, result: Record<string, unknown>): string {
  const file = path.join(resultsDir, `${name}.json`);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ bench: name, date: new Date().toISOString(), machine: machineInfo(), ...result }, null, 2));
  return file;
}

/** Prints a two-column markdown table. */
export function printTable(title: string, rows: [string, string][]): void {
  console.log(`\n${title}\n\n| metric | value |\n|---|---|`);
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

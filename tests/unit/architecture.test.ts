// The rules of the code's shape (docs/architecture.md): no import cycles, the server and the
// extension share only protocol/ and dsp/, and no source file over 400 lines. madge reads the real imports.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';

const MAX_LINES = 400;
/** Files allowed over MAX_LINES for now. Each entry is a TODO: the list must shrink to nothing. */
const TOO_LONG_FOR_NOW: Record<string, string> = {};
/** The source trees the rules cover (tests are not source; their helpers may use either side). */
const SOURCE_DIRS = ['src', 'server', 'protocol', 'dsp', 'scripts', 'bench'];
/** tests/unit/<folder>/… mirrors <tree>/…: a test sits where the module it tests sits. */
const MIRRORS: Record<string, string> = { extension: 'src', server: 'server', protocol: 'protocol', dsp: 'dsp', scripts: 'scripts', bench: 'bench' };
/** Unit tests of the whole tree (or of the test tooling) rather than of one module: tests/unit/ itself. */
const CROSS_CUTTING = ['architecture.test.ts', 'extension-safety.test.ts', 'wer.test.ts'];
const UNIT_ROOT = path.join(repoRoot, 'tests/unit');

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(
    ['src', 'server', 'protocol', 'dsp'].map((d) => path.join(repoRoot, d)),
    { baseDir: repoRoot, fileExtensions: ['ts', 'tsx'], tsConfig: path.join(repoRoot, 'tsconfig.json') },
  );
  graph = result.obj();
  cycles = result.circular();
}, 60_000);

/** Every import from a module under `from` of a module under one of `forbidden`, as "a → b". */
function crossings(from: string, forbidden: string[]): string[] {
  const under = (file: string, dir: string) => file.startsWith(`${dir}/`);
  return Object.entries(graph)
    .filter(([file]) => under(file, from))
    .flatMap(([file, deps]) => deps.filter((d) => forbidden.some((f) => under(d, f))).map((d) => `${file} → ${d}`));
}

/** Every file under `dir` whose name matches `pattern` (source files by default), node_modules left out. */
function sourceFiles(dir: string, pattern = /\.(ts|tsx|mjs|js)$/): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(full, pattern);
    return pattern.test(e.name) ? [full] : [];
  });
}

/** The module specifiers a file imports (static, dynamic and side-effect imports, and vi.mock). */
function importSpecifiers(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*|vi\.mock\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('architecture rules', () => {
  it('madge sees the whole tree (the rules below are not vacuous)', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(100);
    expect(crossings('server', ['protocol']).length).toBeGreaterThan(0);
    expect(crossings('src', ['protocol']).length).toBeGreaterThan(0);
    expect(crossings('server', ['dsp']).length).toBeGreaterThan(0);
    expect(crossings('src', ['dsp']).length).toBeGreaterThan(0);
  });

  it('has no import cycles in src/, server/, protocol/ or dsp/', () => {
    expect(cycles.map((c) => c.join(' → '))).toEqual([]);
  });

  it('the server imports nothing from src/ (only protocol/ and dsp/ are shared)', () => {
    expect(crossings('server', ['src'])).toEqual([]);
  });

  it('the extension imports nothing from server/ (only protocol/ and dsp/ are shared)', () => {
    expect(crossings('src', ['server'])).toEqual([]);
  });

  it('protocol/ imports nothing from either side', () => {
    expect(crossings('protocol', ['src', 'server'])).toEqual([]);
  });

  it('dsp/ imports nothing outside itself (no src/, server/, protocol/, packages or node: modules)', () => {
    expect(crossings('dsp', ['src', 'server', 'protocol'])).toEqual([]);
    const files = sourceFiles(path.join(repoRoot, 'dsp'));
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((f) =>
      importSpecifiers(f)
        .filter((spec) => !spec.startsWith('./'))
        .map((spec) => `${path.relative(repoRoot, f)} → ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('unit tests mirror the source tree (tests/unit/extension/offscreen/… tests src/offscreen/…)', () => {
    const tests = sourceFiles(UNIT_ROOT)
      .map((f) => path.relative(UNIT_ROOT, f).split(path.sep).join('/'))
      .filter((f) => /\.test\.tsx?$/.test(f));
    expect(tests.length).toBeGreaterThan(50);
    const misplaced = tests.filter((t) => {
      const parts = t.split('/');
      if (parts.length === 1) return !CROSS_CUTTING.includes(t);
      const tree = MIRRORS[parts[0]!];
      if (!tree) return true;
      const dir = path.join(repoRoot, tree, ...parts.slice(1, -1));
      return !fs.existsSync(dir) || !fs.statSync(dir).isDirectory();
    });
    expect(misplaced).toEqual([]);
  });

  it("each side's unit tests import nothing of the other side", () => {
    const importsOf = (file: string) =>
      importSpecifiers(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.relative(repoRoot, path.resolve(path.dirname(file), spec)).split(path.sep).join('/'));
    const crossing = (side: string, other: string) =>
      sourceFiles(path.join(UNIT_ROOT, side)).flatMap((f) =>
        importsOf(f)
          .filter((target) => target.startsWith(`${other}/`))
          .map((target) => `${path.relative(repoRoot, f)} → ${target}`),
      );
    expect(crossing('server', 'src')).toEqual([]);
    expect(crossing('extension', 'server')).toEqual([]);
    // Not vacuous: each side's tests do reach their own tree through these paths.
    expect(crossing('server', 'server').length).toBeGreaterThan(10);
    expect(crossing('extension', 'src').length).toBeGreaterThan(10);
  });

  it('calls each thing by one name (docs/architecture.md, "Names")', () => {
    const files = [...SOURCE_DIRS, 'docs', 'public/_locales']
      .flatMap((d) => sourceFiles(path.join(repoRoot, d), /\.(ts|tsx|mjs|js|md|json)$/))
      .concat(path.join(repoRoot, 'README.md'));
    expect(files.length).toBeGreaterThan(150);
    const offenders = files.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(repoRoot, f)}:${i + 1}` }))
        .filter(({ line }) =>
          // The original protocol is never "legacy" or "the original design" (Chrome's own
          // "legacy constraint syntax" for tab capture is another thing and keeps its name).
          (/\blegacy\b|original[- ]design/i.test(line) && !/legacy constraint syntax/.test(line)) ||
          // "Session" alone names nothing: tab session, stream session, server session…
          /\b(class|interface|type)\s+Session\b/.test(line),
        )
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('docs/architecture.md and the README layout name only files and folders that exist', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
    const dirs = new Set(tracked.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`)));
    /** A name exists when some file (or folder) path ends with it, at a path-segment boundary. */
    const exists = (name: string) =>
      name.endsWith('/')
        ? [...dirs].some((d) => d === name || d.endsWith(`/${name}`))
        : tracked.some((f) => f === name || f.endsWith(`/${name}`));
    const architecture = fs.readFileSync(path.join(repoRoot, 'docs/architecture.md'), 'utf8');
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 3));
    const names = [
      ...[...architecture.matchAll(/`([\w.-]+(?:\/[\w.-]+)*\/?)`/g)].map((m) => m[1]!),
      ...[...layout.matchAll(/(?:^|\s)([\w.-]+(?:\/[\w.-]*)+)(?=[\s,]|$)/gm)].map((m) => m[1]!),
    ].filter((n) => /\.(ts|tsx|md)$/.test(n) || n.endsWith('/'));
    expect(names.length).toBeGreaterThan(40);
    expect([...new Set(names)].filter((n) => !exists(n))).toEqual([]);
  });

  it('every source file opens with its role (a comment on the first line)', () => {
    const files = ['src', 'server', 'protocol', 'dsp'].flatMap((d) => sourceFiles(path.join(repoRoot, d))).filter((f) => !f.endsWith('.d.ts'));
    expect(files.length).toBeGreaterThan(100);
    const silent = files.filter((f) => !/^\s*(\/\/|\/\*)/.test(fs.readFileSync(f, 'utf8')));
    expect(silent.map((f) => path.relative(repoRoot, f))).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines, beyond the listed exceptions`, () => {
    const long = SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(repoRoot, d)))
      .map((f) => ({ file: path.relative(repoRoot, f), lines: fs.readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long.filter((f) => !(f.file in TOO_LONG_FOR_NOW)).map((f) => `${f.file}: ${f.lines} lines`)).toEqual([]);
  });

  it('lists no exception that is no longer needed', () => {
    const stale = Object.keys(TOO_LONG_FOR_NOW).filter((file) => {
      const full = path.join(repoRoot, file);
      return !fs.existsSync(full) || fs.readFileSync(full, 'utf8').split('\n').length - 1 <= MAX_LINES;
    });
    expect(stale).toEqual([]);
  });
});

// Types for the parts of madge (no bundled types) that tests/unit/architecture.test.ts uses.
declare module 'madge' {
  interface MadgeResult {
    /** Each module (path relative to baseDir) → the modules it imports. */
    obj(): Record<string, string[]>;
    circular(): string[][];
    skipped?(): string[];
  }
  interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    tsConfig?: string | object;
    excludeRegExp?: (string | RegExp)[];
    detectiveOptions?: object;
  }
  function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
  export default madge;
}

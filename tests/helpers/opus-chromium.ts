// Encodes PCM to Opus packets with the extension's own encoder module
// (src/offscreen/audio/opus-encoder.ts: WebCodecs AudioEncoder) running in real headless
// Chromium, fed 100 ms frames as the capture graph does. For the Opus bench and tests.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import ts from 'typescript';
import { findChromium } from '../e2e/helpers/chromium.ts';
import { repoRoot } from './paths.ts';

/** The module as a classic script that leaves its exports on globalThis. */
function encoderScript(): string {
  const src = fs.readFileSync(path.join(repoRoot, 'src/offscreen/audio/opus-encoder.ts'), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  return `${js.replace(/^export /gm, '')}\nObject.assign(globalThis, { OpusPacketEncoder, opusSupported, opusEncoderConfig });`;
}

export class ChromiumOpusEncoder {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly site: http.Server,
    private readonly userDataDir: string,
  ) {}

  static async launch(): Promise<ChromiumOpusEncoder> {
    const executablePath = findChromium();
    if (!executablePath) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
    // WebCodecs needs a secure context: http://127.0.0.1 is one.
    const site = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>opus</title>'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tab-captions-opus-'));
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    await page.addScriptTag({ content: encoderScript() });
    return new ChromiumOpusEncoder(browser, page, site, userDataDir);
  }

  supported(bitrate: number): Promise<boolean> {
    return this.page.evaluate('opusSupported(' + Number(bitrate) + ')') as Promise<boolean>;
  }

  /** 16 kHz mono PCM16 → Opus packets (20 ms each), in order. */
  async encode(pcm: Int16Array, bitrate: number): Promise<Buffer[]> {
    const b64 = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
    // A string, not a function: tsx's esbuild would wrap a function in __name(), unknown in the page.
    const packets = (await this.page.evaluate(`(async () => {
      const bin = atob(${JSON.stringify(b64)});
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const out = [];
      let failure = null;
      const enc = new OpusPacketEncoder((p) => out.push(p), (e) => (failure = e), ${Number(bitrate)});
      for (let i = 0; i < bytes.length; i += 3200) enc.encode(bytes.slice(i, i + 3200).buffer);
      await enc.flush();
      enc.close();
      if (failure) throw failure;
      return out.map((p) => { let s = ''; for (const b of new Uint8Array(p)) s += String.fromCharCode(b); return btoa(s); });
    })()`)) as string[];
    return packets.map((p) => Buffer.from(p, 'base64'));
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
    this.site.close();
    this.site.closeAllConnections();
    fs.rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

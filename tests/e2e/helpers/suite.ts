// What most e2e suites start with: the extension freshly built and loaded in headless
// Chromium, our server (sphinx), and a local page whose <video> plays a track of real speech.
import type { Page } from 'puppeteer-core';
import { startServer, type RunningServer } from '../../helpers/server-process.ts';
import { buildExtension } from './build.ts';
import { installCaptionRecorder } from './caption-recorder.ts';
import { findChromium, launchWithExtension, type ExtensionBrowser, type LaunchOptions } from './chromium.ts';
import { makeSpeechTrack, serveTestPage, type SpeechTrack, type TestPageServer } from './test-page.ts';

export interface ExtensionSuite {
  /** Replace it when a test restarts the server: close() stops whichever is here. */
  server: RunningServer;
  eb: ExtensionBrowser;
  track: SpeechTrack;
  site: TestPageServer;
  close(): Promise<void>;
}

export interface SuiteOptions {
  /** Fixture clip ids, played in order with pauses between them. */
  clips: string[];
  title: string;
  /** Server arguments; default `--engine sphinx`. */
  serverArgs?: string[];
  launch?: LaunchOptions;
}

export async function startExtensionSuite(o: SuiteOptions): Promise<ExtensionSuite> {
  // No silent skip: `npm test` installs Chromium, so a missing one is a real failure.
  if (!findChromium()) throw new Error('No Chromium found: install the chromium package or set CHROMIUM_PATH');
  const dist = buildExtension();
  const track = makeSpeechTrack(o.clips);
  const started: { close(): Promise<void> }[] = [];
  try {
    const server = await startServer(o.serverArgs ?? ['--engine', 'sphinx']);
    const suite: ExtensionSuite = {
      server,
      track,
      site: null!,
      eb: null!,
      async close() {
        await suite.eb?.close();
        await suite.site?.close();
        await suite.server.stop();
      },
    };
    started.push({ close: async () => void (await suite.server.stop()) });
    suite.site = await serveTestPage(track, o.title);
    started.push(suite.site);
    suite.eb = await launchWithExtension(dist, o.launch);
    await suite.eb.worker();
    return suite;
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => {});
    throw err;
  }
}

/** Opens `url` in a new tab, waits for the player's metadata and records every caption change. */
export async function openSpeechPage(eb: ExtensionBrowser, url: string): Promise<Page> {
  const page = await eb.browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
  await installCaptionRecorder(page);
  return page;
}

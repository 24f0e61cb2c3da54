// What most e2e suites start with: the extension freshly built and loaded in headless
// Chromium, our server (sphinx), and a local page whose <video> plays a track of real speech.
import type { Page } from 'puppeteer-core';
import { startServer, type RunningServer } from '../../helpers/server-process.ts';
import { buildExtension } from './build.ts';
import { installCaptionRecorder } from './caption-recorder.ts';
import { findChromium, launchWithExtension, type ExtensionBrowser, type LaunchOptions } from './chromium.ts';
import { makeSpeechTrack, serveTestPage, type SpeechTrack, type TestPageServer } from './test-page.ts';

export interface ExtensionSuite {
  /** Assign a new one when a test restarts the server: close() stops whichever is here. */
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
  // Filled in as each part starts: close() stops whatever is there when it runs, so it serves a
  // failed start and a test that replaced the server alike.
  const suite: Partial<ExtensionSuite> & Pick<ExtensionSuite, 'track' | 'close'> = {
    track,
    async close() {
      await suite.eb?.close();
      await suite.site?.close();
      await suite.server?.stop();
    },
  };
  try {
    suite.server = await startServer(o.serverArgs ?? ['--engine', 'sphinx']);
    suite.site = await serveTestPage(track, o.title);
    suite.eb = await launchWithExtension(dist, o.launch);
    await suite.eb.worker();
  } catch (err) {
    await suite.close().catch(() => {});
    throw err;
  }
  return suite as ExtensionSuite;
}

/** Opens `url` in a new tab, waits for the player's metadata and records every caption change. */
export async function openSpeechPage(eb: ExtensionBrowser, url: string): Promise<Page> {
  const page = await eb.browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).readyState >= 1);
  await installCaptionRecorder(page);
  return page;
}

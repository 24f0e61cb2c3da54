// The built extension in real Chromium, pointed at HAProxy in front of 3 real sphinx nodes
// (issue 17): the node serving the tab is SIGKILLed mid-phrase. HAProxy sends the reconnect to
// another node; every word must appear exactly once, in order (judged against the same
// recording's uninterrupted transcript, as in kill-restart.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster.ts';
import { lossAgainstBaseline } from '../helpers/align.ts';
import { uninterruptedTranscript } from './helpers/baseline.ts';
import { captionEvents, summarize, waitForCaptionAfter, waitForCaptionsToSettle, waitUntilMidPhrase } from './helpers/caption-recorder.ts';
import { offscreenStats, openPopup, startFromPopup } from './helpers/chromium.ts';
import { openSpeechPage, startExtensionSuite, type ExtensionSuite } from './helpers/suite.ts';

const CLIPS = ['en-librivox-0870', 'en-librivox-0880', 'en-librivox-0890', 'en-LJ001-0001', 'en-LJ001-0003'];

describe('extension through HAProxy, a node killed mid-speech (real Chromium, 3 real nodes)', () => {
  let suite: ExtensionSuite;
  let cluster: Cluster;

  beforeAll(async () => {
    suite = await startExtensionSuite({ clips: CLIPS, title: 'Cluster failover' });
    cluster = await startCluster({ nodes: 3, maxSessionsPerNode: 4, nodeArgs: ['--engine', 'sphinx'] });
  });

  afterAll(async () => {
    await cluster?.stop();
    await suite?.close();
  });

  it('every word once, in order; prints the recovery time', async () => {
    const { eb, track } = suite;
    const baseline = await uninterruptedTranscript(suite.server, CLIPS);
    const page = await openSpeechPage(eb, suite.site.url);
    const popup = await openPopup(eb, page);
    await startFromPopup(popup, cluster.wsUrl, 'sphinx');
    await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).play());

    await waitUntilMidPhrase(page);
    const state = await cluster.backendState();
    const victim = [...state].find(([, s]) => s.current > 0)![0];
    const killedAt = Date.now();
    await cluster.nodes.find((n) => n.id === victim)!.stop('SIGKILL');

    await waitForCaptionAfter(page, killedAt);
    const firstCaptionAfter = (await captionEvents(page)).find((e) => e.t > killedAt)!.t;
    const after = await cluster.backendState();
    const servedBy = [...after].filter(([, s]) => s.current > 0).map(([id]) => id);

    await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).ended, { timeout: 120_000 });
    await waitForCaptionsToSettle(page, { quietMs: 4000, maxMs: 60_000 });
    const stats = (await offscreenStats(eb))[0]!;
    await popup.click('#toggle');
    await popup.waitForSelector('#status[data-phase="stopped"]', { timeout: 30_000 });

    const summary = summarize(await captionEvents(page));
    const loss = lossAgainstBaseline(track.text, summary.transcript, baseline);
    const recoverySeconds = (firstCaptionAfter - killedAt) / 1000;
    console.log(`[e2e] cluster failover: ${victim} killed, captions again after ${recoverySeconds.toFixed(1)} s from ${servedBy.join(', ')}; words lost ${loss.wordsLost}`, JSON.stringify({ ...loss, hypothesis: summary.transcript, uninterrupted: baseline }));

    expect(servedBy).not.toContain(victim);
    expect(servedBy).toHaveLength(1);
    expect(new Set(summary.finals.map((f) => f.id.split(':')[0])).size).toBeGreaterThanOrEqual(2);
    expect(loss.wordsLost).toBe(0);
    expect(loss.repeatedTrigrams).toEqual([]);
    expect(stats.droppedSeconds).toBe(0);
    await popup.close();
    await page.close();
  });
});

// What the server makes of a track with no fault at all: the clips as 100 ms PCM16 frames over
// one socket from Node. Fault tests judge "words lost" against this, so the recognizer's own
// errors do not count as losses.
import { joinWithSilence, realClips, streamPcm } from '../../helpers/fixtures.ts';
import type { RunningServer } from '../../helpers/server-process.ts';
import { finalText, runSession } from '../../helpers/ws-client.ts';

export async function uninterruptedTranscript(server: RunningServer, clipIds: string[]): Promise<string> {
  const all = realClips();
  // Same layout as makeSpeechTrack: 0.5 s lead, then each clip followed by 1 s of silence.
  const pcm = joinWithSilence([new Int16Array(8000), ...clipIds.map((id) => all.find((c) => c.id === id)!.pcm)], 1.0);
  const client = await runSession(server.wsUrl, {}, (c) => streamPcm((f) => c.sendBinary(f), pcm, { speed: 4 }));
  return finalText(client);
}

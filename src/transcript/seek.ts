// The transcript panel's click on a line: asks the frame that holds the video to play it from
// the line's media time, and words the answer for the user.

import { t } from '../shared/i18n.ts';
import type { MediaTime } from '../shared/media-timeline.ts';
import { sendToFrame, type SeekResult } from '../shared/messages.ts';

/** Seeks; resolves with null when done, else the message to show (live stream, gone, …). */
export async function seekToLine(tabId: number, media: MediaTime): Promise<string | null> {
  if (media.live) return t('seekLive');
  let res: SeekResult | undefined;
  try {
    res = await sendToFrame(tabId, media.frameId, { to: 'content', type: 'seek', src: media.src, time: media.start });
  } catch (err) {
    return t('seekFailed', (err as Error).message);
  }
  if (!res) return t('seekNoMedia');
  if (res.ok) return null;
  return res.reason === 'live' ? t('seekLive') : res.reason === 'not-seekable' ? t('seekNotSeekable') : t('seekNoMedia');
}

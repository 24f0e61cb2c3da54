// The transcript panel's click on a line: asks the frame that holds the video to play it from
// the line's media time, and words the answer for the user.

import { t } from '../shared/i18n.ts';
import type { MediaTime } from '../shared/media-timeline.ts';
import type { ContentMessage, SeekResult } from '../shared/messages.ts';

/** Seeks; resolves with null when done, else the message to show (live stream, gone, …). */
export async function seekToLine(tabId: number, media: MediaTime): Promise<string | null> {
  if (media.live) return t('seekLive');
  const msg: ContentMessage = { to: 'content', type: 'seek', src: media.src, time: media.start };
  let res: SeekResult | undefined;
  try {
    res = (await chrome.tabs.sendMessage(tabId, msg, { frameId: media.frameId })) as SeekResult | undefined;
  } catch (err) {
    return t('seekFailed', (err as Error).message);
  }
  if (!res) return t('seekNoMedia');
  if (res.ok) return null;
  return res.reason === 'live' ? t('seekLive') : res.reason === 'not-seekable' ? t('seekNotSeekable') : t('seekNoMedia');
}

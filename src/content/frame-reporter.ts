// Tells the background about this frame's video (visible area, playing), so it can pick the
// one frame of the tab that shows the captions. Only real changes are sent, plus a slow
// heartbeat while there is a video, so a restarted service worker learns the frames again.

import { sendRuntime, type FrameVideo } from '../shared/messages.ts';

/** A re-report while this frame has a video (ms). */
const HEARTBEAT_MS = 5_000;

/** Whether `next` differs enough from what was last sent to be worth a message. */
export function worthReporting(prev: FrameVideo | null | undefined, next: FrameVideo | null): boolean {
  if (prev === undefined) return next !== null; // nothing sent yet: "no video" is the default
  if (!prev || !next) return prev !== next;
  if (prev.playing !== next.playing) return true;
  // Scrolling changes the visible area a little all the time; only a real change counts.
  const big = Math.max(prev.area, next.area, 1);
  return Math.abs(prev.area - next.area) / big > 0.2;
}

export class FrameReporter {
  private sent: FrameVideo | null | undefined = undefined;
  private latest: FrameVideo | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  update(video: FrameVideo | null): void {
    this.latest = video;
    if (!worthReporting(this.sent, video)) return;
    this.send(video);
  }

  start(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.latest) this.send(this.latest);
    }, HEARTBEAT_MS);
  }

  /** Captioning ended here (or the page is going away): the frame has nothing to show. */
  stop(): void {
    clearInterval(this.heartbeat);
    if (this.sent) this.send(null);
    this.sent = undefined;
    this.latest = null;
  }

  private send(video: FrameVideo | null): void {
    this.sent = video;
    sendRuntime({ to: 'background', type: 'frame-video', video }).catch(() => {
      // The extension was reloaded: nobody to tell.
    });
  }
}

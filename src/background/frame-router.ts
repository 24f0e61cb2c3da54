// One caption overlay per tab, in the frame that holds the playing video: every frame's
// content script reports its video (visible area, playing); this picks the frame, tells the
// old and new frame, and sends caption updates to that frame only (chrome.tabs.sendMessage
// with its frameId). Session state goes to every frame, so each can watch its videos.

import type { ContentMessage, FrameVideo } from '../shared/messages.ts';

/** Smallest video worth captioning over (the content script's own threshold). */
const MIN_AREA = 160 * 90;

/** The frame the tab's top document is in. */
export const TOP_FRAME = 0;

/**
 * The frame whose captions are shown: the frame with the largest visible playing video;
 * else the current frame while it still has a video (a paused video keeps its captions);
 * else the top frame (captions at the bottom of the page).
 */
export function pickFrame(reports: ReadonlyMap<number, FrameVideo>, current: number): number {
  let best: number | null = null;
  let bestArea = MIN_AREA - 1;
  for (const [frameId, v] of reports) {
    if (!v.playing) continue;
    // Equal areas: stay where the captions are, so they do not hop between twin players.
    if (v.area > bestArea || (v.area === bestArea && frameId === current)) {
      best = frameId;
      bestArea = v.area;
    }
  }
  if (best !== null) return best;
  const kept = reports.get(current);
  return kept && kept.area >= MIN_AREA ? current : TOP_FRAME;
}

export interface FrameRouterDeps {
  /** chrome.tabs.sendMessage to one frame, or to every frame when frameId is undefined; false when nobody got it. */
  send(tabId: number, frameId: number | undefined, msg: ContentMessage): Promise<boolean>;
}

interface TabFrames {
  current: number;
  reports: Map<number, FrameVideo>;
}

export class FrameRouter {
  private readonly tabs = new Map<number, TabFrames>();

  constructor(private readonly deps: FrameRouterDeps) {}

  /** The frame that shows the tab's captions now. */
  captionFrame(tabId: number): number {
    return this.tabs.get(tabId)?.current ?? TOP_FRAME;
  }

  /** A frame's video changed (null: it has none, or it is going away). */
  async report(tabId: number, frameId: number, video: FrameVideo | null): Promise<void> {
    const tab = this.tab(tabId);
    if (video) tab.reports.set(frameId, video);
    else tab.reports.delete(frameId);
    await this.repick(tabId, tab);
  }

  /** Sends a content message: state to every frame, captions and translations to the caption frame. */
  async route(tabId: number, msg: ContentMessage): Promise<boolean> {
    if (msg.type === 'state') return this.deps.send(tabId, undefined, msg);
    const tab = this.tabs.get(tabId);
    const frameId = tab?.current ?? TOP_FRAME;
    if (await this.deps.send(tabId, frameId, msg)) return true;
    if (!tab || frameId === TOP_FRAME) return false;
    // That frame is gone (navigated, removed) without saying so: forget it and try again.
    tab.reports.delete(frameId);
    await this.repick(tabId, tab);
    return tab.current === frameId ? false : this.deps.send(tabId, tab.current, msg);
  }

  /** The tab closed or its session ended. */
  forget(tabId: number): void {
    this.tabs.delete(tabId);
  }

  private tab(tabId: number): TabFrames {
    let tab = this.tabs.get(tabId);
    if (!tab) this.tabs.set(tabId, (tab = { current: TOP_FRAME, reports: new Map() }));
    return tab;
  }

  private async repick(tabId: number, tab: TabFrames): Promise<void> {
    const next = pickFrame(tab.reports, tab.current);
    if (next === tab.current) return;
    const previous = tab.current;
    tab.current = next;
    await Promise.all([
      this.deps.send(tabId, previous, { to: 'content', type: 'caption-frame', shows: false }),
      this.deps.send(tabId, next, { to: 'content', type: 'caption-frame', shows: true }),
    ]);
  }
}

// Finds the video the captions belong to (the largest visible playing <video>, open shadow
// roots included) and reports its on-screen rectangle whenever it moves: scroll, resize,
// layout changes, fullscreen. It also reports the frame's video (area, playing) so the
// background can pick the frame that shows the captions.

import type { FrameVideo } from '../shared/messages.ts';
import { deepFullscreenElement, findVideos } from './find-videos.ts';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface VideoCandidate<T> {
  video: T;
  rect: Rect;
  playing: boolean;
}

/** Area of `rect` inside a viewport of `vw` × `vh`. */
export function visibleArea(rect: Rect, vw: number, vh: number): number {
  const w = Math.min(rect.left + rect.width, vw) - Math.max(rect.left, 0);
  const h = Math.min(rect.top + rect.height, vh) - Math.max(rect.top, 0);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Smallest video worth captioning over; thumbnails and hidden players are ignored. */
const MIN_AREA = 160 * 90;

/**
 * The largest visible playing video; else the previous pick while it stays visible (a paused
 * video keeps its captions); else null, meaning "no video: caption the viewport".
 */
export function pickVideo<T>(candidates: VideoCandidate<T>[], vw: number, vh: number, previous: T | null): T | null {
  let best: T | null = null;
  let bestArea = MIN_AREA - 1;
  for (const c of candidates) {
    if (!c.playing) continue;
    const area = visibleArea(c.rect, vw, vh);
    if (area > bestArea) {
      best = c.video;
      bestArea = area;
    }
  }
  if (best) return best;
  const prev = candidates.find((c) => c.video === previous);
  return prev && visibleArea(prev.rect, vw, vh) >= MIN_AREA ? prev.video : null;
}

const MEDIA_EVENTS = ['play', 'playing', 'pause', 'ended', 'loadeddata', 'emptied'] as const;

const isPlaying = (v: HTMLVideoElement) => !v.paused && !v.ended && v.readyState >= 2;

const toRect = (r: DOMRect): Rect => ({ left: r.left, top: r.top, width: r.width, height: r.height });

const sameRect = (a: Rect | null, b: Rect | null) =>
  a === b ||
  (!!a && !!b && Math.abs(a.left - b.left) < 0.5 && Math.abs(a.top - b.top) < 0.5 && Math.abs(a.width - b.width) < 0.5 && Math.abs(a.height - b.height) < 0.5);

/** Calls `onChange(rect)` with the target video's viewport rect, or null for "no video". */
export class VideoTracker {
  private video: HTMLVideoElement | null = null;
  private rect: Rect | null = null;
  private reported = false;
  private frame = 0;
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly resizeObserver = new ResizeObserver(() => this.schedule());
  private readonly onEvent = () => this.schedule();
  /** Players are swapped without media events on SPA sites: watch for videos coming and going. */
  private readonly mutations = new MutationObserver((records) => {
    if (records.some((r) => [...r.addedNodes, ...r.removedNodes].some(holdsVideo))) this.schedule();
  });

  /** Shadow roots listened on for media events (which do not cross the shadow boundary). */
  private readonly roots = new Set<ShadowRoot>();

  constructor(
    private readonly onChange: (rect: Rect | null, video: HTMLVideoElement | null) => void,
    private readonly onFrameVideo: (video: FrameVideo | null) => void = () => {},
  ) {}

  /** The target video's rect as last measured (null: no video, caption the viewport). */
  get currentRect(): Rect | null {
    return this.rect;
  }

  start(): void {
    // Media events do not bubble, so listen in the capture phase for every video at once.
    for (const type of MEDIA_EVENTS) document.addEventListener(type, this.onEvent, true);
    window.addEventListener('scroll', this.onEvent, { capture: true, passive: true });
    window.addEventListener('resize', this.onEvent, { passive: true });
    document.addEventListener('fullscreenchange', this.onEvent);
    // SPA navigations (history.pushState, back/forward) often replace the player.
    window.addEventListener('popstate', this.onEvent);
    navigationApi()?.addEventListener('navigatesuccess', this.onEvent);
    this.mutations.observe(document.documentElement, { childList: true, subtree: true });
    // Players appear and move without events we can see (SPA navigation, layout changes).
    this.poll = setInterval(this.onEvent, 1000);
    this.update();
  }

  stop(): void {
    for (const type of MEDIA_EVENTS) document.removeEventListener(type, this.onEvent, true);
    window.removeEventListener('scroll', this.onEvent, { capture: true });
    window.removeEventListener('resize', this.onEvent);
    document.removeEventListener('fullscreenchange', this.onEvent);
    window.removeEventListener('popstate', this.onEvent);
    navigationApi()?.removeEventListener('navigatesuccess', this.onEvent);
    this.mutations.disconnect();
    clearInterval(this.poll);
    for (const root of this.roots) for (const type of MEDIA_EVENTS) root.removeEventListener(type, this.onEvent, true);
    this.roots.clear();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.resizeObserver.disconnect();
    this.video = null;
    this.rect = null;
    this.reported = false;
  }

  /** Coalesces bursts of scroll/resize events into one measurement per animation frame. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  private update(): void {
    const scope = deepFullscreenElement(document) ?? document;
    const { videos, shadowRoots } = findVideos(scope);
    for (const root of shadowRoots) {
      if (this.roots.has(root)) continue;
      this.roots.add(root);
      for (const type of MEDIA_EVENTS) root.addEventListener(type, this.onEvent, true);
    }
    const candidates = videos.map((video) => ({ video, rect: toRect(video.getBoundingClientRect()), playing: isPlaying(video) }));
    const picked = pickVideo(candidates, window.innerWidth, window.innerHeight, this.video);
    if (picked !== this.video) {
      this.resizeObserver.disconnect();
      if (picked) this.resizeObserver.observe(picked);
      this.video = picked;
    }
    const rect = picked ? candidates.find((c) => c.video === picked)!.rect : null;
    this.onFrameVideo(picked && rect ? { area: Math.round(visibleArea(rect, window.innerWidth, window.innerHeight)), playing: isPlaying(picked) } : null);
    if (this.reported && sameRect(rect, this.rect)) return;
    this.reported = true;
    this.rect = rect;
    this.onChange(rect, picked);
  }
}

/** Whether a node added or removed from the page is (or contains) a video. */
function holdsVideo(node: Node): boolean {
  if (!(node instanceof Element)) return false;
  return node.localName === 'video' || (node.childElementCount > 0 && node.querySelector('video') !== null);
}

/**
 * The Navigation API: its events are DOM events, so this isolated-world script hears the
 * page's own history.pushState navigations (patching pushState here would not see them).
 */
function navigationApi(): EventTarget | undefined {
  return (window as unknown as { navigation?: EventTarget }).navigation;
}

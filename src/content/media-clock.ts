// Content script side of the transcript's media times: while the tab is captioned, reports the
// clock of the media being heard (currentTime, rate, playing, live, seekable) to the background
// on every seek, pause, play and rate change and once a second; and plays a transcript line
// again when the transcript panel asks (`seek`).

import type { MediaSample } from '../shared/media-timeline.ts';
import { sendRuntime, type SeekResult } from '../shared/messages.ts';
import { findVideos } from './find-videos.ts';

/** Media events after which the clock is read again. */
const EVENTS = ['play', 'playing', 'pause', 'seeking', 'seeked', 'ratechange', 'waiting', 'ended', 'emptied', 'loadedmetadata'];
/** Readings while playing, to follow drift and catch changes without events. */
const HEARTBEAT_MS = 1000;

/** What the reader needs of a media element (a fake in unit tests). */
export interface MediaLike {
  currentTime: number;
  duration: number;
  playbackRate: number;
  paused: boolean;
  ended: boolean;
  seeking: boolean;
  readyState: number;
  muted: boolean;
  volume: number;
  currentSrc: string;
  seekable: { length: number; start(i: number): number; end(i: number): number };
}

/** The clock advances: playing with data, not paused, ended or seeking. */
export const advancing = (m: MediaLike) => !m.paused && !m.ended && !m.seeking && m.readyState >= 3;

/** Heard: advancing and not silenced. */
const audible = (m: MediaLike) => advancing(m) && !m.muted && m.volume > 0;

export function readMedia(m: MediaLike, now: number): MediaSample {
  const live = m.duration === Infinity;
  let seekable = false;
  for (let i = 0; i < m.seekable.length; i++) if (m.seekable.end(i) > m.seekable.start(i)) seekable = true;
  return { at: now, time: m.currentTime, rate: m.playbackRate, playing: advancing(m), src: m.currentSrc, live, seekable: seekable && !live };
}

/** Plays `media` from `time` when it can; says why not otherwise. */
export function seekMedia(media: MediaLike | null, time: number): SeekResult {
  if (!media) return { ok: false, reason: 'no-media' };
  if (media.duration === Infinity) return { ok: false, reason: 'live' };
  for (let i = 0; i < media.seekable.length; i++) {
    if (time >= media.seekable.start(i) - 0.05 && time <= media.seekable.end(i) + 0.05) {
      media.currentTime = Math.max(0, time);
      return { ok: true };
    }
  }
  return { ok: false, reason: 'not-seekable' };
}

/** Reports the heard media's clock while active. */
export class MediaClock {
  private current: HTMLMediaElement | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private active = false;
  private readonly onEvent = (e: Event) => {
    const el = e.target;
    if (!(el instanceof HTMLMediaElement)) return;
    // A media that starts playing audibly becomes the one heard (unless the current one still is).
    if (el !== this.current && audible(el) && !(this.current && audible(this.current))) this.current = el;
    if (el === this.current || advancing(el)) this.report(el);
  };

  constructor(
    private readonly send: (sample: MediaSample) => void,
    private readonly doc: Document = document,
  ) {}

  setActive(on: boolean): void {
    if (on === this.active) return;
    this.active = on;
    if (on) {
      // Media events do not bubble: listen in the capture phase for every media element at once.
      for (const type of EVENTS) this.doc.addEventListener(type, this.onEvent, true);
      this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
      this.beat();
    } else {
      for (const type of EVENTS) this.doc.removeEventListener(type, this.onEvent, true);
      clearInterval(this.heartbeat);
      this.current = null;
    }
  }

  /** Plays the media `src` from `time` (the transcript panel's click). */
  seek(src: string, time: number): SeekResult {
    const all = this.media();
    return seekMedia(all.find((m) => m.currentSrc === src) ?? null, time);
  }

  /** The document's media, and the videos of open shadow roots (web-component players; their
   * events do not reach the document, so the heartbeat picks up their seeks within a second). */
  private media(): HTMLMediaElement[] {
    const all = new Set<HTMLMediaElement>(this.doc.querySelectorAll<HTMLMediaElement>('video, audio'));
    for (const v of findVideos(this.doc).videos) all.add(v);
    return [...all];
  }

  private beat(): void {
    if (!this.current || !this.current.isConnected || !advancing(this.current)) {
      const all = this.media();
      const next = all.find(audible) ?? all.find(advancing);
      if (next) this.current = next;
    }
    if (this.current) this.report(this.current);
  }

  private report(el: HTMLMediaElement): void {
    if (el !== this.current && this.current && advancing(this.current)) return; // another one is heard
    try {
      this.send(readMedia(el, Date.now()));
    } catch {
      // The extension was reloaded: this orphaned script has nobody to tell.
    }
  }
}

/** Starts the clock reporter (inactive until captioning starts) and answers the panel's `seek`. */
export function startMediaClock(): MediaClock {
  const clock = new MediaClock((sample) => {
    sendRuntime({ to: 'background', type: 'media-state', sample }).catch(() => {});
  });
  chrome.runtime.onMessage.addListener((msg: unknown, _sender, sendResponse: (r: SeekResult) => void) => {
    const m = msg as { to?: unknown; type?: unknown; src?: unknown; time?: unknown };
    if (m?.to !== 'content' || m.type !== 'seek' || typeof m.src !== 'string' || !Number.isFinite(m.time)) return false;
    sendResponse(clock.seek(m.src, m.time as number));
    return false;
  });
  return clock;
}

// The caption overlay: a host element with a shadow root, drawn over the target video (or at
// the bottom of the viewport), kept in the top layer so page stacking and fullscreen cannot
// hide it. Server text is untrusted: it only ever goes in through textContent.

import type { VisibleLine } from './caption-model.ts';
import type { Rect } from './video-tracker.ts';
import { HOST_STYLE, OVERLAY_CSS } from './overlay-styles.ts';

export const HOST_TAG = 'tab-captions-overlay';

export type StatusTone = 'info' | 'warn' | 'error';

export class CaptionOverlay {
  readonly host: HTMLElement;
  private readonly frame: HTMLDivElement;
  private readonly captions: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly lineEls = new Map<string, HTMLDivElement>();
  /** Translation elements, keyed by the id of the line they sit under. */
  private readonly translationEls = new Map<string, HTMLDivElement>();
  private rect: Rect | null = null;
  private readonly onFullscreen = () => this.raise();

  constructor() {
    this.host = document.createElement(HOST_TAG);
    this.host.style.cssText = HOST_STYLE;
    // Open, so tests (and assistive tools) can read the captions; page CSS still cannot.
    const root = this.host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = OVERLAY_CSS;
    this.frame = document.createElement('div');
    this.frame.className = 'frame';
    this.captions = document.createElement('div');
    this.captions.className = 'captions';
    this.captions.setAttribute('role', 'region');
    this.captions.setAttribute('aria-label', 'Live captions');
    this.status = document.createElement('div');
    this.status.className = 'status';
    this.status.setAttribute('role', 'status');
    this.status.hidden = true;
    this.frame.append(this.captions, this.status);
    root.append(style, this.frame);
    if (supportsPopover(this.host)) this.host.setAttribute('popover', 'manual');
  }

  mount(): void {
    if (this.host.isConnected) return;
    document.documentElement.append(this.host);
    this.place(this.rect);
    this.raise();
    document.addEventListener('fullscreenchange', this.onFullscreen);
  }

  unmount(): void {
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    this.host.remove();
  }

  /** Covers the video's rect, or the whole viewport (captions at the bottom) when null. */
  place(rect: Rect | null): void {
    this.rect = rect;
    const s = this.host.style;
    const box = rect ?? { left: 0, top: 0, width: window.innerWidth, height: window.innerHeight };
    s.setProperty('left', `${box.left}px`, 'important');
    s.setProperty('top', `${box.top}px`, 'important');
    s.setProperty('width', `${box.width}px`, 'important');
    s.setProperty('height', `${box.height}px`, 'important');
    // Scale with the video like TV captions; over the page use a steady readable size.
    const size = rect ? clamp(box.height * 0.048, 14, 40) : clamp(window.innerHeight * 0.03, 16, 28);
    this.frame.style.setProperty('--caption-size', `${Math.round(size)}px`);
    // Over a video, stay clear of the native controls bar (about 50 px).
    this.frame.style.setProperty('--caption-bottom', rect ? `${Math.round(Math.max(box.height * 0.1, 58))}px` : '24px');
    this.host.dataset.placement = rect ? 'video' : 'viewport';
    this.markOverflow();
  }

  render(lines: VisibleLine[]): void {
    const keep = new Set(lines.map((l) => l.id));
    for (const [id, el] of this.lineEls) {
      if (!keep.has(id)) {
        el.remove();
        this.lineEls.delete(id);
      }
    }
    // Children in order: each line, then the translation it carries (if any).
    const order: HTMLElement[] = [];
    lines.forEach((line) => {
      let el = this.lineEls.get(line.id);
      if (!el) {
        el = document.createElement('div');
        el.className = 'line';
        el.dir = 'auto'; // right-to-left scripts lay out correctly per line
        el.dataset.segmentId = line.id;
        this.lineEls.set(line.id, el);
      }
      if (el.textContent !== line.text) el.textContent = line.text;
      el.dataset.kind = line.kind;
      el.dataset.age = String(line.age);
      el.dataset.fading = String(line.fading);
      if (line.language) el.lang = line.language;
      order.push(el);
      const t = line.translation;
      if (t) order.push(this.translationEl(line.id, t.ids, t.text, t.language, line));
    });
    const translated = new Set(lines.filter((l) => l.translation).map((l) => l.id));
    for (const [id, el] of this.translationEls) {
      if (!translated.has(id)) {
        el.remove();
        this.translationEls.delete(id);
      }
    }
    order.forEach((el, i) => {
      if (this.captions.children[i] !== el) this.captions.insertBefore(el, this.captions.children[i] ?? null);
    });
    this.markOverflow();
  }

  /** The element showing a translation under line `underId`; text only ever via textContent. */
  private translationEl(underId: string, ids: string[], text: string, language: string, line: VisibleLine): HTMLDivElement {
    let el = this.translationEls.get(underId);
    if (!el) {
      el = document.createElement('div');
      el.className = 'translation';
      el.dir = 'auto';
      this.translationEls.set(underId, el);
    }
    if (el.textContent !== text) el.textContent = text;
    el.lang = language;
    el.dataset.for = ids.join(' ');
    el.dataset.age = String(line.age);
    el.dataset.fading = String(line.fading);
    return el;
  }

  /** Flags when the oldest line no longer fits (the box grows upwards and clips its top). */
  private markOverflow(): void {
    const first = this.captions.firstElementChild as HTMLElement | null;
    this.captions.dataset.overflow = String(!!first && first.offsetTop < 0);
  }

  setStatus(text: string | null, tone: StatusTone = 'info'): void {
    this.status.hidden = !text;
    this.status.textContent = text ?? '';
    this.status.dataset.tone = tone;
  }

  /**
   * Puts the overlay on top of the top layer again. Fullscreen elements live in the top
   * layer, above any z-index; re-showing our popover moves it above them.
   */
  private raise(): void {
    if (!this.host.isConnected || !this.host.hasAttribute('popover')) return;
    try {
      if (this.host.matches(':popover-open')) this.host.hidePopover();
      this.host.showPopover();
    } catch {
      // Not allowed here (e.g. a page that forbids popovers): z-index still applies.
    }
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

const supportsPopover = (el: HTMLElement) => typeof el.showPopover === 'function';

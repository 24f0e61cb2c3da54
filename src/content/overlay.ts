// The caption overlay: a host element with a shadow root, drawn over the target video (or at
// the bottom of the viewport), kept in the top layer so page stacking and fullscreen cannot
// hide it. The caption panel can be dragged and resized inside that box. Server text is
// untrusted: it only ever goes in through textContent.

import { DEFAULT_STYLE, styleVariables, type CaptionStyle } from '../shared/caption-style.ts';
import type { VisibleLine } from './caption-model.ts';
import { captionLayout, type CaptionLayout } from './caption-layout.ts';
import { defaultPlacement, dragBy, placementOf, resizeBy, resolvePlacement, type CaptionBox, type Placement } from './placement.ts';
import type { Rect } from './video-tracker.ts';
import { HOST_STYLE, OVERLAY_CSS } from './overlay-styles.ts';

export const HOST_TAG = 'tab-captions-overlay';

export type StatusTone = 'info' | 'warn' | 'error';

/** Words the overlay shows or announces, in the user's language (chrome.i18n). */
export interface OverlayLabels {
  region: string;
  move: string;
  resize: string;
}

export interface OverlayCallbacks {
  /** The user finished a drag or resize (null: they reset it with a double click). */
  onPlacement(placement: Placement | null): void;
}

/** Finals announced to screen readers; older ones are removed so the live region stays small. */
const ANNOUNCED = 3;
/** Arrow keys move the focused panel by this many pixels (Shift: ten times as far). */
const KEY_STEP = 8;

export class CaptionOverlay {
  readonly host: HTMLElement;
  private readonly frame: HTMLDivElement;
  private readonly panel: HTMLDivElement;
  private readonly linesEl: HTMLDivElement;
  private readonly live: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly cues = new Map<string, HTMLDivElement>();
  private readonly announced = new Set<string>();
  private rect: Rect | null = null;
  private placement: Placement | null = null;
  private box: CaptionBox | null = null;
  private style: CaptionStyle = DEFAULT_STYLE;
  /** A translation is on screen: the box makes room for its rows ("2 + 2"). */
  private translating = false;
  private drag: { kind: 'move' | 'resize'; x: number; y: number; start: CaptionBox; pointer: number } | null = null;
  private readonly onFullscreen = () => this.raise();

  constructor(
    private readonly labels: OverlayLabels,
    private readonly callbacks: OverlayCallbacks,
  ) {
    this.host = document.createElement(HOST_TAG);
    this.host.style.cssText = HOST_STYLE;
    // Open, so tests (and assistive tools) can read the captions; page CSS still cannot.
    const root = this.host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = OVERLAY_CSS;
    this.frame = div('frame');
    this.panel = div('panel');
    this.panel.dataset.empty = 'true';
    this.panel.tabIndex = 0;
    this.panel.setAttribute('role', 'region');
    this.panel.setAttribute('aria-label', labels.region);
    this.panel.title = labels.move;
    this.linesEl = div('lines');
    // The visible lines change word by word; screen readers hear each finished line once.
    this.linesEl.setAttribute('aria-hidden', 'true');
    const handle = div('resize');
    handle.title = labels.resize;
    handle.setAttribute('aria-hidden', 'true');
    this.live = div('sr-only');
    this.live.setAttribute('role', 'log');
    this.live.setAttribute('aria-live', 'polite');
    this.live.setAttribute('aria-relevant', 'additions');
    this.panel.append(this.linesEl, handle, this.live);
    this.status = div('status');
    this.status.setAttribute('role', 'status');
    this.status.hidden = true;
    this.frame.append(this.panel, this.status);
    root.append(style, this.frame);
    if (supportsPopover(this.host)) this.host.setAttribute('popover', 'manual');
    this.panel.addEventListener('pointerdown', (e) => this.startDrag(e, e.target === handle ? 'resize' : 'move'));
    this.panel.addEventListener('pointermove', (e) => this.moveDrag(e));
    this.panel.addEventListener('pointerup', (e) => this.endDrag(e));
    this.panel.addEventListener('pointercancel', (e) => this.endDrag(e));
    this.panel.addEventListener('dblclick', () => this.resetPlacement());
    this.panel.addEventListener('keydown', (e) => this.onKey(e));
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

  /** Applies the user's style; takes effect immediately. */
  setStyle(style: CaptionStyle): void {
    this.style = style;
    this.applyStyle();
    this.layout();
  }

  /** Rows, measure and text size for the current box and style (for tests and the controller). */
  get layoutInfo(): CaptionLayout {
    return captionLayout(this.outerBox(), !!this.rect, this.style, this.translating);
  }

  /** The user's saved placement for this site (null: the default spot). */
  setPlacement(placement: Placement | null): void {
    this.placement = placement;
    this.layout();
  }

  /** Covers the video's rect, or the whole viewport (captions at the bottom) when null. */
  place(rect: Rect | null): void {
    this.rect = rect;
    const s = this.host.style;
    const box = this.outerBox();
    s.setProperty('left', `${box.left}px`, 'important');
    s.setProperty('top', `${box.top}px`, 'important');
    s.setProperty('width', `${box.width}px`, 'important');
    s.setProperty('height', `${box.height}px`, 'important');
    // Scale with the video like TV captions; over the page use a steady readable size.
    this.frame.style.setProperty('--caption-auto-size', `${this.layoutInfo.autoFontPx}px`);
    this.host.dataset.placement = rect ? 'video' : 'viewport';
    this.layout();
  }

  render(lines: VisibleLine[]): void {
    const keep = new Set(lines.map((l) => l.id));
    for (const [id, el] of this.cues) {
      if (!keep.has(id)) {
        el.remove();
        this.cues.delete(id);
      }
    }
    lines.forEach((line, i) => {
      let cue = this.cues.get(line.id);
      if (!cue) {
        cue = div('cue');
        const text = div('line');
        text.dir = 'auto'; // right-to-left scripts lay out correctly per line
        text.dataset.segmentId = line.id;
        text.append(span('stable'), span('tail'));
        const tr = div('translation');
        tr.dir = 'auto';
        tr.hidden = true;
        cue.append(text, tr);
        this.cues.set(line.id, cue);
      }
      const [text, tr] = cue.children as unknown as [HTMLDivElement, HTMLDivElement];
      const [stable, tail] = text.children as unknown as [HTMLSpanElement, HTMLSpanElement];
      // Committed words keep their text node untouched; only the tail is rewritten.
      const stableText = line.stable && line.tail ? `${line.stable} ` : line.stable;
      if (stable.textContent !== stableText) stable.textContent = stableText;
      if (tail.textContent !== line.tail) tail.textContent = line.tail;
      text.dataset.kind = line.kind;
      text.dataset.age = String(line.age);
      if (line.language) text.lang = line.language;
      tr.hidden = !line.translation;
      if ((tr.textContent ?? '') !== (line.translation ?? '')) tr.textContent = line.translation ?? '';
      if (line.translationLanguage) tr.lang = line.translationLanguage;
      cue.dataset.translated = String(!!line.translation);
      cue.dataset.age = String(line.age);
      cue.dataset.fading = String(line.fading);
      if (this.linesEl.children[i] !== cue) this.linesEl.insertBefore(cue, this.linesEl.children[i] ?? null);
      if (line.kind === 'final') this.announce(line);
    });
    this.panel.dataset.empty = String(lines.length === 0 || lines.every((l) => l.fading));
    const translating = lines.some((l) => !!l.translation);
    if (translating !== this.translating) {
      this.translating = translating;
      this.applyStyle();
    }
    this.layout();
  }

  setStatus(text: string | null, tone: StatusTone = 'info'): void {
    this.status.hidden = !text;
    this.status.textContent = text ?? '';
    this.status.dataset.tone = tone;
  }

  /** The caption panel's box in page pixels (for tests and the controller). */
  get captionBox(): CaptionBox | null {
    return this.box;
  }

  // ------------------------------------------------------------ internals

  private applyStyle(): void {
    for (const [name, value] of Object.entries(styleVariables(this.style, this.translating))) this.frame.style.setProperty(name, value);
    this.frame.dataset.display = this.style.display;
  }

  private outerBox(): Rect {
    return this.rect ?? { left: 0, top: 0, width: window.innerWidth, height: window.innerHeight };
  }

  /** Puts the panel where the placement says, clamped inside the video (or viewport). */
  private layout(): void {
    if (this.drag) return;
    const outer = this.outerBox();
    const placement = this.placement ?? defaultPlacement(outer, !!this.rect, this.layoutInfo.measurePx);
    this.apply(resolvePlacement(outer, placement, this.minHeight()));
    this.markOverflow();
  }

  private apply(box: CaptionBox): void {
    const outer = this.outerBox();
    this.box = box;
    const s = this.panel.style;
    s.left = `${box.left - outer.left}px`;
    s.width = `${box.width}px`;
    s.bottom = `${outer.top + outer.height - box.bottom}px`;
  }

  /** The panel's height now (at least about one line), so clamping keeps all of it inside. */
  private minHeight(): number {
    return Math.max(this.panel.offsetHeight, 32);
  }

  private startDrag(e: PointerEvent, kind: 'move' | 'resize'): void {
    if (e.button !== 0 || !this.box) return;
    e.preventDefault();
    e.stopPropagation(); // the page (a player toggling pause on click) must not see it
    this.panel.setPointerCapture(e.pointerId);
    this.drag = { kind, x: e.clientX, y: e.clientY, start: this.box, pointer: e.pointerId };
    this.panel.dataset.dragging = 'true';
  }

  private moveDrag(e: PointerEvent): void {
    const d = this.drag;
    if (!d || e.pointerId !== d.pointer) return;
    e.preventDefault();
    const outer = this.outerBox();
    const next =
      d.kind === 'move'
        ? dragBy(outer, d.start, e.clientX - d.x, e.clientY - d.y, this.minHeight())
        : resizeBy(outer, d.start, (e.clientX - d.x) * (getComputedStyle(this.panel).direction === 'rtl' ? -1 : 1), this.minHeight());
    this.apply(next);
  }

  private endDrag(e: PointerEvent): void {
    const d = this.drag;
    if (!d || e.pointerId !== d.pointer) return;
    this.drag = null;
    delete this.panel.dataset.dragging;
    if (this.panel.hasPointerCapture(e.pointerId)) this.panel.releasePointerCapture(e.pointerId);
    const moved = this.box && (this.box.left !== d.start.left || this.box.bottom !== d.start.bottom || this.box.width !== d.start.width);
    if (!moved || !this.box) return;
    this.placement = placementOf(this.outerBox(), this.box);
    this.callbacks.onPlacement(this.placement);
  }

  private resetPlacement(): void {
    this.placement = null;
    this.layout();
    this.callbacks.onPlacement(null);
  }

  /** Keyboard users move the focused panel with the arrow keys (Escape: back to default). */
  private onKey(e: KeyboardEvent): void {
    if (!this.box) return;
    const step = e.shiftKey ? KEY_STEP * 10 : KEY_STEP;
    const delta: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key === 'Escape') {
      e.preventDefault();
      this.resetPlacement();
      return;
    }
    const d = delta[e.key];
    if (!d) return;
    e.preventDefault();
    e.stopPropagation();
    this.apply(dragBy(this.outerBox(), this.box, d[0], d[1], this.minHeight()));
    this.placement = placementOf(this.outerBox(), this.box);
    this.callbacks.onPlacement(this.placement);
  }

  private announce(line: VisibleLine): void {
    if (this.announced.has(line.id)) return;
    this.announced.add(line.id);
    const p = document.createElement('p');
    p.textContent = line.translation ? `${line.text} — ${line.translation}` : line.text;
    if (line.language) p.lang = line.language;
    this.live.append(p);
    while (this.live.childElementCount > ANNOUNCED) this.live.firstElementChild!.remove();
    if (this.announced.size > 200) this.announced.clear();
  }

  /** Flags when the oldest line no longer fits (the box grows upwards and clips its top). */
  private markOverflow(): void {
    // Overflow at the top of a bottom-aligned box is not scrollable, so scrollHeight misses it.
    const first = this.linesEl.firstElementChild;
    const cut = !!first && first.getBoundingClientRect().top < this.linesEl.getBoundingClientRect().top - 0.5;
    this.linesEl.dataset.overflow = String(cut);
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

function div(className: string): HTMLDivElement {
  const el = document.createElement('div');
  el.className = className;
  return el;
}

function span(className: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  return el;
}

const supportsPopover = (el: HTMLElement) => typeof el.showPopover === 'function';

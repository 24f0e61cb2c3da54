// Caption assembly, free of the DOM: merges partial and final updates by segment, keeps the
// last few lines, and decides when old lines fade. The overlay renders its snapshots.

import type { CaptionUpdate } from '../shared/messages.ts';

export interface CaptionLine {
  id: string;
  kind: 'partial' | 'final';
  text: string;
  language?: string;
  /** When the line last changed (ms). */
  updatedAt: number;
}

/** A translation of one or more final lines (a sentence can span several). */
export interface LineTranslation {
  /** Ids of the lines it covers, in order; the first is its key. */
  ids: string[];
  text: string;
  language: string;
}

/** A line as the overlay should show it now. */
export interface VisibleLine extends CaptionLine {
  /** Position from the newest line: 0 newest, 1 the one before… (older = dimmer). */
  age: number;
  /** A final nobody added to for a while: the overlay fades it out. */
  fading: boolean;
  /** Set on the last visible line a translation covers: the overlay shows it under that line. */
  translation?: LineTranslation;
}

export interface CaptionModelOptions {
  /** Lines kept on screen. */
  maxLines: number;
  /** A final line starts fading when no caption changed for this long (ms). */
  lingerMs: number;
  /** How long the fade takes before the line is removed (ms). */
  fadeMs: number;
}

export const DEFAULT_CAPTION_OPTIONS: CaptionModelOptions = { maxLines: 3, lingerMs: 8_000, fadeMs: 1_000 };

export class CaptionModel {
  private readonly opts: CaptionModelOptions;
  private lines: CaptionLine[] = [];
  /** Ids already final: a late partial for them is stale and ignored. */
  private finalized = new Set<string>();
  private lastChange = 0;
  /** Translations by the id of every line they cover. */
  private translations = new Map<string, LineTranslation>();

  constructor(options: Partial<CaptionModelOptions> = {}) {
    this.opts = { ...DEFAULT_CAPTION_OPTIONS, ...options };
  }

  /** Merges one update; returns whether anything visible changed. */
  apply(update: CaptionUpdate, now: number): boolean {
    if (update.kind === 'partial' && this.finalized.has(update.id)) return false;
    const text = update.text.trim();
    const index = this.lines.findIndex((l) => l.id === update.id);
    if (update.kind === 'final') this.finalized.add(update.id);
    if (!text) {
      // An empty final (or partial) means the segment turned out to be silence: drop it.
      if (index < 0) return false;
      this.lines.splice(index, 1);
      this.lastChange = now;
      return true;
    }
    const line: CaptionLine = {
      id: update.id,
      kind: update.kind,
      text,
      updatedAt: now,
      ...(update.language ? { language: update.language } : {}),
    };
    if (index >= 0) {
      const old = this.lines[index];
      if (old.kind === line.kind && old.text === line.text) return false;
      this.lines[index] = line;
    } else {
      this.lines.push(line);
      if (this.lines.length > this.opts.maxLines) {
        // Scrolled-off finals stay in `finalized`, so a late partial cannot resurrect them.
        this.lines.splice(0, this.lines.length - this.opts.maxLines);
        this.trimFinalized();
        this.dropOrphanTranslations();
      }
    }
    this.lastChange = now;
    return true;
  }

  /**
   * Attaches a translation to the final lines `ids` (replacing any earlier translation of
   * those lines); returns whether anything visible changed. Ids of lines not (or no longer)
   * shown are kept only while some covered line is on screen.
   */
  setTranslation(ids: string[], text: string, language: string, now: number): boolean {
    const clean = text.trim();
    if (ids.length === 0 || !clean) return false;
    // Only finals are translated; a translation for unknown lines (scrolled off) is dropped.
    if (!ids.some((id) => this.lines.some((l) => l.id === id && l.kind === 'final'))) return false;
    const t: LineTranslation = { ids: [...ids], text: clean, language };
    for (const id of ids) {
      const old = this.translations.get(id);
      if (old) for (const oid of old.ids) this.translations.delete(oid);
    }
    for (const id of ids) this.translations.set(id, t);
    this.lastChange = now;
    return true;
  }

  /** What to draw now, oldest first. */
  snapshot(now: number): VisibleLine[] {
    const idle = now - this.lastChange;
    return this.lines.map((l, i) => {
      const t = l.kind === 'final' ? this.translations.get(l.id) : undefined;
      // Under the last line of the group that is still shown.
      const isLast = t && !this.lines.slice(i + 1).some((later) => t.ids.includes(later.id));
      return {
        ...l,
        age: this.lines.length - 1 - i,
        fading: l.kind === 'final' && idle >= this.opts.lingerMs,
        ...(t && isLast ? { translation: t } : {}),
      };
    });
  }

  /** Removes lines whose fade has finished; returns whether any were removed. */
  prune(now: number): boolean {
    if (now - this.lastChange < this.opts.lingerMs + this.opts.fadeMs) return false;
    const before = this.lines.length;
    this.lines = this.lines.filter((l) => l.kind !== 'final');
    this.dropOrphanTranslations();
    return this.lines.length !== before;
  }

  /** When the next fade or prune is due (ms epoch), or null when nothing is pending. */
  nextDeadline(now: number): number | null {
    if (!this.lines.some((l) => l.kind === 'final')) return null;
    const fadeAt = this.lastChange + this.opts.lingerMs;
    return now < fadeAt ? fadeAt : this.lastChange + this.opts.lingerMs + this.opts.fadeMs;
  }

  get size(): number {
    return this.lines.length;
  }

  clear(): void {
    this.lines = [];
    this.finalized.clear();
    this.translations.clear();
  }

  /** Forgets translations none of whose lines is shown any more. */
  private dropOrphanTranslations(): void {
    const shown = new Set(this.lines.map((l) => l.id));
    for (const [id, t] of this.translations) if (!t.ids.some((i) => shown.has(i))) this.translations.delete(id);
  }

  /** Bounds the memory of finalized ids on very long sessions. */
  private trimFinalized(): void {
    const excess = this.finalized.size - 500;
    if (excess <= 0) return;
    let n = 0;
    for (const id of this.finalized) {
      if (n++ >= excess) break;
      this.finalized.delete(id);
    }
  }
}

// Caption assembly, free of the DOM: merges partial and final updates by segment, keeps the
// last few lines, decides when old lines fade, and keeps text stable while it is being
// recognized: words shown as committed never change or move, only the unstable tail does.
// The overlay renders its snapshots.

import type { CaptionUpdate, TranslationUpdate } from '../shared/messages.ts';

export interface CaptionLine {
  id: string;
  kind: 'partial' | 'final';
  /** Everything shown: `stable` followed by `tail`. */
  text: string;
  /** Words that will not change any more (a final is all stable). */
  stable: string;
  /** The still-changing end of a partial ('' for finals). */
  tail: string;
  language?: string;
  /** Translation of this line (a translation covering several lines sits on the first). */
  translation?: string;
  translationLanguage?: string;
  /** When the line last changed (ms). */
  updatedAt: number;
}

/** A line as the overlay should show it now. */
export interface VisibleLine extends CaptionLine {
  /** Position from the newest line: 0 newest, 1 the one before… (older = dimmer). */
  age: number;
  /** A final nobody added to for a while: the overlay fades it out. */
  fading: boolean;
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

/** A repeated final within this long of the same text is a resend (reconnect, resume), not speech. */
const DUPLICATE_WINDOW_MS = 15_000;

/** Fewer words than this are never treated as a resend. */
const MIN_RESEND_WORDS = 3;

const words = (s: string) => s.split(/\s+/).filter(Boolean);
/** Comparison form of a word: case and surrounding punctuation do not make words differ. */
const norm = (w: string) => w.toLocaleLowerCase().replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
const sameText = (a: string, b: string) => words(a).map(norm).join(' ') === words(b).map(norm).join(' ');

/** How many leading words two word lists share (compared loosely). */
export function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && norm(a[i]) === norm(b[i])) i++;
  return i;
}

/**
 * Splits a new partial into what may be shown as committed and what is still unstable.
 * Words are committed once two consecutive partials agree on them, and stay committed: a
 * later partial that rewrites them only changes the tail after them.
 */
export function stabilize(prevStable: string, prevText: string, nextText: string): { stable: string; tail: string } {
  const committed = words(prevStable);
  const next = words(nextText);
  // Agreement between the previous and this hypothesis, beyond what is already committed.
  const agreed = Math.max(committed.length, commonPrefixLength(words(prevText), next));
  const stableWords = [...committed, ...next.slice(committed.length, agreed)];
  const tailWords = next.slice(Math.max(committed.length, agreed));
  return { stable: stableWords.join(' '), tail: tailWords.join(' ') };
}

export class CaptionModel {
  private opts: CaptionModelOptions;
  private lines: CaptionLine[] = [];
  /** Ids already final: a late partial for them is stale and ignored. */
  private finalized = new Set<string>();
  /** Ids of finals dropped as resends: their late partials and translations are ignored too. */
  private duplicates = new Set<string>();
  /** Recent finals (text, when) for recognizing resends after lines scrolled or faded away. */
  private recentFinals: { id: string; text: string; at: number }[] = [];
  private lastChange = 0;

  constructor(options: Partial<CaptionModelOptions> = {}) {
    this.opts = { ...DEFAULT_CAPTION_OPTIONS, ...options };
  }

  /** Changes how many lines are kept and when they fade (user settings, applied live). */
  configure(options: Partial<CaptionModelOptions>): void {
    this.opts = { ...this.opts, ...options };
    if (this.lines.length > this.opts.maxLines) this.lines.splice(0, this.lines.length - this.opts.maxLines);
  }

  /** Merges one update; returns whether anything visible changed. */
  apply(update: CaptionUpdate, now: number): boolean {
    if (this.duplicates.has(update.id)) return false;
    if (update.kind === 'partial' && this.finalized.has(update.id)) return false;
    const text = words(update.text).join(' ');
    const index = this.lines.findIndex((l) => l.id === update.id);
    const old = index >= 0 ? this.lines[index] : undefined;
    if (update.kind === 'final') {
      if (text && this.isResend(update.id, text, now)) {
        this.duplicates.add(update.id);
        this.trimSet(this.duplicates);
        if (index < 0) return false;
        this.lines.splice(index, 1);
        this.lastChange = now;
        return true;
      }
      this.finalized.add(update.id);
      this.trimSet(this.finalized);
      if (text) {
        this.recentFinals.push({ id: update.id, text, at: now });
        this.recentFinals = this.recentFinals.filter((f) => now - f.at <= DUPLICATE_WINDOW_MS).slice(-20);
      }
    }
    if (!text) {
      // An empty final (or partial) means the segment turned out to be silence: drop it.
      if (index < 0) return false;
      this.lines.splice(index, 1);
      this.lastChange = now;
      return true;
    }
    // The first partial of a resend (same sentence again, new id) stays hidden until it differs.
    if (update.kind === 'partial' && !old && this.isResend(update.id, text, now)) return false;
    const { stable, tail } =
      update.kind === 'final' ? { stable: text, tail: '' } : stabilize(old?.stable ?? '', old?.text ?? '', text);
    const shown = tail ? (stable ? `${stable} ${tail}` : tail) : stable;
    const line: CaptionLine = {
      id: update.id,
      kind: update.kind,
      text: shown,
      stable,
      tail,
      updatedAt: now,
      ...(update.language ? { language: update.language } : old?.language ? { language: old.language } : {}),
      ...(old?.translation ? { translation: old.translation, translationLanguage: old.translationLanguage } : {}),
    };
    if (old) {
      if (old.kind === line.kind && old.text === line.text && old.stable === line.stable) return false;
      this.lines[index] = line;
    } else {
      this.lines.push(line);
      if (this.lines.length > this.opts.maxLines) {
        // Scrolled-off finals stay in `finalized`, so a late partial cannot resurrect them.
        this.lines.splice(0, this.lines.length - this.opts.maxLines);
      }
    }
    this.lastChange = now;
    return true;
  }

  /**
   * Shows a translation under the first visible line it covers (older translations that
   * overlap it are removed). Returns whether anything visible changed.
   */
  setTranslation(update: Pick<TranslationUpdate, 'ids' | 'text' | 'language'>, now: number): boolean {
    const text = words(update.text).join(' ');
    const covered = new Set(update.ids);
    const first = this.lines.findIndex((l) => covered.has(l.id));
    if (first < 0 || !text) return false;
    this.lines = this.lines.map((l, i) => {
      if (i === first) return { ...l, translation: text, translationLanguage: update.language, updatedAt: now };
      if (covered.has(l.id) && l.translation) {
        const { translation: _t, translationLanguage: _l, ...rest } = l;
        return rest;
      }
      return l;
    });
    this.lastChange = now;
    return true;
  }

  /** What to draw now, oldest first. */
  snapshot(now: number): VisibleLine[] {
    const idle = now - this.lastChange;
    return this.lines.map((l, i) => ({
      ...l,
      age: this.lines.length - 1 - i,
      fading: l.kind === 'final' && idle >= this.opts.lingerMs,
    }));
  }

  /** Removes lines whose fade has finished; returns whether any were removed. */
  prune(now: number): boolean {
    if (now - this.lastChange < this.opts.lingerMs + this.opts.fadeMs) return false;
    const before = this.lines.length;
    this.lines = this.lines.filter((l) => l.kind !== 'final');
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
    this.duplicates.clear();
    this.recentFinals = [];
  }

  /**
   * A final whose text repeats a different, recent final: after a pause or a reconnect the
   * server may send the same sentence again under a new id; showing it twice reads as a stutter.
   */
  private isResend(id: string, text: string, now: number): boolean {
    // Short replies ("yes", "thank you") are often really said twice; sentences rarely are.
    if (words(text).length < MIN_RESEND_WORDS) return false;
    return this.recentFinals.some((f) => f.id !== id && now - f.at <= DUPLICATE_WINDOW_MS && sameText(f.text, text));
  }

  /** Bounds the memory of remembered ids on very long sessions. */
  private trimSet(set: Set<string>): void {
    const excess = set.size - 500;
    if (excess <= 0) return;
    let n = 0;
    for (const id of set) {
      if (n++ >= excess) break;
      set.delete(id);
    }
  }
}

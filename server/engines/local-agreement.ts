// Streaming policy for an offline recognizer (Whisper) run repeatedly over a growing audio
// buffer: LocalAgreement-2. A word is committed once two consecutive passes agree on it (as
// part of the longest agreeing prefix); committed text is never revised. The policy only
// does bookkeeping on text and times, so it is pure and tested with scripted passes; the
// recognizer owns the audio and runs the passes.
//
// Times: a pass reports segment times in seconds from the head of the buffer it was given;
// the policy converts them to utterance time. When the buffer grows past maxBufferSeconds
// the policy asks the recognizer to drop audio at a committed boundary (a segment end when
// Whisper gives one), and at forceCommitSeconds it commits everything so a window never
// outgrows Whisper's 30 s context.

import { DEFAULT_SILENCE_DB, cleanSegments, isSuspiciousAlone, removeRepeats } from './hallucination.ts';
import { joinText, joinWords, splitWords, type Word } from './text-words.ts';

export interface PassSegment {
  text: string;
  /** Seconds from the head of the buffer the pass ran on. */
  start: number;
  end: number;
  /** Loudest 100 ms frame in the segment (dBFS), used to drop text over near-silence. */
  peakDb?: number;
}

export interface Pass {
  segments: PassSegment[];
  /** Language the recognizer used or detected for this pass. */
  language?: string;
  /** The whole buffer was near-silent: no inference ran, nothing can be in it. */
  silent?: boolean;
  /** Buffered samples the pass covered (default: all); audio added meanwhile is kept. */
  samples?: number;
}

export interface PolicyOptions {
  /** 'auto' or a language code; with 'auto' the first language that commits is kept. */
  language: string;
  sampleRate: number;
  /** Above this much buffered audio, drop audio at a committed boundary. */
  maxBufferSeconds: number;
  /** At this much buffered audio, commit the whole hypothesis and empty the buffer. */
  forceCommitSeconds: number;
  /** Prompt length: recent committed text no longer in the buffer. */
  promptChars: number;
  silenceDb: number;
}

export const DEFAULT_POLICY: PolicyOptions = {
  language: 'auto',
  sampleRate: 16000,
  maxBufferSeconds: 15,
  forceCommitSeconds: 25,
  promptChars: 200,
  silenceDb: DEFAULT_SILENCE_DB,
};

export interface PolicyStep {
  /** All committed text of the utterance (only ever grows). */
  committed: string;
  /** Latest pass's words after the committed ones: may change on the next pass. */
  tail: string;
  /** committed + tail, what a caption shows. */
  text: string;
  /** Samples the recognizer must now drop from the head of its buffer. */
  dropSamples: number;
  /** True when forceCommitSeconds was reached and everything was committed. */
  forced: boolean;
  language?: string;
}

export interface FinalResult {
  text: string;
  language?: string;
}

// How far two passes' timestamps for the same word may disagree (Whisper's are ~20 ms but
// ours are interpolated within a segment).
const TIME_SLACK = 0.1;

export class LocalAgreement {
  readonly opts: PolicyOptions;
  private bufferStart = 0; // utterance seconds at the buffer head
  private bufferSamples = 0;
  private committed: Word[] = [];
  private firstInBuffer = 0; // committed[firstInBuffer..] still have audio in the buffer
  private tail: Word[] = [];
  private history = ''; // earlier utterances, for the prompt
  private lockedLanguage: string | undefined;
  private lastLanguage: string | undefined;

  constructor(opts: Partial<PolicyOptions> = {}) {
    this.opts = { ...DEFAULT_POLICY, ...opts };
  }

  /** Records audio appended to the buffer. */
  addAudio(samples: number): void {
    this.bufferSamples += samples;
  }

  get bufferedSeconds(): number {
    return this.bufferSamples / this.opts.sampleRate;
  }

  /** Language to ask the recognizer for on the next pass ('auto' = detect). */
  passLanguage(): string {
    if (this.opts.language !== 'auto') return this.opts.language;
    return this.lockedLanguage ?? 'auto';
  }

  /** Context for the decoder: recent committed text whose audio has left the buffer. */
  prompt(): string {
    const scrolled = joinWords(this.committed.slice(0, this.firstInBuffer));
    return lastChars(joinText(this.history, scrolled), this.opts.promptChars);
  }

  /** Current caption without running a pass. */
  current(): PolicyStep {
    return this.step(0, false);
  }

  /** Feeds one pass over the whole current buffer. */
  update(pass: Pass): PolicyStep {
    if (pass.language) this.lastLanguage = pass.language;
    if (pass.silent) {
      // Nothing audible: forget the unstable tail and the audio, keep what was committed.
      this.tail = [];
      return this.drop(pass.samples ?? this.bufferSamples, false);
    }
    const fresh = this.stripCommitted(this.passWords(pass));

    // LocalAgreement-2: the longest prefix on which this pass and the previous one agree.
    let k = 0;
    while (k < fresh.length && k < this.tail.length && fresh[k].norm === this.tail[k].norm) k++;
    this.committed.push(...fresh.slice(0, k));
    this.tail = fresh.slice(k);
    if (k > 0 && this.opts.language === 'auto' && pass.language && !this.lockedLanguage) {
      this.lockedLanguage = pass.language;
    }

    if (this.bufferedSeconds >= this.opts.forceCommitSeconds) {
      this.committed.push(...this.tail);
      this.tail = [];
      return this.drop(pass.samples ?? this.bufferSamples, true);
    }
    if (this.bufferedSeconds > this.opts.maxBufferSeconds) {
      const cut = this.cutPoint(pass);
      if (cut !== null) return this.drop(Math.round((cut - this.bufferStart) * this.opts.sampleRate), false);
    }
    return this.step(0, false);
  }

  /**
   * Ends the utterance: the last pass (or, with null, the previous one) is taken whole.
   * Resets for the next utterance, keeping its text as prompt context.
   */
  finish(pass: Pass | null): FinalResult {
    if (pass?.language) this.lastLanguage = pass.language;
    const rest = pass === null ? this.tail : pass.silent ? [] : this.stripCommitted(this.passWords(pass));
    const words = [...this.committed, ...rest];
    let text = joinWords(words);
    if (this.committed.length === 0 && isSuspiciousAlone(text)) text = '';
    const language =
      this.opts.language !== 'auto' ? this.opts.language : (this.lockedLanguage ?? this.lastLanguage);
    this.history = lastChars(joinText(this.history, text), this.opts.promptChars * 2);
    this.resetUtterance();
    return { text, ...(language ? { language } : {}) };
  }

  /** Forgets the current utterance (prompt history is kept). */
  resetUtterance(): void {
    this.bufferStart = 0;
    this.bufferSamples = 0;
    this.committed = [];
    this.firstInBuffer = 0;
    this.tail = [];
    this.lockedLanguage = undefined;
    this.lastLanguage = undefined;
  }

  // ------------------------------------------------------------ internals

  /** Guarded words of a pass, in utterance time. */
  private passWords(pass: Pass): Word[] {
    const segments = cleanSegments(pass.segments, this.opts.silenceDb);
    let words = segments.flatMap((s) =>
      splitWords(s.text, this.bufferStart + s.start, this.bufferStart + Math.max(s.start, s.end)),
    );
    words = removeRepeats(words);
    if (this.committed.length === 0 && isSuspiciousAlone(joinWords(words))) return [];
    return words;
  }

  /**
   * Removes from a pass the words that re-transcribe committed audio still in the buffer.
   * Aligns the committed words against the head of the pass by word edit distance, so a
   * changed comma, case or even word does not duplicate text; falls back to timestamps when
   * the two do not resemble each other.
   */
  private stripCommitted(words: Word[]): Word[] {
    const ref = this.committed.slice(this.firstInBuffer);
    if (ref.length === 0) return words;
    const m = ref.length;
    const n = words.length;
    let prev = Array.from({ length: n + 1 }, (_, j) => j);
    for (let i = 1; i <= m; i++) {
      const row = [i];
      for (let j = 1; j <= n; j++) {
        const sub = prev[j - 1] + (ref[i - 1].norm === words[j - 1].norm ? 0 : 1);
        row.push(Math.min(sub, prev[j] + 1, row[j - 1] + 1));
      }
      prev = row;
    }
    let best = 0;
    for (let j = 1; j <= n; j++) if (prev[j] <= prev[best]) best = j; // ties: take more
    if (prev[best] <= Math.max(1, Math.floor(m / 2))) return words.slice(best);

    // Not recognisably the same text: keep what starts after the committed audio, minus an
    // overlap with the committed tail (whisper_streaming's rule).
    const committedEnd = this.committed[this.committed.length - 1].end;
    const after = words.filter((w) => w.start >= committedEnd - TIME_SLACK);
    for (let len = Math.min(5, after.length, this.committed.length); len >= 1; len--) {
      const tailNorms = this.committed.slice(-len).map((w) => w.norm).join(' ');
      if (after.slice(0, len).map((w) => w.norm).join(' ') === tailNorms) return after.slice(len);
    }
    return after;
  }

  /** Where to cut the buffer: the latest committed boundary, preferring a segment end. */
  private cutPoint(pass: Pass): number | null {
    if (this.committed.length <= this.firstInBuffer) return null;
    const committedEnd = this.committed[this.committed.length - 1].end;
    const limit = Math.min(committedEnd + TIME_SLACK / 2, this.tail[0]?.start ?? Infinity);
    let cut: number | null = null;
    for (const s of pass.segments) {
      const end = this.bufferStart + s.end;
      if (end > this.bufferStart && end <= limit && (cut === null || end > cut)) cut = end;
    }
    // No segment boundary inside committed audio: fall back to the committed word's end.
    if (cut === null && Math.min(committedEnd, limit) > this.bufferStart) cut = Math.min(committedEnd, limit);
    return cut;
  }

  private drop(samples: number, forced: boolean): PolicyStep {
    const n = Math.max(0, Math.min(this.bufferSamples, samples));
    this.bufferSamples -= n;
    this.bufferStart += n / this.opts.sampleRate;
    if (this.bufferSamples === 0) this.firstInBuffer = this.committed.length;
    while (
      this.firstInBuffer < this.committed.length &&
      this.committed[this.firstInBuffer].end <= this.bufferStart + TIME_SLACK / 2
    ) {
      this.firstInBuffer++;
    }
    return this.step(n, forced);
  }

  private step(dropSamples: number, forced: boolean): PolicyStep {
    const language =
      this.opts.language !== 'auto' ? this.opts.language : (this.lockedLanguage ?? this.lastLanguage);
    return {
      committed: joinWords(this.committed),
      tail: joinWords(this.tail),
      text: joinWords([...this.committed, ...this.tail]),
      dropSamples,
      forced,
      ...(language ? { language } : {}),
    };
  }
}

/** The last n characters, starting at a word boundary when there is one nearby. */
function lastChars(text: string, n: number): string {
  if (text.length <= n) return text;
  const s = text.slice(-n);
  const space = s.search(/\s/);
  return (space >= 0 && space < 30 ? s.slice(space) : s).trim();
}

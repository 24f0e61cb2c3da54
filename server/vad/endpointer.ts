// Endpointing: turns per-window speech probabilities into utterance segments, and hands out
// exactly the audio of each segment (pre-roll included) so a recognizer sees nothing else.
// Pure: no model, no timers, no I/O — the session feeds it what the VAD computed.
//
// Positions are sample offsets on the stream timeline (sample 0 = first sample pushed).
// Window k covers samples [k*window, (k+1)*window), as VadStream.process() produces them.

export type EndReason = 'silence' | 'max_length' | 'flush';

export type EndpointEvent =
  /** A segment opens. `sample`: where its audio starts (pre-roll included); `speechSample`: detected speech onset. */
  | { type: 'start'; sample: number; speechSample: number }
  /** Audio of the open segment; contiguous from the start's `sample`, no gaps, no overlap. */
  | { type: 'audio'; sample: number; pcm: Int16Array }
  /** The segment closes. `sample`: exclusive end of its audio (tail included); `speechSample`: end of the last speech window (≤ sample). */
  | { type: 'end'; sample: number; speechSample: number; reason: EndReason };

export interface EndpointerOptions {
  sampleRate?: number; // 16000
  windowSamples?: number; // 512, must match the VAD
  startThreshold?: number; // 0.5: a window this likely starts speech
  continueThreshold?: number; // 0.35: speech goes on while windows stay this likely (hysteresis)
  minSpeechMs?: number; // 100: shorter bursts are clicks, not speech (rounded up to whole windows)
  preRollMs?: number; // 300: audio kept before the onset so first phonemes are not cut
  endSilenceMs?: number; // 600: this much silence ends a segment
  tailMs?: number; // 200: silence kept after the last speech window (final consonants)
  maxSegmentMs?: number; // 25000: no segment is longer; longer speech is split
  splitSearchMs?: number; // 1000: split at the least speech-like window within this much before the cap
}

type State = 'idle' | 'candidate' | 'speech';

export class Endpointer {
  private readonly win: number;
  private readonly startThr: number;
  private readonly contThr: number;
  private readonly minSpeechWindows: number;
  private readonly preRoll: number;
  private readonly endSilence: number;
  private readonly tail: number;
  private readonly maxLen: number;
  private readonly splitSearch: number;

  private readonly ring: SampleRing; // audio not yet handed out (pre-roll, held-back tail)
  private received = 0; // samples pushed
  private windowed = 0; // samples covered by probabilities so far
  private state: State = 'idle';
  private candStart = 0; // candidate: first window ≥ startThreshold
  private candWindows = 0;
  private segStart = 0; // open segment: first sample of its audio
  private emitted = 0; // open segment: audio handed out up to here
  private lastSpeechEnd = 0; // end of the last window ≥ continueThreshold
  private recent: { end: number; prob: number }[] = []; // windows within splitSearch of now

  constructor(opts: EndpointerOptions = {}) {
    const sr = opts.sampleRate ?? 16000;
    const ms = (v: number) => Math.round((v * sr) / 1000);
    this.win = opts.windowSamples ?? 512;
    this.startThr = opts.startThreshold ?? 0.5;
    this.contThr = opts.continueThreshold ?? 0.35;
    this.minSpeechWindows = Math.max(1, Math.ceil(ms(opts.minSpeechMs ?? 100) / this.win));
    this.preRoll = ms(opts.preRollMs ?? 300);
    this.endSilence = Math.max(this.win, ms(opts.endSilenceMs ?? 600));
    this.tail = Math.min(ms(opts.tailMs ?? 200), this.endSilence);
    this.maxLen = ms(opts.maxSegmentMs ?? 25_000);
    this.splitSearch = Math.min(ms(opts.splitSearchMs ?? 1000), this.maxLen);
    if (this.contThr > this.startThr) throw new Error('continueThreshold must be ≤ startThreshold');
    if (this.maxLen < this.preRoll + this.minSpeechWindows * this.win + this.splitSearch + this.win) {
      throw new Error('maxSegmentMs is too short for preRollMs + minSpeechMs + splitSearchMs');
    }
    // Worst case held: pre-roll + candidate, or held-back silence / split search, plus a partial window.
    this.ring = new SampleRing(
      this.preRoll + (this.minSpeechWindows + 3) * this.win + Math.max(this.endSilence, this.splitSearch),
    );
  }

  /** True while a segment is open (between 'start' and 'end'). */
  get inSegment(): boolean {
    return this.state === 'speech';
  }

  /** Samples pushed so far: the stream clock. */
  get samplesReceived(): number {
    return this.received;
  }

  /**
   * Feeds the next audio (any length) and the probabilities of the windows it completed —
   * exactly what `vadStream.process(pcm)` returned for the same pcm. Returns events in order.
   */
  push(pcm: Int16Array, probs: readonly number[]): EndpointEvent[] {
    const expected = Math.floor((this.received + pcm.length) / this.win) - this.windowed / this.win;
    if (probs.length !== expected) {
      throw new Error(`Endpointer.push: ${probs.length} probabilities for audio that completes ${expected} windows`);
    }
    const out: EndpointEvent[] = [];
    let off = 0;
    for (const p of probs) {
      // Feed the audio window by window so the ring only ever holds a bounded amount.
      const take = this.windowed + this.win - this.received;
      this.append(pcm.subarray(off, off + take));
      off += take;
      this.onWindow(p, out);
    }
    this.append(pcm.subarray(off));
    return coalesce(out);
  }

  /** Client asked to finalize now: closes the open segment with all audio so far. */
  flush(): EndpointEvent[] {
    const out: EndpointEvent[] = [];
    if (this.state === 'speech') {
      // Mid-silence: cut like a silence end. Mid-speech: include even the partial window.
      const silent = this.lastSpeechEnd < this.windowed;
      const end = silent ? Math.min(this.lastSpeechEnd + this.tail, this.windowed) : this.received;
      this.close(end, silent ? this.lastSpeechEnd : end, 'flush', out);
    }
    // A candidate shorter than minSpeech is dropped, as it would be anyway.
    this.state = 'idle';
    return coalesce(out);
  }

  private append(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.ring.write(pcm);
    this.received += pcm.length;
  }

  private onWindow(p: number, out: EndpointEvent[]): void {
    const start = this.windowed;
    const end = (this.windowed += this.win);
    this.recent.push({ end, prob: p });
    while (this.recent.length > 0 && this.recent[0].end <= end - this.splitSearch) this.recent.shift();

    if (this.state === 'idle' && p >= this.startThr) {
      this.state = 'candidate';
      this.candStart = start;
      this.candWindows = 0;
    }
    if (this.state === 'candidate') {
      if (p >= this.contThr) this.candWindows++;
      else this.state = 'idle'; // a blip
      if (this.candWindows >= this.minSpeechWindows) this.open(end, out);
    } else if (this.state === 'speech') {
      if (p >= this.contThr) this.lastSpeechEnd = end;
      if (end - this.lastSpeechEnd >= this.endSilence) {
        this.close(this.lastSpeechEnd + this.tail, this.lastSpeechEnd, 'silence', out);
      } else if (end + this.win - this.segStart > this.maxLen) {
        // Split now: one more window would make the segment longer than the cap.
        this.split(out);
      } else {
        this.emitUpTo(this.safeEnd(), out);
      }
    }
    if (this.state !== 'speech') {
      // Keep only what a future segment could still use as pre-roll.
      const keepFrom = (this.state === 'candidate' ? this.candStart : end) - this.preRoll;
      this.ring.dropBefore(keepFrom);
    }
  }

  private open(now: number, out: EndpointEvent[]): void {
    this.state = 'speech';
    this.segStart = Math.max(this.candStart - this.preRoll, this.ring.start);
    this.ring.dropBefore(this.segStart);
    this.emitted = this.segStart;
    this.lastSpeechEnd = now;
    out.push({ type: 'start', sample: this.segStart, speechSample: Math.max(this.candStart, this.segStart) });
    this.emitUpTo(this.safeEnd(), out);
  }

  /** Audio that will belong to the segment whatever comes next. */
  private safeEnd(): number {
    // Silence after the tail may be cut; the last splitSearch before the cap may be split off.
    return Math.min(this.windowed, this.lastSpeechEnd + this.tail, this.segStart + this.maxLen - this.splitSearch);
  }

  private close(end: number, speechEnd: number, reason: EndReason, out: EndpointEvent[]): void {
    this.emitUpTo(end, out);
    out.push({ type: 'end', sample: end, speechSample: speechEnd, reason });
    this.ring.dropBefore(end); // what follows may be the next segment's pre-roll, never this one's audio
    this.state = 'idle';
  }

  /** At the cap: cut at the least speech-like window of the last splitSearch samples. */
  private split(out: EndpointEvent[]): void {
    const floor = this.segStart + this.maxLen - this.splitSearch;
    let best = { end: this.windowed, prob: Infinity };
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const w = this.recent[i];
      if (w.end < floor) break;
      if (w.prob < best.prob) best = w; // strict: ties keep the latest, i.e. the longest first part
    }
    const at = best.end;
    if (at > this.lastSpeechEnd) {
      // The cut lies in a pause: end there (trimmed like a silence end) and let the next
      // speech open a fresh segment with its own pre-roll.
      this.close(Math.min(at, this.lastSpeechEnd + this.tail), this.lastSpeechEnd, 'max_length', out);
      return;
    }
    this.close(at, at, 'max_length', out);
    this.state = 'speech'; // speech goes on: the next segment starts right at the cut
    this.segStart = this.emitted = at;
    out.push({ type: 'start', sample: at, speechSample: at });
    this.emitUpTo(this.safeEnd(), out);
  }

  private emitUpTo(end: number, out: EndpointEvent[]): void {
    if (end <= this.emitted) return;
    out.push({ type: 'audio', sample: this.emitted, pcm: this.ring.read(this.emitted, end) });
    this.emitted = end;
    this.ring.dropBefore(end); // handed out: the ring must not keep it
  }
}

/** One audio event per contiguous run instead of one per window. */
function coalesce(events: EndpointEvent[]): EndpointEvent[] {
  const out: EndpointEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type !== 'audio') {
      out.push(e);
      continue;
    }
    let j = i;
    while (events[j + 1]?.type === 'audio') j++;
    if (j === i) {
      out.push(e);
      continue;
    }
    const run = events.slice(i, j + 1) as Extract<EndpointEvent, { type: 'audio' }>[];
    const pcm = new Int16Array(run.reduce((n, r) => n + r.pcm.length, 0));
    let o = 0;
    for (const r of run) {
      pcm.set(r.pcm, o);
      o += r.pcm.length;
    }
    out.push({ type: 'audio', sample: e.sample, pcm });
    i = j;
  }
  return out;
}

/** Fixed-capacity ring of the most recent samples, addressed by stream offset. */
class SampleRing {
  private readonly buf: Int16Array;
  start = 0; // oldest sample held
  private end = 0; // one past the newest

  constructor(capacity: number) {
    this.buf = new Int16Array(capacity);
  }

  write(pcm: Int16Array): void {
    // Overflow would silently lose segment audio; the capacity is sized so it cannot happen.
    if (this.end + pcm.length - this.start > this.buf.length) throw new Error('Endpointer ring overflow');
    const at = this.end % this.buf.length;
    const first = Math.min(pcm.length, this.buf.length - at); // up to the wrap, then the rest
    this.buf.set(pcm.subarray(0, first), at);
    this.buf.set(pcm.subarray(first), 0);
    this.end += pcm.length;
  }

  dropBefore(sample: number): void {
    this.start = Math.min(this.end, Math.max(this.start, sample));
  }

  read(from: number, to: number): Int16Array {
    if (from < this.start || to > this.end) throw new Error(`Endpointer ring: [${from}, ${to}) not held`);
    const out = new Int16Array(to - from);
    const at = from % this.buf.length;
    const first = Math.min(out.length, this.buf.length - at);
    out.set(this.buf.subarray(at, at + first));
    out.set(this.buf.subarray(0, out.length - first), first);
    return out;
  }
}

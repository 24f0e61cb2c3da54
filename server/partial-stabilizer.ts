// Keeps partial captions from flickering: words that two consecutive hypotheses agree on
// are committed and never change again within the segment; only the tail after them moves.

const words = (text: string): string[] => text.trim().split(/\s+/).filter(Boolean);

export class PartialStabilizer {
  private committed: string[] = [];
  private previous: string[] = [];
  private shown = '';

  /** Takes the engine's latest hypothesis; returns the text to show, or null when unchanged. */
  update(hypothesis: string): string | null {
    const current = words(hypothesis);
    // LocalAgreement-2: extend the committed prefix by what the last two hypotheses share.
    let agreed = 0;
    while (agreed < current.length && agreed < this.previous.length && current[agreed] === this.previous[agreed]) agreed++;
    if (agreed > this.committed.length && this.startsWithCommitted(current)) {
      this.committed = current.slice(0, agreed);
    }
    this.previous = current;
    // The tail is whatever the engine now says after the committed words' positions.
    const tail = current.slice(this.committed.length);
    const text = [...this.committed, ...tail].join(' ');
    if (text === this.shown) return null;
    this.shown = text;
    return text;
  }

  /** Committed words so far, joined. */
  get stable(): string {
    return this.committed.join(' ');
  }

  reset(): void {
    this.committed = [];
    this.previous = [];
    this.shown = '';
  }

  private startsWithCommitted(current: string[]): boolean {
    return this.committed.every((w, i) => current[i] === w);
  }
}

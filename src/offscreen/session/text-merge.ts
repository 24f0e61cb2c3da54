// Text of consecutive chunks transcribed on their own: trim it, and drop words at the start
// of a chunk that repeat the end of the previous one (a word spanning the cut is often heard
// in both, and Whisper-like engines repeat context).

const norm = (w: string) => w.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** `next` without its leading words that repeat the last words of `prev` (up to `maxWords`). */
export function mergeChunkText(prev: string, next: string, maxWords = 6): string {
  const words = next.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '';
  const tail = prev.trim().split(/\s+/).filter(Boolean).map(norm);
  const head = words.map(norm);
  for (let n = Math.min(maxWords, tail.length, head.length); n > 0; n--) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = tail[tail.length - n + i] === head[i] && head[i] !== '';
    if (same) return words.slice(n).join(' ');
  }
  return words.join(' ');
}

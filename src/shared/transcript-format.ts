// Transcript export formats: SubRip (.srt), WebVTT (.vtt) and plain text. Pure functions, so
// every edge (hours past 99, cue-breaking text, markup in server text) is unit-tested.

import type { TranscriptEntry } from './transcript.ts';

/** Which text goes into each cue. */
export type ExportContent = 'original' | 'translation' | 'both';

export type ExportFormat = 'srt' | 'vtt' | 'txt';

/** `HH:MM:SS<sep>mmm`; hours grow past two digits on very long sessions instead of wrapping. */
export function formatTimestamp(seconds: number, sep: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round((Number.isFinite(seconds) ? seconds : 0) * 1000));
  const ms = totalMs % 1000;
  const s = Math.floor(totalMs / 1000) % 60;
  const m = Math.floor(totalMs / 60_000) % 60;
  const h = Math.floor(totalMs / 3_600_000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${sep}${pad(ms, 3)}`;
}

/** Cue times that every player accepts: end after start, no overlap running backwards. */
function cueTimes(entries: readonly TranscriptEntry[]): { start: number; end: number }[] {
  return entries.map((e) => {
    const start = Math.max(0, e.start);
    return { start, end: Math.max(e.end, start + 0.001) };
  });
}

/** The cue's lines; blank lines would end an SRT/VTT cue early, so text is kept on non-empty lines. */
function cueLines(e: TranscriptEntry, content: ExportContent): string[] {
  const parts: string[] = [];
  if (content !== 'translation' || !e.translation) parts.push(e.text);
  if (content !== 'original' && e.translation) parts.push(e.translation);
  return parts.flatMap((p) => p.split(/\r\n|\r|\n/)).map((l) => l.trim()).filter(Boolean);
}

/** Entries that have something to say for `content`. */
const withText = (entries: readonly TranscriptEntry[], content: ExportContent) =>
  entries.filter((e) => cueLines(e, content).length > 0);

export function toSrt(entries: readonly TranscriptEntry[], content: ExportContent = 'original'): string {
  const list = withText(entries, content);
  const times = cueTimes(list);
  return list
    .map((e, i) => {
      // SRT has no escaping; an arrow in the text would read as a timing line to some parsers.
      const lines = cueLines(e, content).map((l) => l.replace(/-->/g, '->'));
      return `${i + 1}\n${formatTimestamp(times[i].start, ',')} --> ${formatTimestamp(times[i].end, ',')}\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** WebVTT cue text: `&`, `<` and `>` are escaped (which also defuses `-->`). */
export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toVtt(entries: readonly TranscriptEntry[], content: ExportContent = 'original'): string {
  const list = withText(entries, content);
  const times = cueTimes(list);
  const cues = list.map((e, i) => {
    const lines = cueLines(e, content).map(escapeVtt);
    return `${formatTimestamp(times[i].start, '.')} --> ${formatTimestamp(times[i].end, '.')}\n${lines.join('\n')}\n`;
  });
  return ['WEBVTT\n', ...cues].join('\n');
}

/** One paragraph per entry: `[HH:MM:SS] text`, the translation indented below it. */
export function toPlainText(entries: readonly TranscriptEntry[], content: ExportContent = 'both'): string {
  return withText(entries, content)
    .map((e) => {
      const stamp = `[${formatTimestamp(e.start, '.').slice(0, 8)}]`;
      const lines = cueLines(e, content);
      return `${stamp} ${lines[0]}${lines.slice(1).map((l) => `\n           ${l}`).join('')}`;
    })
    .join('\n');
}

export function formatTranscript(entries: readonly TranscriptEntry[], format: ExportFormat, content: ExportContent): string {
  switch (format) {
    case 'srt':
      return toSrt(entries, content);
    case 'vtt':
      return toVtt(entries, content);
    case 'txt':
      return toPlainText(entries, content);
  }
}

/**
 * The entries heard from one video, timed on that video's own timeline: the video of the last
 * entry that has media times (`src` picks another). What was heard twice (after a seek back)
 * is kept once, as first heard; cues are in video order and do not overlap.
 */
export function videoEntries(entries: readonly TranscriptEntry[], src?: string): TranscriptEntry[] {
  const source = src ?? entries.filter((e) => e.media).at(-1)?.media?.src;
  const kept: TranscriptEntry[] = [];
  for (const e of entries) {
    const m = e.media;
    if (!m || m.src !== source) continue;
    const length = Math.max(m.end - m.start, 0.001);
    const overlapped = kept.some((k) => Math.min(k.end, m.end) - Math.max(k.start, m.start) > length / 2);
    if (!overlapped) kept.push({ ...e, start: m.start, end: m.end });
  }
  kept.sort((a, b) => a.start - b.start);
  return kept.map((e, i) => (i + 1 < kept.length && e.end > kept[i + 1].start ? { ...e, end: Math.max(e.start, kept[i + 1].start) } : e));
}

/** Subtitles for the video the transcript was heard from (SRT or WebVTT on its own timeline). */
export function formatVideoSubtitles(entries: readonly TranscriptEntry[], format: 'srt' | 'vtt', content: ExportContent): string {
  const list = videoEntries(entries);
  return format === 'srt' ? toSrt(list, content) : toVtt(list, content);
}

export const MIME_TYPES: Record<ExportFormat, string> = { srt: 'application/x-subrip', vtt: 'text/vtt', txt: 'text/plain' };

/** A file name safe on every OS: `captions-<title>-<date>.<ext>` (`video-subtitles-…` for the video's own timeline). */
export function exportFileName(title: string | undefined, startedAt: number, format: ExportFormat, prefix = 'captions'): string {
  const slug = (title ?? '')
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const d = new Date(startedAt);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}_${pad(d.getHours(), 2)}${pad(d.getMinutes(), 2)}`;
  return `${prefix}-${slug ? `${slug}-` : ''}${date}.${format}`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

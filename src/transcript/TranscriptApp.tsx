// The transcript panel (Chrome side panel, or a tab): the session's full text with timestamps,
// original and translation, search, copy and export as SRT, WebVTT or plain text; lines heard
// from a video show the video's own time, play it from there on a click, and export as
// subtitles for that video.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n.ts';
import { searchTranscript, type TranscriptEntry } from '../shared/transcript.ts';
import {
  exportFileName,
  formatTimestamp,
  formatTranscript,
  formatVideoSubtitles,
  MIME_TYPES,
  type ExportContent,
  type ExportFormat,
} from '../shared/transcript-format.ts';
import { downloadText } from './download.ts';
import { seekToLine } from './seek.ts';
import { useTranscript, useTranscriptTab } from './use-transcript.ts';

const FORMATS: { format: ExportFormat; label: () => string }[] = [
  { format: 'srt', label: () => t('exportSrt') },
  { format: 'vtt', label: () => t('exportVtt') },
  { format: 'txt', label: () => t('exportTxt') },
];

export function TranscriptApp() {
  const tabId = useTranscriptTab();
  const transcript = useTranscript(tabId);
  const [query, setQuery] = useState('');
  const [content, setContent] = useState<ExportContent>('both');
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const entries = transcript?.entries ?? [];
  const shown = useMemo(() => searchTranscript(entries, query), [entries, query]);
  const hasTranslation = entries.some((e) => e.translation);
  const hasMedia = entries.some((e) => e.media);

  // Follow the newest line while the user is not searching (like a chat log).
  useEffect(() => {
    const list = listRef.current;
    if (list && !query) list.scrollTop = list.scrollHeight;
  }, [entries.length, query]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(formatTranscript(shown, 'txt', content));
      setNotice({ text: t('copied'), error: false });
    } catch (err) {
      setNotice({ text: t('copyFailed', (err as Error).message), error: true });
    }
  };

  const save = async (format: ExportFormat, video = false) => {
    if (!transcript) return;
    const name = exportFileName(transcript.title, transcript.startedAt, format, video ? 'video-subtitles' : 'captions');
    const text = video && format !== 'txt' ? formatVideoSubtitles(transcript.entries, format, content) : formatTranscript(transcript.entries, format, content);
    try {
      await downloadText(text, name, MIME_TYPES[format]);
      setNotice({ text: t('exported', name), error: false });
    } catch (err) {
      setNotice({ text: t('exportFailed', (err as Error).message), error: true });
    }
  };

  return (
    <main class="transcript">
      <header>
        <h1>{transcript?.title ? t('transcriptFor', transcript.title) : t('transcriptTitle')}</h1>
        <p id="entry-count" class="hint" aria-live="polite">
          {query ? t('matchCount', shown.length, entries.length) : t('entryCount', entries.length)}
        </p>
      </header>
      <div class="tools">
        <label class="visually-hidden" for="search">
          {t('searchLabel')}
        </label>
        <input id="search" type="search" placeholder={t('searchPlaceholder')} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        {hasTranslation && (
          <div class="field">
            <label for="content">{t('contentLabel')}</label>
            <select id="content" value={content} onChange={(e) => setContent(e.currentTarget.value as ExportContent)}>
              <option value="both">{t('contentBoth')}</option>
              <option value="original">{t('contentOriginal')}</option>
              <option value="translation">{t('contentTranslation')}</option>
            </select>
          </div>
        )}
        <div class="buttons" role="group" aria-label={t('exportLabel')}>
          <button id="copy" type="button" disabled={shown.length === 0} onClick={() => void copy()}>
            {t('copy')}
          </button>
          {FORMATS.map(({ format, label }) => (
            <button key={format} id={`export-${format}`} type="button" disabled={entries.length === 0} onClick={() => void save(format)}>
              {label()}
            </button>
          ))}
        </div>
        {hasMedia && (
          <div class="buttons" role="group" aria-label={t('videoSubtitlesLabel')}>
            <span class="group-label">{t('videoSubtitlesLabel')}</span>
            <button id="export-video-srt" type="button" onClick={() => void save('srt', true)}>
              {t('exportVideoSrt')}
            </button>
            <button id="export-video-vtt" type="button" onClick={() => void save('vtt', true)}>
              {t('exportVideoVtt')}
            </button>
          </div>
        )}
        {hasMedia && <p class="hint">{t('videoTimesHint')}</p>}
        {notice && (
          <p id="notice" class={notice.error ? 'field-error' : 'hint'} role={notice.error ? 'alert' : 'status'}>
            {notice.text}
          </p>
        )}
      </div>
      {entries.length === 0 ? (
        <p id="empty" class="hint empty">
          {t('noTranscript')}
        </p>
      ) : shown.length === 0 ? (
        <p class="hint empty">{t('noMatches', query)}</p>
      ) : (
        <ol id="entries" class="entries" ref={listRef}>
          {shown.map((e) => (
            <Entry key={e.id} entry={e} content={content} onSeek={tabId ? (m) => void seekToLine(tabId, m).then((msg) => setNotice(msg ? { text: msg, error: true } : null)) : undefined} />
          ))}
        </ol>
      )}
    </main>
  );
}

function Entry({ entry, content, onSeek }: { entry: TranscriptEntry; content: ExportContent; onSeek?: (m: NonNullable<TranscriptEntry['media']>) => void }) {
  const media = entry.media;
  const seek = media && onSeek ? () => onSeek(media) : undefined;
  // A click anywhere on the line plays it, unless the user is selecting its text.
  const onClick = seek ? () => !getSelection()?.toString() && seek() : undefined;
  return (
    <li class={seek ? 'entry seekable' : 'entry'} data-id={entry.id} data-media-start={media?.start} onClick={onClick}>
      <div class="when">
        <time class="stamp" dir="ltr">
          {formatTimestamp(entry.start, '.').slice(0, 8)}
        </time>
        {media && (
          <button
            class="seek"
            type="button"
            dir="ltr"
            aria-label={t('playFrom', formatTimestamp(media.start, '.').slice(0, 8))}
            title={t('playFrom', formatTimestamp(media.start, '.').slice(0, 8))}
            onClick={(e) => {
              e.stopPropagation();
              seek?.();
            }}
          >
            ▶ {formatTimestamp(media.start, '.').slice(0, 8)}
          </button>
        )}
      </div>
      <div class="texts">
        {(content !== 'translation' || !entry.translation) && (
          <p class="original" dir="auto" lang={entry.language}>
            {entry.text}
          </p>
        )}
        {content !== 'original' && entry.translation && (
          <p class="translated" dir="auto" lang={entry.translationLanguage}>
            {entry.translation}
          </p>
        )}
      </div>
    </li>
  );
}

// The transcript panel (Chrome side panel, or a tab): the session's full text with timestamps,
// original and translation, search, copy and export as SRT, WebVTT or plain text.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n.ts';
import { searchTranscript, type TranscriptEntry } from '../shared/transcript.ts';
import {
  exportFileName,
  formatTimestamp,
  formatTranscript,
  MIME_TYPES,
  type ExportContent,
  type ExportFormat,
} from '../shared/transcript-format.ts';
import { downloadText } from './download.ts';
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

  const save = async (format: ExportFormat) => {
    if (!transcript) return;
    const name = exportFileName(transcript.title, transcript.startedAt, format);
    try {
      await downloadText(formatTranscript(transcript.entries, format, content), name, MIME_TYPES[format]);
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
            <Entry key={e.id} entry={e} content={content} />
          ))}
        </ol>
      )}
    </main>
  );
}

function Entry({ entry, content }: { entry: TranscriptEntry; content: ExportContent }) {
  return (
    <li class="entry" data-id={entry.id}>
      <time class="stamp" dir="ltr">
        {formatTimestamp(entry.start, '.').slice(0, 8)}
      </time>
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

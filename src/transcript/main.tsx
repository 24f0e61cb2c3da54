// The transcript side panel's entry: localizes the document and renders the transcript.
import { render } from 'preact';
import { localizeDocument, t } from '../shared/i18n.ts';
import { TranscriptApp } from './TranscriptApp.tsx';

localizeDocument();
document.title = t('transcriptTitle');
render(<TranscriptApp />, document.getElementById('app')!);

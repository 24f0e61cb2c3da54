// The options page's entry: localizes the document and renders the settings.
import { render } from 'preact';
import { localizeDocument, t } from '../shared/i18n.ts';
import { OptionsApp } from './OptionsApp.tsx';

localizeDocument();
document.title = t('optionsTitle');
render(<OptionsApp />, document.getElementById('app')!);

// The popup page's entry: localizes the document and renders the App.
import { render } from 'preact';
import { localizeDocument } from '../shared/i18n.ts';
import { App } from './App.tsx';

// Arabic (and any right-to-left UI language) lays the popup out mirrored.
localizeDocument();
render(<App />, document.getElementById('app')!);

// Who translates (provider choice) and, for Chrome's on-device translator, whether the
// language model is there, with a Download button whose click starts it (a user gesture).

import { t } from '../shared/i18n.ts';
import { TRANSLATION_PROVIDERS, type CaptionSettings } from '../shared/settings.ts';
import type { ProviderChoice } from '../translation/provider.ts';
import { useChromeTranslator, type ChromeTranslatorState } from './use-chrome-translator.ts';

interface Props {
  settings: CaptionSettings;
  onChange: (patch: Partial<CaptionSettings>) => void;
}

export function TranslationFields({ settings, onChange }: Props) {
  const { state, download } = useChromeTranslator(settings.sourceLanguage, settings.targetLanguage);
  if (!settings.targetLanguage) return null;
  const usesChrome = settings.translationProvider === 'auto' || settings.translationProvider === 'chrome';
  return (
    <>
      <div class="field">
        <label for="translation-provider">{t('translatedBy')}</label>
        <select
          id="translation-provider"
          value={settings.translationProvider}
          onChange={(e) => onChange({ translationProvider: e.currentTarget.value as ProviderChoice })}
        >
          {TRANSLATION_PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {usesChrome && <ChromeModel state={state} onDownload={download} />}
    </>
  );
}

function ChromeModel({ state, onDownload }: { state: ChromeTranslatorState; onDownload: () => void }) {
  switch (state.kind) {
    case 'missing':
      return (
        <p id="chrome-translator" class="hint" data-state="missing">
          {t('chromeTranslatorMissing')}
        </p>
      );
    case 'checking':
      return (
        <p id="chrome-translator" class="hint" data-state="checking">
          {t('chromeTranslatorChecking')}
        </p>
      );
    case 'ready':
      if (state.availability === 'downloadable' || state.availability === 'downloading') {
        return (
          <div id="chrome-translator" class="hint" data-state={state.availability}>
            <p class="hint">{t('chromeModelNotDownloaded')}</p>
            <button id="chrome-download" type="button" class="secondary" onClick={onDownload}>
              {t('chromeModelDownload')}
            </button>
          </div>
        );
      }
      return (
        <p id="chrome-translator" class="hint" data-state={state.availability}>
          {state.availability === 'available'
            ? t('chromeTranslatorReady')
            : t('chromeTranslatorCannot')}
        </p>
      );
    case 'downloading':
      return (
        <div id="chrome-translator" class="hint" data-state="downloading-model">
          <label for="chrome-download-progress">{t('chromeModelDownloading')}</label>
          <progress id="chrome-download-progress" max={1} value={state.progress} />
        </div>
      );
    case 'failed':
      return (
        <p id="chrome-translator" class="field-error" data-state="failed" role="alert">
          {state.message}
        </p>
      );
  }
}

// The settings form shared by the popup and the options page: languages, engine, server address
// and token, translation provider; it edits a CaptionSettings and reports each change.

import { displayLanguageName, t } from '../shared/i18n.ts';
import { LANGUAGES } from '../shared/languages.ts';
import { tokenSentInClearTo } from '../shared/cleartext-token.ts';
import { ENGINES, validateServerUrl, type CaptionSettings, type EngineChoice } from '../shared/settings.ts';
import { TranslationFields } from './TranslationFields.tsx';

interface Props {
  settings: CaptionSettings;
  disabled: boolean;
  onChange: (patch: Partial<CaptionSettings>) => void;
}

export function SettingsForm({ settings, disabled, onChange }: Props) {
  const urlError = validateServerUrl(settings.serverUrl);
  // Shown before Start and while captioning: the token would cross the network unencrypted.
  const clearHost = urlError ? null : tokenSentInClearTo(settings.serverUrl, settings.serverToken);
  const describedBy = [urlError && 'server-url-error', clearHost && 'token-cleartext-warning'].filter(Boolean).join(' ');
  return (
    <fieldset class="settings" disabled={disabled}>
      <legend class="visually-hidden">{t('settingsLegend')}</legend>
      <LanguageField
        id="source-language"
        label={t('spokenLanguage')}
        value={settings.sourceLanguage}
        first={{ value: 'auto', label: t('detectAutomatically') }}
        onChange={(sourceLanguage) => onChange({ sourceLanguage })}
      />
      <LanguageField
        id="target-language"
        label={t('translateTo')}
        value={settings.targetLanguage}
        first={{ value: '', label: t('noTranslation') }}
        onChange={(targetLanguage) => onChange({ targetLanguage })}
      />
      <TranslationFields settings={settings} onChange={onChange} />
      <div class="field">
        <label for="engine">{t('engine')}</label>
        <select id="engine" value={settings.engine} onChange={(e) => onChange({ engine: e.currentTarget.value as EngineChoice })}>
          {ENGINES.map((e) => (
            <option key={e.value} value={e.value}>
              {e.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="server-url">{t('serverAddress')}</label>
        <input
          id="server-url"
          type="url"
          spellcheck={false}
          autocomplete="off"
          value={settings.serverUrl}
          aria-invalid={urlError ? 'true' : 'false'}
          aria-describedby={describedBy || undefined}
          onInput={(e) => onChange({ serverUrl: e.currentTarget.value })}
        />
        {urlError && (
          <p id="server-url-error" class="field-error">
            {urlError}
          </p>
        )}
        {clearHost && (
          <p id="token-cleartext-warning" class="field-warning" role="alert">
            {t('tokenInClear', clearHost)}
          </p>
        )}
      </div>
      {disabled && <p class="hint">{t('stopToChange')}</p>}
    </fieldset>
  );
}

interface LanguageFieldProps {
  id: string;
  label: string;
  value: string;
  /** The choice listed before the languages (auto-detect, no translation). */
  first: { value: string; label: string };
  onChange: (code: string) => void;
}

function LanguageField({ id, label, value, first, onChange }: LanguageFieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value={first.value}>{first.label}</option>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {displayLanguageName(l.code) ?? l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

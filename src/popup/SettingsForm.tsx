import { LANGUAGES } from '../shared/languages.ts';
import { ENGINES, validateServerUrl, type CaptionSettings, type EngineChoice } from '../shared/settings.ts';

interface Props {
  settings: CaptionSettings;
  disabled: boolean;
  onChange: (patch: Partial<CaptionSettings>) => void;
}

export function SettingsForm({ settings, disabled, onChange }: Props) {
  const urlError = validateServerUrl(settings.serverUrl);
  return (
    <fieldset class="settings" disabled={disabled}>
      <legend class="visually-hidden">Caption settings</legend>
      <div class="field">
        <label for="source-language">Spoken language</label>
        <select id="source-language" value={settings.sourceLanguage} onChange={(e) => onChange({ sourceLanguage: e.currentTarget.value })}>
          <option value="auto">Detect automatically</option>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="target-language">Translate to</label>
        <select id="target-language" value={settings.targetLanguage} onChange={(e) => onChange({ targetLanguage: e.currentTarget.value })}>
          <option value="">No translation</option>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="engine">Engine</label>
        <select id="engine" value={settings.engine} onChange={(e) => onChange({ engine: e.currentTarget.value as EngineChoice })}>
          {ENGINES.map((e) => (
            <option key={e.value} value={e.value}>
              {e.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="server-url">Server address</label>
        <input
          id="server-url"
          type="url"
          spellcheck={false}
          autocomplete="off"
          value={settings.serverUrl}
          aria-invalid={urlError ? 'true' : 'false'}
          aria-describedby={urlError ? 'server-url-error' : undefined}
          onInput={(e) => onChange({ serverUrl: e.currentTarget.value })}
        />
        {urlError && (
          <p id="server-url-error" class="field-error">
            {urlError}
          </p>
        )}
      </div>
      {disabled && <p class="hint">Stop captions to change settings.</p>}
    </fieldset>
  );
}

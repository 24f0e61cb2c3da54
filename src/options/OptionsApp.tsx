// Options page: the connection settings (also in the popup), the caption style with a live
// preview and a contrast check, the keyboard shortcut, and remembered caption positions.

import { useState } from 'preact/hooks';
import { DEFAULT_STYLE, FONTS, LIMITS, styleVariables, worstCaseContrast, type CaptionDisplay, type FontChoice } from '../shared/caption-style.ts';
import { t, type MessageKey } from '../shared/i18n.ts';
import { SettingsForm } from '../ui/SettingsForm.tsx';
import { useSettings } from '../ui/use-settings.ts';
import { useStyle } from './use-style.ts';
import { useShortcut } from '../ui/use-shortcut.ts';
import { WIRE_AUDIO, type WireAudio } from '../shared/settings.ts';

const FONT_LABELS: Record<FontChoice, MessageKey> = {
  system: 'fontSystem',
  sans: 'fontSans',
  serif: 'fontSerif',
  mono: 'fontMono',
  casual: 'fontCasual',
};

const DISPLAY_LABELS: Record<CaptionDisplay, MessageKey> = {
  original: 'contentOriginal',
  translation: 'contentTranslation',
  both: 'contentBoth',
};

/** WCAG AA for normal text. */
const MIN_CONTRAST = 4.5;

export function OptionsApp() {
  const [settings, updateSettings] = useSettings();
  const [style, updateStyle] = useStyle();
  const [notice, setNotice] = useState<string | null>(null);
  const shortcut = useShortcut();
  if (!settings || !style) return <main class="options" aria-busy="true" />;

  const contrast = worstCaseContrast(style);
  const preview = Object.entries(styleVariables(style))
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');

  const forgetPositions = async () => {
    const all = await chrome.storage.local.get(null);
    await chrome.storage.local.remove(Object.keys(all).filter((k) => k.startsWith('placement:')));
    setNotice(t('positionsForgotten'));
  };

  return (
    <main class="options">
      <h1>{t('optionsTitle')}</h1>

      <section aria-labelledby="connection-heading">
        <h2 id="connection-heading">{t('sectionConnection')}</h2>
        <SettingsForm settings={settings} disabled={false} onChange={updateSettings} />
        <div class="field">
          <label for="server-token">{t('serverToken')}</label>
          <input
            id="server-token"
            type="password"
            spellcheck={false}
            autocomplete="off"
            maxLength={200}
            value={settings.serverToken}
            aria-describedby="server-token-hint"
            onInput={(e) => updateSettings({ serverToken: e.currentTarget.value })}
          />
          <p id="server-token-hint" class="hint">
            {t('serverTokenHint')}
          </p>
        </div>
        <div class="field">
          <label for="wire-audio">{t('wireAudio')}</label>
          <select
            id="wire-audio"
            value={settings.wireAudio}
            aria-describedby="wire-audio-hint"
            onChange={(e) => updateSettings({ wireAudio: e.currentTarget.value as WireAudio })}
          >
            {WIRE_AUDIO.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
          <p id="wire-audio-hint" class="hint">
            {t('wireAudioHint')}
          </p>
        </div>
      </section>

      <section aria-labelledby="style-heading">
        <h2 id="style-heading">{t('sectionStyle')}</h2>
        <div class="grid">
          <NumberField id="font-scale" label={t('fontScale')} value={style.fontScale} limits={LIMITS.fontScale} onChange={(fontScale) => updateStyle({ fontScale })} />
          <div class="field">
            <label for="font">{t('font')}</label>
            <select id="font" value={style.font} onChange={(e) => updateStyle({ font: e.currentTarget.value as FontChoice })}>
              {FONTS.map((f) => (
                <option key={f} value={f}>
                  {t(FONT_LABELS[f])}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="text-color">{t('textColor')}</label>
            <input id="text-color" type="color" value={style.textColor} onInput={(e) => updateStyle({ textColor: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="background-color">{t('backgroundColor')}</label>
            <input
              id="background-color"
              type="color"
              value={style.backgroundColor}
              onInput={(e) => updateStyle({ backgroundColor: e.currentTarget.value })}
            />
          </div>
          <NumberField
            id="background-opacity"
            label={t('backgroundOpacity')}
            value={Math.round(style.backgroundOpacity * 100)}
            limits={{ min: 0, max: 100, step: 5 }}
            onChange={(v) => updateStyle({ backgroundOpacity: v / 100 })}
          />
          <NumberField id="lines" label={t('lines')} value={style.lines} limits={LIMITS.lines} onChange={(lines) => updateStyle({ lines })} />
          <div class="field">
            <label for="display">{t('display')}</label>
            <select id="display" value={style.display} onChange={(e) => updateStyle({ display: e.currentTarget.value as CaptionDisplay })}>
              {(Object.keys(DISPLAY_LABELS) as CaptionDisplay[]).map((d) => (
                <option key={d} value={d}>
                  {t(DISPLAY_LABELS[d])}
                </option>
              ))}
            </select>
          </div>
          <NumberField
            id="hide-after"
            label={t('hideAfter')}
            value={style.hideAfterSeconds}
            limits={LIMITS.hideAfterSeconds}
            onChange={(hideAfterSeconds) => updateStyle({ hideAfterSeconds })}
          />
        </div>
        <div class="field check">
          <input
            id="reading-mode"
            type="checkbox"
            checked={style.readingMode}
            aria-describedby="reading-mode-hint"
            onChange={(e) => updateStyle({ readingMode: e.currentTarget.checked })}
          />
          <label for="reading-mode">{t('readingMode')}</label>
          <p id="reading-mode-hint" class="hint">
            {t('readingModeHint')}
          </p>
        </div>
        <p id="contrast" class={contrast < MIN_CONTRAST ? 'field-error' : 'hint'} data-ratio={contrast.toFixed(2)} role="status">
          {contrast < MIN_CONTRAST ? t('contrastLow', contrast.toFixed(1)) : t('contrastOk', contrast.toFixed(1))}
        </p>
        <figure class="preview" aria-label={t('preview')}>
          <div class="preview-video">
            <div class="preview-panel" style={preview}>
              <p dir="auto">{t('previewText')}</p>
            </div>
          </div>
        </figure>
        <div class="row">
          <button id="reset-style" type="button" class="link" onClick={() => updateStyle(DEFAULT_STYLE)}>
            {t('resetStyle')}
          </button>
          <button id="forget-positions" type="button" class="link" onClick={() => void forgetPositions()}>
            {t('resetPositions')}
          </button>
        </div>
        {notice && (
          <p class="hint" role="status">
            {notice}
          </p>
        )}
      </section>

      <section aria-labelledby="shortcut-heading">
        <h2 id="shortcut-heading">{t('sectionShortcut')}</h2>
        <p id="shortcut-current">{shortcut ? t('shortcutCurrent', shortcut) : t('shortcutNone')}</p>
        <p class="hint">{t('shortcutChange')}</p>
      </section>
    </main>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  value: number;
  limits: { min: number; max: number; step: number };
  onChange: (value: number) => void;
}

/** A slider with its number next to it; both are labelled for screen readers. */
function NumberField({ id, label, value, limits, onChange }: NumberFieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="number">
        <input
          id={id}
          type="range"
          min={limits.min}
          max={limits.max}
          step={limits.step}
          value={value}
          onInput={(e) => onChange(Number(e.currentTarget.value))}
        />
        <output for={id} aria-hidden="true">
          {value}
        </output>
      </div>
    </div>
  );
}

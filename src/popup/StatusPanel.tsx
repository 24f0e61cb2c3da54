// The popup's status block: the tab session's phase, transport mode, language, engine, translation and how far behind live it is.
import { displayLanguageName, t } from '../shared/i18n.ts';
import { languageName } from '../shared/languages.ts';
import type { CaptionUpdate } from '../shared/messages.ts';
import { useEffect, useState } from 'preact/hooks';
import { describePhase, modeLabel, type TabSessionState } from '../shared/tab-session-state.ts';

interface Props {
  state: TabSessionState | null;
  lastCaption: CaptionUpdate | null;
}

/** Live status of this tab's session, announced politely to screen readers. */
export function StatusPanel({ state, lastCaption }: Props) {
  const phase = state?.phase ?? 'off';
  const now = useNow(phase === 'reconnecting');
  const text = state ? describePhase(state, now) : t('captionsOff');
  const language = state?.language ? (displayLanguageName(state.language) ?? languageName(state.language)) : '';
  return (
    <section class="status" aria-label={t('statusHeading')}>
      <p id="status" class="status-line" data-phase={phase} role="status" aria-live="polite">
        <span class="dot" aria-hidden="true" />
        {text}
      </p>
      {state && state.phase !== 'stopped' && (
        <dl class="details">
          {language && (
            <>
              <dt>{state.sourceLanguage === 'auto' ? t('detectedLanguage') : t('language')}</dt>
              <dd id="detected-language" data-language={state.language}>
                {language}
              </dd>
            </>
          )}
          {state.mode && (
            <>
              <dt>{t('transportModeLabel')}</dt>
              <dd>
                <span id="transport-mode" data-mode={state.mode}>
                  {modeLabel(state.mode)}
                </span>
                {state.wireAudio && state.mode === 'streaming' && (
                  <>
                    {' · '}
                    <span id="wire-audio" data-encoding={state.wireAudio}>
                      {t(state.wireAudio === 'opus' ? 'wireAudioOpusNow' : 'wireAudioPcmNow')}
                    </span>
                  </>
                )}
              </dd>
              {/* Only when there is something to say: the popup must fit Chrome's 600 px. */}
              {(state.behindSeconds ?? 0) >= 1 && (
                <>
                  <dt>{t('behindLiveLabel')}</dt>
                  <dd id="behind-seconds">{t('secondsValue', state.behindSeconds!)}</dd>
                </>
              )}
              {(state.engineBehindSeconds ?? 0) >= 1 && (
                <>
                  <dt>{t('engineBehindLabel')}</dt>
                  <dd id="engine-behind-seconds">{t('secondsValue', state.engineBehindSeconds!)}</dd>
                </>
              )}
              {(state.droppedSeconds ?? 0) > 0 && (
                <>
                  <dt>{t('droppedLabel')}</dt>
                  <dd id="dropped-seconds">{t('secondsValue', state.droppedSeconds!)}</dd>
                </>
              )}
            </>
          )}
          {state.engine && (
            <>
              <dt>{t('engine')}</dt>
              <dd id="server-engine">{state.model ? `${state.engine} · ${state.model}` : state.engine}</dd>
            </>
          )}
        </dl>
      )}
      {state?.notice && state.phase !== 'stopped' && <p class="notice">{state.notice}</p>}
      {state?.translation && state.phase !== 'stopped' && (
        <p id="translation-status" class="notice" data-provider={state.translation.provider}>
          {describeTranslation(state.translation)}
        </p>
      )}
      {lastCaption && state && state.phase !== 'stopped' && (
        <p id="last-caption" class="last-caption" data-kind={lastCaption.kind} dir="auto">
          {lastCaption.text}
        </p>
      )}
    </section>
  );
}

/** The time, re-read every second while `ticking` (the reconnect countdown). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function describeTranslation(tr: NonNullable<TabSessionState['translation']>): string {
  const line = tr.provider === 'none' ? t('originalOnly') : tr.provider === 'chrome' ? t('translatedOnDevice') : t('translatedByServer');
  return tr.note ? `${line} ${tr.note}` : line;
}

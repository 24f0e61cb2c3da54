import { languageName } from '../shared/languages.ts';
import type { CaptionUpdate } from '../shared/messages.ts';
import { useEffect, useState } from 'preact/hooks';
import { describePhase, MODE_LABEL, type TabSessionState } from '../shared/session-state.ts';

interface Props {
  state: TabSessionState | null;
  lastCaption: CaptionUpdate | null;
}

/** Live status of this tab's session, announced politely to screen readers. */
export function StatusPanel({ state, lastCaption }: Props) {
  const phase = state?.phase ?? 'off';
  const now = useNow(phase === 'reconnecting');
  const text = state ? describePhase(state, now) : 'Captions are off for this tab.';
  const language = state?.language ? languageName(state.language) : '';
  return (
    <section class="status" aria-label="Status">
      <p id="status" class="status-line" data-phase={phase} role="status" aria-live="polite">
        <span class="dot" aria-hidden="true" />
        {text}
      </p>
      {state && state.phase !== 'stopped' && (
        <dl class="details">
          {language && (
            <>
              <dt>{state.settings.sourceLanguage === 'auto' ? 'Detected language' : 'Language'}</dt>
              <dd id="detected-language" data-language={state.language}>
                {language}
              </dd>
            </>
          )}
          {state.mode && (
            <>
              <dt>Mode</dt>
              <dd id="transport-mode" data-mode={state.mode}>
                {MODE_LABEL[state.mode]}
              </dd>
              <dt>Behind live</dt>
              <dd id="behind-seconds">{`${state.behindSeconds ?? 0} s`}</dd>
              <dt>Dropped</dt>
              <dd id="dropped-seconds">{`${state.droppedSeconds ?? 0} s`}</dd>
            </>
          )}
          {state.engine && (
            <>
              <dt>Engine</dt>
              <dd id="server-engine">{state.model ? `${state.engine} · ${state.model}` : state.engine}</dd>
            </>
          )}
        </dl>
      )}
      {state?.notice && state.phase !== 'stopped' && <p class="notice">{state.notice}</p>}
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
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

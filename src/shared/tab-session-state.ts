// What the extension knows about one tab's captioning session. The background owns it,
// persists it in chrome.storage.session (so it survives service-worker restarts), and the
// popup and content script render it.

import { t } from './i18n.ts';
import type { CaptionSettings, WireAudio } from './settings.ts';

/**
 * Lifecycle of one tab's session as the user sees it. `starting` covers tab capture and
 * the offscreen document; the rest mirror the stream session's states.
 */
export type TabSessionPhase = 'starting' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

/**
 * How audio reaches the server: `streaming` (our protocol, raw audio over one WebSocket),
 * `original` (an original-protocol server: WAV chunks over the WebSocket), `rest`
 * (WAV chunks over POST /transcribe, when the WebSocket is missing or keeps failing).
 */
export type TransportMode = 'streaming' | 'original' | 'rest';

/** The mode in the UI language ("original protocol"). */
export function modeLabel(mode: TransportMode): string {
  return t(mode === 'original' ? 'modeOriginal' : mode === 'rest' ? 'modeRest' : 'modeStreaming');
}

export interface TabSessionState {
  tabId: number;
  phase: TabSessionPhase;
  /** The language the user asked for ('auto': detect): all of the settings a tab session keeps
   *  (the rest, with the token, stays in the settings storage and the offscreen document). */
  sourceLanguage: string;
  /** Epoch ms when the user pressed Start. */
  startedAt: number;
  /** Reconnect attempt number while `reconnecting` (1-based). */
  attempt?: number;
  /** Epoch ms of the next reconnect attempt while `reconnecting`. */
  retryAt?: number;
  /** Plain-words reason while `error` (or the last problem while `reconnecting`). */
  error?: string;
  /** Language the server detected (or was told), from the latest final. */
  language?: string;
  /** Engine and model the server actually runs, from `ready`. */
  engine?: string;
  model?: string;
  /** Server notice, e.g. it fell back to another engine. */
  notice?: string;
  /** How audio reaches the server now. */
  mode?: TransportMode;
  /** Seconds of captured audio the server has not confirmed yet (how far captions lag). */
  behindSeconds?: number;
  /** Seconds of audio dropped because an outage outlasted the buffer. */
  droppedSeconds?: number;
  /** The server engine's lag: seconds of received audio it had not decoded yet (`behind`). */
  engineBehindSeconds?: number;
  /** The audio encoding streaming uses now (Opus may have fallen back to PCM). */
  wireAudio?: WireAudio;
  /** Who translates this tab's captions now, and why not the chosen one (plain words). */
  translation?: { provider: 'chrome' | 'server' | 'push' | 'none'; note?: string };
}

/** Phases in which the tab is being captured and the offscreen document is needed. */
export const ACTIVE_PHASES: ReadonlySet<TabSessionPhase> = new Set(['starting', 'connecting', 'live', 'reconnecting', 'stopping']);

export const isActive = (s: Pick<TabSessionState, 'phase'> | undefined): boolean => !!s && ACTIVE_PHASES.has(s.phase);

/** The toolbar badge for a phase: "ON" live, "…" on the way, "!" trouble, nothing otherwise. */
export function badgeFor(phase: TabSessionPhase | undefined): { text: string; color: string } {
  switch (phase) {
    case 'live':
      return { text: 'ON', color: '#1a7f37' };
    case 'starting':
    case 'connecting':
    case 'stopping':
      return { text: '…', color: '#6e7781' };
    case 'reconnecting':
    case 'error':
      return { text: '!', color: '#cf222e' };
    default:
      return { text: '', color: '#6e7781' };
  }
}

/** Seconds until the next reconnect attempt, for the countdown (never negative). */
export function retryCountdown(retryAt: number | undefined, now: number): number {
  return retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
}

/**
 * Short status line, shared by the popup and the overlay so they always agree. While
 * reconnecting it counts down to the next attempt (callers re-render every second).
 */
export function describePhase(
  s: Pick<TabSessionState, 'phase' | 'attempt' | 'error' | 'retryAt' | 'mode' | 'behindSeconds' | 'droppedSeconds'>,
  now = Date.now(),
): string {
  const extra = describeTransport(s);
  const base = describePhaseOnly(s, now);
  return extra && (s.phase === 'live' || s.phase === 'reconnecting') ? `${base} · ${extra}` : base;
}

/** "REST chunks · 12.3 s behind · 4 s dropped": what a user needs to trust the captions. */
export function describeTransport(s: Pick<TabSessionState, 'mode' | 'behindSeconds' | 'droppedSeconds'>): string {
  const parts: string[] = [];
  if (s.mode && s.mode !== 'streaming') parts.push(modeLabel(s.mode));
  // A few seconds waiting is the usual pace of a stream; more is real lag.
  if ((s.behindSeconds ?? 0) >= 8) parts.push(t('behindLive', Math.round(s.behindSeconds!)));
  if ((s.droppedSeconds ?? 0) > 0) parts.push(t('audioDropped', Math.round(s.droppedSeconds! * 10) / 10));
  return parts.join(' · ');
}

function describePhaseOnly(s: Pick<TabSessionState, 'phase' | 'attempt' | 'error' | 'retryAt'>, now: number): string {
  switch (s.phase) {
    case 'starting':
      return t('phaseStarting');
    case 'connecting':
      return t('phaseConnecting');
    case 'live':
      return t('phaseLive');
    case 'reconnecting':
      return t('phaseReconnecting', s.error ?? t('connectionLost'), retryCountdown(s.retryAt, now), s.attempt ?? 1);
    case 'stopping':
      return t('phaseStopping');
    case 'stopped':
      return t('phaseStopped');
    case 'error':
      return s.error ? t('phaseError', s.error) : t('phaseErrorPlain');
  }
}

/** chrome.storage.session key of a tab's state; the popup reads it directly. */
export const sessionKey = (tabId: number) => `tab:${tabId}`;

export const SESSION_KEY_RE = /^tab:(\d+)$/;

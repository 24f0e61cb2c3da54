import { describe, expect, it } from 'vitest';
import { isMessageFor } from '../../../../src/shared/messages.ts';
import { badgeFor, describePhase, isActive } from '../../../../src/shared/tab-session-state.ts';
import { DEFAULT_SETTINGS, normalizeSettings, validateServerUrl } from '../../../../src/shared/settings.ts';
import { languageName } from '../../../../src/shared/languages.ts';

describe('isMessageFor', () => {
  it('accepts only messages addressed to the receiver', () => {
    expect(isMessageFor('background', { to: 'background', type: 'stop', tabId: 1 })).toBe(true);
    expect(isMessageFor('popup', { to: 'background', type: 'stop', tabId: 1 })).toBe(false);
    expect(isMessageFor('content', { type: 'caption' })).toBe(false);
    expect(isMessageFor('content', null)).toBe(false);
    expect(isMessageFor('content', 'content')).toBe(false);
  });
});

describe('session state helpers', () => {
  it('badges: ON live, … on the way, ! trouble, none when off', () => {
    expect(badgeFor('live').text).toBe('ON');
    expect(badgeFor('connecting').text).toBe('…');
    expect(badgeFor('starting').text).toBe('…');
    expect(badgeFor('reconnecting').text).toBe('!');
    expect(badgeFor('error').text).toBe('!');
    expect(badgeFor('stopped').text).toBe('');
    expect(badgeFor(undefined).text).toBe('');
  });
  it('describes phases in plain words', () => {
    expect(describePhase({ phase: 'live' })).toBe('Live');
    const now = 1_000_000;
    expect(describePhase({ phase: 'reconnecting', attempt: 3, error: 'The transcription server is restarting', retryAt: now + 2100 }, now)).toBe(
      'The transcription server is restarting. Reconnecting in 3 s (attempt 3)…',
    );
    // The countdown never goes negative while the attempt is under way.
    expect(describePhase({ phase: 'reconnecting', attempt: 1, retryAt: now - 500 }, now)).toBe('Connection lost. Reconnecting in 0 s (attempt 1)…');
    // Mode, lag and loss are part of the status as soon as they matter.
    expect(describePhase({ phase: 'live', mode: 'streaming', behindSeconds: 3, droppedSeconds: 0 })).toBe('Live');
    expect(describePhase({ phase: 'live', mode: 'rest', behindSeconds: 12, droppedSeconds: 0 })).toBe('Live · REST chunks · 12 s behind');
    expect(describePhase({ phase: 'reconnecting', attempt: 2, retryAt: now + 900, mode: 'original', behindSeconds: 30, droppedSeconds: 4.5 }, now)).toBe(
      'Connection lost. Reconnecting in 1 s (attempt 2)… · original protocol · 30 s behind · 4.5 s of audio dropped',
    );
    expect(describePhase({ phase: 'error', error: "Can't reach the server" })).toBe("Error: Can't reach the server");
  });
  it('active phases', () => {
    expect(isActive({ phase: 'live' })).toBe(true);
    expect(isActive({ phase: 'stopping' })).toBe(true);
    expect(isActive({ phase: 'error' })).toBe(false);
    expect(isActive(undefined)).toBe(false);
  });
});

describe('settings', () => {
  it('validates server addresses', () => {
    expect(validateServerUrl('ws://localhost:7860/ws')).toBeNull();
    expect(validateServerUrl('wss://captions.example.com/ws')).toBeNull();
    expect(validateServerUrl('http://localhost:7860/ws')).toMatch(/ws:\/\//);
    expect(validateServerUrl('localhost')).toMatch(/full address/);
  });
  it('normalizes whatever storage holds', () => {
    expect(normalizeSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(normalizeSettings({ engine: 'nope', serverUrl: 'ftp://x', sourceLanguage: 'de', targetLanguage: 'en' })).toEqual({
      ...DEFAULT_SETTINGS,
      sourceLanguage: 'de',
      targetLanguage: 'en',
    });
    expect(normalizeSettings({ serverToken: '  s3cret \n' }).serverToken).toBe('s3cret');
    expect(normalizeSettings({ serverToken: 42 }).serverToken).toBe('');
    expect(normalizeSettings({ serverToken: 'x'.repeat(500) }).serverToken).toHaveLength(200);
    expect(DEFAULT_SETTINGS.wireAudio).toBe('pcm');
    expect(normalizeSettings({ wireAudio: 'opus' }).wireAudio).toBe('opus');
    expect(normalizeSettings({ wireAudio: 'flac' }).wireAudio).toBe('pcm');
  });
  it('names languages', () => {
    expect(languageName('es')).toBe('Spanish');
    expect(languageName('pt-BR')).toBe('Portuguese');
    expect(languageName('xx')).toBe('xx');
  });
});

import { describe, expect, it } from 'vitest';
import { isMessageFor } from '../../src/shared/messages.ts';
import { badgeFor, describePhase, isActive } from '../../src/shared/session-state.ts';
import { DEFAULT_SETTINGS, normalizeSettings, validateServerUrl } from '../../src/shared/settings.ts';
import { languageName } from '../../src/shared/languages.ts';

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
    expect(describePhase({ phase: 'reconnecting', attempt: 3, error: 'The transcription server is restarting' })).toBe(
      'The transcription server is restarting. Reconnecting (attempt 3)…',
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
  });
  it('names languages', () => {
    expect(languageName('es')).toBe('Spanish');
    expect(languageName('pt-BR')).toBe('Portuguese');
    expect(languageName('xx')).toBe('xx');
  });
});

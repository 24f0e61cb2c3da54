// The background's sender checks: every runtime message type, from every kind of sender, is
// accepted only from the sender it is meant to come from and otherwise ignored (and logged once).
import { describe, expect, it, vi } from 'vitest';
import {
  BACKGROUND_SENDERS,
  guardSenders,
  OFFSCREEN_SENDERS,
  senderKind,
  type SenderKind,
} from '../../../../src/background/sender-policy.ts';
import { senderSite } from '../../../../src/background/placement-relay.ts';
import type { BackgroundMessage, OffscreenMessage } from '../../../../src/shared/messages.ts';
import { DEFAULT_SETTINGS } from '../../../../src/shared/settings.ts';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const EXT = `chrome-extension://${ID}`;
const tab = (id: number) => ({ id }) as chrome.tabs.Tab;

/** Senders as Chrome fills them in, one or more per kind. */
const SENDERS: Record<string, { kind: SenderKind; sender: chrome.runtime.MessageSender }> = {
  popup: { kind: 'page', sender: { id: ID, url: `${EXT}/src/popup/index.html`, origin: EXT } },
  'options page (in a tab)': { kind: 'page', sender: { id: ID, url: `${EXT}/src/options/index.html`, origin: EXT, tab: tab(7), frameId: 0 } },
  'service worker': { kind: 'page', sender: { id: ID, url: `${EXT}/service-worker-loader.js`, origin: EXT } },
  offscreen: { kind: 'offscreen', sender: { id: ID, url: `${EXT}/src/offscreen/offscreen.html`, origin: EXT } },
  'content script': { kind: 'content', sender: { id: ID, url: 'https://video.example/watch?v=1', origin: 'https://video.example', tab: tab(3), frameId: 0 } },
  'content script in an iframe': { kind: 'content', sender: { id: ID, url: 'https://ads.example/frame', tab: tab(3), frameId: 5 } },
  'another extension': { kind: 'foreign', sender: { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/x.html' } },
  'a page of another extension, claiming our id': { kind: 'foreign', sender: { id: ID, url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/popup.html' } },
  'no id': { kind: 'foreign', sender: { url: `${EXT}/src/popup/index.html` } },
  'no url, no tab': { kind: 'foreign', sender: { id: ID } },
  'look-alike origin': { kind: 'content', sender: { id: ID, url: `${EXT}.evil.example/src/popup/index.html`, tab: tab(3) } },
};

const caption = { kind: 'final' as const, id: '1:0', segmentId: 0, text: 'hi', start: 0, end: 1 };
const BACKGROUND_MESSAGES: { [T in BackgroundMessage['type']]: Extract<BackgroundMessage, { type: T }> } = {
  start: { to: 'background', type: 'start', tabId: 3, settings: { ...DEFAULT_SETTINGS, serverUrl: 'ws://attacker.example/ws' } },
  stop: { to: 'background', type: 'stop', tabId: 9 },
  'content-hello': { to: 'background', type: 'content-hello' },
  'session-update': { to: 'background', type: 'session-update', tabId: 9, update: { phase: 'error' } },
  caption: { to: 'background', type: 'caption', tabId: 9, caption },
  translation: { to: 'background', type: 'translation', tabId: 9, translation: { ids: ['1:0'], text: 'x', language: 'fr', provider: 'server' } },
  'capture-ended': { to: 'background', type: 'capture-ended', tabId: 9, reason: 'x' },
  'placement-get': { to: 'background', type: 'placement-get' },
  'placement-set': { to: 'background', type: 'placement-set', placement: { cx: 0.5, bottom: 0.9, width: 0.6 } },
  'frame-video': { to: 'background', type: 'frame-video', video: null },
  'media-state': { to: 'background', type: 'media-state', sample: { at: 1, time: 2, rate: 1, playing: true, src: 'https://video.example/a.mp4', live: false, seekable: true } },
};
const OFFSCREEN_MESSAGES: { [T in OffscreenMessage['type']]: Extract<OffscreenMessage, { type: T }> } = {
  start: { to: 'offscreen', type: 'start', tabId: 9, streamId: 's', settings: DEFAULT_SETTINGS },
  stop: { to: 'offscreen', type: 'stop', tabId: 9 },
  list: { to: 'offscreen', type: 'list' },
};

/** Who each message type is meant to come from, written out here independently of the table. */
const EXPECTED: Record<string, SenderKind> = {
  'background:start': 'page',
  'background:stop': 'page',
  'background:content-hello': 'content',
  'background:session-update': 'offscreen',
  'background:caption': 'offscreen',
  'background:translation': 'offscreen',
  'background:capture-ended': 'offscreen',
  'background:placement-get': 'content',
  'background:placement-set': 'content',
  'background:frame-video': 'content',
  'background:media-state': 'content',
  'offscreen:start': 'page',
  'offscreen:stop': 'page',
  'offscreen:list': 'page',
};

describe('senderKind', () => {
  for (const [name, { kind, sender }] of Object.entries(SENDERS)) {
    it(`${name} → ${kind}`, () => expect(senderKind(sender, ID)).toBe(kind));
  }
  it('trusts nobody while the extension id is unknown', () => {
    expect(senderKind(SENDERS.popup.sender, '')).toBe('foreign');
  });
});

describe.each([
  ['background', BACKGROUND_SENDERS, Object.values(BACKGROUND_MESSAGES)],
  ['offscreen', OFFSCREEN_SENDERS, Object.values(OFFSCREEN_MESSAGES)],
] as const)('messages to the %s', (receiver, rules, messages) => {
  for (const msg of messages as { to: string; type: string }[]) {
    for (const [name, { kind, sender }] of Object.entries(SENDERS)) {
      const right = EXPECTED[`${receiver}:${msg.type}`] === kind;
      it(`'${msg.type}' from ${name}: ${right ? 'accepted' : 'ignored'}`, () => {
        const handler = vi.fn(() => Promise.resolve('handled'));
        const log = vi.fn();
        const guarded = guardSenders(rules as never, () => ID, handler, log);
        const answer = guarded(msg as never, sender);
        if (right) {
          expect(handler).toHaveBeenCalledWith(msg, sender);
          expect(answer).toBeInstanceOf(Promise);
          expect(log).not.toHaveBeenCalled();
        } else {
          expect(handler).not.toHaveBeenCalled();
          expect(answer).toBeUndefined();
          expect(log).toHaveBeenCalledOnce();
        }
      });
    }
  }

  it('has a rule for exactly the message types there are', () => {
    expect(Object.keys(rules).sort()).toEqual(messages.map((m) => m.type).sort());
  });
});

describe('guardSenders', () => {
  it('logs an ignored sender once per message type and sender kind', () => {
    const log = vi.fn();
    const guarded = guardSenders(BACKGROUND_SENDERS, () => ID, () => undefined, log);
    const content = SENDERS['content script'].sender;
    for (let i = 0; i < 5; i++) guarded(BACKGROUND_MESSAGES.stop, content);
    guarded(BACKGROUND_MESSAGES.start, content);
    guarded(BACKGROUND_MESSAGES.stop, SENDERS.offscreen.sender);
    expect(log).toHaveBeenCalledTimes(3);
    expect(log.mock.calls[0][0]).toMatch(/ignored 'stop' from a content sender/);
  });

  it('ignores a message type nobody may send', () => {
    const handler = vi.fn();
    const guarded = guardSenders(BACKGROUND_SENDERS, () => ID, handler, () => {});
    expect(guarded({ type: 'toString' } as never, SENDERS.popup.sender)).toBeUndefined();
    expect(guarded({ type: 'nonsense' } as never, SENDERS.popup.sender)).toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('senderSite (whose caption position a content script may read and write)', () => {
  it('is the origin Chrome gives for the sender, whatever the message says', () => {
    expect(senderSite(SENDERS['content script'].sender)).toBe('https://video.example');
    expect(senderSite({ id: ID, url: 'https://ads.example/frame?x=1', tab: tab(3) })).toBe('https://ads.example');
  });
  it('is none for an opaque origin or no URL', () => {
    expect(senderSite({ id: ID, url: 'data:text/html,hi', tab: tab(3) })).toBeNull();
    expect(senderSite({ id: ID, origin: 'null', tab: tab(3) })).toBeNull();
    expect(senderSite({ id: ID, tab: tab(3) })).toBeNull();
  });
});

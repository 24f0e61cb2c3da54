import { describe, expect, it } from 'vitest';
import { FrameRouter, pickFrame } from '../../../../src/background/frame-router.ts';
import { worthReporting } from '../../../../src/content/frame-reporter.ts';
import type { ContentMessage, FrameVideo } from '../../../../src/shared/messages.ts';

const v = (area: number, playing = true): FrameVideo => ({ area, playing });
const caption = (id: string): ContentMessage => ({ to: 'content', type: 'caption', caption: { kind: 'final', id, segmentId: 1, text: 'hello there', start: 0, end: 1 } });

describe('pickFrame', () => {
  it('picks the frame with the largest playing video, else the top frame', () => {
    expect(pickFrame(new Map(), 0)).toBe(0);
    expect(pickFrame(new Map([[0, v(320 * 180)], [7, v(960 * 540)]]), 0)).toBe(7);
    expect(pickFrame(new Map([[0, v(960 * 540, false)], [7, v(320 * 180)]]), 0)).toBe(7);
    // Thumbnails do not count.
    expect(pickFrame(new Map([[7, v(100 * 60)]]), 0)).toBe(0);
  });

  it('keeps a paused video captioned until another frame plays', () => {
    expect(pickFrame(new Map([[7, v(960 * 540, false)]]), 7)).toBe(7);
    expect(pickFrame(new Map([[7, v(960 * 540, false)], [9, v(400 * 300)]]), 7)).toBe(9);
    // Equal players: the captions stay where they are.
    expect(pickFrame(new Map([[7, v(640 * 360)], [9, v(640 * 360)]]), 9)).toBe(9);
    expect(pickFrame(new Map([[7, v(640 * 360)], [9, v(640 * 360)]]), 7)).toBe(7);
  });
});

describe('FrameRouter', () => {
  function setup(dead = new Set<number>()) {
    const sent: { frameId: number | undefined; msg: ContentMessage }[] = [];
    const router = new FrameRouter({
      send: async (_tab, frameId, msg) => {
        sent.push({ frameId, msg });
        return frameId === undefined || !dead.has(frameId);
      },
    });
    return { router, sent };
  }

  it('sends state to every frame and captions only to the frame that shows them', async () => {
    const { router, sent } = setup();
    await router.route(1, { to: 'content', type: 'state', state: null });
    await router.route(1, caption('a'));
    expect(sent.map((s) => s.frameId)).toEqual([undefined, 0]);
    sent.length = 0;
    await router.report(1, 5, v(960 * 540));
    expect(router.captionFrame(1)).toBe(5);
    expect(sent).toEqual([
      { frameId: 0, msg: { to: 'content', type: 'caption-frame', shows: false } },
      { frameId: 5, msg: { to: 'content', type: 'caption-frame', shows: true } },
    ]);
    sent.length = 0;
    await router.route(1, caption('b'));
    expect(sent.map((s) => s.frameId)).toEqual([5]);
    // Another tab is not affected.
    expect(router.captionFrame(2)).toBe(0);
  });

  it('moves when another frame starts playing, and back to the top when the video frame goes', async () => {
    const { router } = setup();
    await router.report(1, 5, v(960 * 540));
    await router.report(1, 5, v(960 * 540, false));
    await router.report(1, 8, v(640 * 360));
    expect(router.captionFrame(1)).toBe(8);
    await router.report(1, 8, null);
    // Frame 5's video is paused and no longer the captioned one: back to the top frame.
    expect(router.captionFrame(1)).toBe(0);
  });

  it('forgets a frame that vanished without saying so and delivers to the next one', async () => {
    const dead = new Set([5]);
    const { router, sent } = setup(dead);
    await router.report(1, 5, v(960 * 540));
    await router.report(1, 6, v(320 * 180));
    sent.length = 0;
    expect(await router.route(1, caption('c'))).toBe(true);
    expect(router.captionFrame(1)).toBe(6);
    expect(sent.filter((s) => s.msg.type === 'caption').map((s) => s.frameId)).toEqual([5, 6]);
  });
});

describe('worthReporting', () => {
  it('sends changes of playing or of a real size, not scroll jitter', () => {
    expect(worthReporting(undefined, null)).toBe(false);
    expect(worthReporting(undefined, v(1000))).toBe(true);
    expect(worthReporting(v(1000), v(1000, false))).toBe(true);
    expect(worthReporting(v(100_000), v(95_000))).toBe(false);
    expect(worthReporting(v(100_000), v(50_000))).toBe(true);
    expect(worthReporting(v(100_000), null)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { pickVideo, visibleArea, type VideoCandidate } from '../../../../src/content/video-tracker.ts';

const c = (video: string, left: number, top: number, width: number, height: number, playing = true): VideoCandidate<string> => ({
  video,
  rect: { left, top, width, height },
  playing,
});

describe('visibleArea', () => {
  it('clips to the viewport', () => {
    expect(visibleArea({ left: -100, top: 0, width: 300, height: 100 }, 1000, 800)).toBe(200 * 100);
    expect(visibleArea({ left: 0, top: 900, width: 300, height: 100 }, 1000, 800)).toBe(0);
  });
});

describe('pickVideo', () => {
  it('picks the largest visible playing video', () => {
    const list = [c('small', 0, 0, 320, 180), c('big', 0, 200, 960, 540), c('paused-huge', 0, 0, 1000, 800, false)];
    expect(pickVideo(list, 1000, 800, null)).toBe('big');
  });

  it('ignores thumbnails and videos scrolled out of view', () => {
    expect(pickVideo([c('thumb', 0, 0, 100, 60)], 1000, 800, null)).toBeNull();
    expect(pickVideo([c('below', 0, 2000, 800, 450)], 1000, 800, null)).toBeNull();
  });

  it('keeps a paused previous pick while it stays visible', () => {
    const list = [c('main', 0, 0, 800, 450, false)];
    expect(pickVideo(list, 1000, 800, 'main')).toBe('main');
    expect(pickVideo(list, 1000, 800, null)).toBeNull();
    expect(pickVideo([c('main', 0, 5000, 800, 450, false)], 1000, 800, 'main')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { PartialStabilizer } from '../../../server/partial-stabilizer.ts';

describe('PartialStabilizer', () => {
  it('commits words two hypotheses agree on and never changes them', () => {
    const s = new PartialStabilizer();
    expect(s.update('ask not')).toBe('ask not');
    expect(s.update('ask not what')).toBe('ask not what');
    expect(s.stable).toBe('ask not');
    // The engine revises an early word: the committed prefix holds, the tail follows the engine.
    expect(s.update('ask knot what your')).toBe('ask not what your');
    expect(s.stable).toBe('ask not');
    expect(s.update('ask not what your country')).toBe('ask not what your country');
    expect(s.stable).toBe('ask not');
    expect(s.update('ask not what your country can')).toBe('ask not what your country can');
    expect(s.stable).toBe('ask not what your country');
  });

  it('returns null when the shown text would not change', () => {
    const s = new PartialStabilizer();
    expect(s.update('hello')).toBe('hello');
    expect(s.update('hello')).toBeNull();
    expect(s.update('  hello  ')).toBeNull();
  });

  it('starts over after reset', () => {
    const s = new PartialStabilizer();
    s.update('one two');
    s.update('one two three');
    s.reset();
    expect(s.stable).toBe('');
    expect(s.update('four')).toBe('four');
  });

  it('keeps the committed prefix when the engine output shrinks', () => {
    const s = new PartialStabilizer();
    s.update('the quick brown');
    s.update('the quick brown fox');
    expect(s.update('the')).toBe('the quick brown');
  });
});

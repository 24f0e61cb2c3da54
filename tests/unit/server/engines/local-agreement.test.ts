import { describe, expect, it } from 'vitest';
import { LocalAgreement, type Pass, type PassSegment } from '../../../../server/engines/local-agreement.ts';
import {
  cleanSegments,
  frameLevelsDb,
  isAnnotationOnly,
  peakDb,
  removeRepeats,
} from '../../../../server/engines/hallucination.ts';
import { joinWords, splitWords } from '../../../../server/engines/text-words.ts';

const SR = 16000;
const seg = (text: string, start: number, end: number, peak?: number): PassSegment => ({
  text,
  start,
  end,
  ...(peak !== undefined ? { peakDb: peak } : {}),
});
const pass = (...segments: PassSegment[]): Pass => ({ segments });

/** A policy fed `seconds` of audio before each scripted pass. */
function scripted(opts: ConstructorParameters<typeof LocalAgreement>[0] = {}) {
  const p = new LocalAgreement({ language: 'en', ...opts });
  return {
    p,
    feed(seconds: number, ps: Pass) {
      p.addAudio(Math.round(seconds * SR));
      return p.update(ps);
    },
  };
}

describe('LocalAgreement-2 commit rule', () => {
  it('commits nothing on the first pass and the agreed prefix on the second', () => {
    const { feed } = scripted();
    const s1 = feed(1, pass(seg(' The weather will', 0, 1)));
    expect(s1.committed).toBe('');
    expect(s1.text).toBe('The weather will');
    const s2 = feed(1, pass(seg(' The weather will be sunny', 0, 2)));
    expect(s2.committed).toBe('The weather will');
    expect(s2.tail).toBe('be sunny');
    expect(s2.text).toBe('The weather will be sunny');
  });

  it('commits only up to the first disagreement', () => {
    const { feed } = scripted();
    feed(1, pass(seg(' I saw a cat', 0, 1)));
    const s = feed(1, pass(seg(' I saw the cat sleeping', 0, 2)));
    expect(s.committed).toBe('I saw');
    expect(s.tail).toBe('the cat sleeping');
  });

  it('agrees across case and punctuation changes, keeping the latest spelling', () => {
    const { feed } = scripted();
    feed(1, pass(seg(' hello world and', 0, 1)));
    const s = feed(1, pass(seg(' Hello, world! And then', 0, 2)));
    expect(s.committed).toBe('Hello, world! And');
  });

  it('never revises committed text, whatever later passes say', () => {
    const { feed } = scripted();
    const hyps = [
      ' The weather will',
      ' The weather will be sunny',
      ' A feather will be sunny tomorrow',
      ' The leather will be funny tomorrow morning',
      ' Completely different words now appear here',
      ' The weather will be sunny tomorrow morning with light winds',
      ' The weather will be sunny tomorrow morning with light winds',
    ];
    let prev = '';
    for (let i = 0; i < hyps.length; i++) {
      const s = feed(1, pass(seg(hyps[i], 0, i + 1)));
      expect(s.committed.startsWith(prev)).toBe(true);
      prev = s.committed;
    }
    expect(prev.startsWith('The weather will be sunny')).toBe(true);
    expect(prev.match(/weather/g)?.length).toBe(1); // no duplication
  });

  it('does not duplicate committed words when a pass repeats them with small changes', () => {
    const { feed } = scripted();
    feed(1, pass(seg(' one two three', 0, 1)));
    feed(1, pass(seg(' one two three four', 0, 2))); // commits one two three
    const s = feed(1, pass(seg(' one, two, tree four five', 0, 3))); // 'tree' revises 'three'
    expect(s.committed).toBe('one two three four');
    expect(s.tail).toBe('five');
  });

  it('finish() returns committed text plus the whole last pass, then starts over', () => {
    const { p, feed } = scripted();
    feed(1, pass(seg(' The weather will', 0, 1)));
    feed(1, pass(seg(' The weather will be sunny', 0, 2)));
    p.addAudio(SR);
    const fin = p.finish(pass(seg(' The weather will be sunny tomorrow.', 0, 3)));
    expect(fin).toEqual({ text: 'The weather will be sunny tomorrow.', language: 'en' });
    expect(p.current().text).toBe('');
    expect(p.bufferedSeconds).toBe(0);
  });

  it('finish(null) takes the previous pass tail when no audio came since', () => {
    const { p, feed } = scripted();
    feed(1, pass(seg(' Good morning', 0, 1)));
    expect(p.finish(null).text).toBe('Good morning');
  });

  it('splits CJK text per character so agreement can commit inside a sentence', () => {
    const { feed } = scripted({ language: 'zh' });
    feed(1, pass(seg('今天天气', 0, 1)));
    const s = feed(1, pass(seg('今天天气很好', 0, 2)));
    expect(s.committed).toBe('今天天气');
    expect(s.text).toBe('今天天气很好');
  });
});

describe('buffer trimming and forced commit', () => {
  it('asks to drop audio at a committed segment end once the buffer passes the cap', () => {
    const { p, feed } = scripted({ maxBufferSeconds: 15 });
    const first = ' This is the first sentence of the talk.';
    const second = ' And here comes the second one';
    feed(8, pass(seg(first, 0, 8)));
    feed(4, pass(seg(first, 0, 8), seg(second, 8, 12)));
    // 16 s buffered, the first sentence committed: cut at its end (8 s).
    const s = feed(4, pass(seg(first, 0, 8), seg(second + ' which is longer.', 8, 16)));
    expect(s.committed).toBe('This is the first sentence of the talk. And here comes the second one');
    expect(s.dropSamples).toBe(8 * SR);
    expect(p.bufferedSeconds).toBe(8);
    // The trimmed sentence is now prompt context, and later passes (times relative to the
    // new buffer head) no longer contain it.
    expect(p.prompt()).toBe('This is the first sentence of the talk.');
    const next = feed(1, pass(seg(second + ' which is longer. Done', 0, 9)));
    expect(next.committed).toBe(
      'This is the first sentence of the talk. And here comes the second one which is longer.',
    );
    expect(next.tail).toBe('Done');
    expect(next.dropSamples).toBe(0);
  });

  it('keeps the whole buffer below the cap', () => {
    const { feed } = scripted({ maxBufferSeconds: 15 });
    feed(5, pass(seg(' a b c', 0, 5)));
    const s = feed(5, pass(seg(' a b c d', 0, 5), seg(' e f', 5, 10)));
    expect(s.committed).toBe('a b c');
    expect(s.dropSamples).toBe(0);
  });

  it('does not cut inside uncommitted words', () => {
    const { feed } = scripted({ maxBufferSeconds: 15 });
    feed(10, pass(seg(' alpha beta gamma delta', 0, 16)));
    // Only "alpha" agrees; the single segment ends after uncommitted words.
    const s = feed(6, pass(seg(' alpha zeta theta iota', 0, 16)));
    expect(s.committed).toBe('alpha');
    // Cut at alpha's estimated end (5 of 18 letters of a 16 s segment), before "zeta".
    expect(s.dropSamples).toBeGreaterThan(0);
    expect(s.dropSamples).toBeLessThanOrEqual(Math.ceil(((16 * 5) / 18) * SR));
  });

  it('forces a commit of the whole hypothesis at 25 s and empties the buffer', () => {
    const { p, feed } = scripted({ forceCommitSeconds: 25 });
    const s1 = feed(12, pass(seg(' music lyrics one', 0, 12)));
    expect(s1.forced).toBe(false);
    const s2 = feed(12, pass(seg(' different lyrics two', 0, 24)));
    expect(s2.committed).toBe('');
    const s3 = feed(2, pass(seg(' yet another version three', 0, 26)));
    expect(s3.forced).toBe(true);
    expect(s3.committed).toBe('yet another version three');
    expect(s3.dropSamples).toBe(26 * SR);
    expect(p.bufferedSeconds).toBe(0);
    // Committed text stays when the utterance goes on.
    const s4 = feed(1, pass(seg(' and more', 0, 1)));
    expect(s4.text).toBe('yet another version three and more');
  });
});

describe('long monologue simulation', () => {
  it('keeps every word exactly once through many buffer trims', () => {
    // 150 words, 0.4 s each, in sentences of 8 words; a pass every second over the buffer.
    // Each pass gets the audible words right except the last two, which are often garbled.
    const truth = Array.from({ length: 150 }, (_, i) => `w${i}`);
    const at = (i: number) => i * 0.4;
    const p = new LocalAgreement({ language: 'en', maxBufferSeconds: 15, forceCommitSeconds: 25 });
    let head = 0; // utterance seconds at the buffer head, tracked from dropSamples
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const passAt = (now: number, clean = false): Pass => {
      const heard = truth.map((w, i) => ({ w, i })).filter(({ i }) => at(i) >= head - 1e-9 && at(i) + 0.4 <= now + 1e-9);
      const segments: PassSegment[] = [];
      for (const [k, { w, i }] of heard.entries()) {
        const garbled = !clean && k >= heard.length - 2 && rand() < 0.5;
        const text = ` ${garbled ? `x${i}` : w}`;
        const last = segments.at(-1);
        if (last && i % 8 !== 0) {
          last.text += text;
          last.end = at(i) + 0.4 - head;
        } else segments.push({ text, start: at(i) - head, end: at(i) + 0.4 - head });
      }
      return { segments };
    };
    let maxBuffered = 0;
    for (let now = 1; now <= 60; now++) {
      p.addAudio(SR);
      const step = p.update(passAt(now));
      head += step.dropSamples / SR;
      maxBuffered = Math.max(maxBuffered, p.bufferedSeconds);
      expect(step.forced).toBe(false);
    }
    const final = p.finish(passAt(60, true));
    expect(final.text).toBe(truth.join(' '));
    expect(maxBuffered).toBeLessThanOrEqual(17);
  });
});

describe('hallucination guard', () => {
  it('drops a lone "Thank you." but keeps it after real speech', () => {
    const { p, feed } = scripted();
    expect(feed(1, pass(seg(' Thank you.', 0, 1))).text).toBe('');
    expect(p.finish(pass(seg(' Thank you.', 0, 1))).text).toBe('');
    feed(1, pass(seg(' We are done here', 0, 1)));
    feed(1, pass(seg(' We are done here', 0, 1), seg(' Thank you.', 1, 2)));
    // "here" was committed before the final pass added a full stop: committed text stays.
    expect(p.finish(pass(seg(' We are done here.', 0, 1), seg(' Thank you.', 1, 2))).text).toBe(
      'We are done here Thank you.',
    );
  });

  it.each([
    ' Thanks for watching!',
    ' Thank you for watching.',
    ' Subtitles by the Amara.org community',
    ' [BLANK_AUDIO]',
    ' (music)',
    ' [Music]',
    ' ♪♪',
    ' Please subscribe to my channel.',
    ' Sous-titres réalisés par la communauté d’Amara.org',
  ])('drops %j wherever it appears', (text) => {
    const { p, feed } = scripted();
    feed(1, pass(seg(' It was a good day', 0, 1), seg(text, 1, 2)));
    const s = feed(1, pass(seg(' It was a good day', 0, 1), seg(text, 1, 2)));
    expect(s.text).toBe('It was a good day');
    expect(p.finish(pass(seg(text, 0, 2))).text).toBe('It was a good day');
  });

  it('removes inline sound annotations', () => {
    expect(cleanSegments([seg(' Hello [laughs] there (applause)', 0, 1)])[0].text.trim()).toBe('Hello there');
    expect(isAnnotationOnly(' [BLANK_AUDIO] ')).toBe(true);
    expect(isAnnotationOnly('Hello')).toBe(false);
  });

  it('drops segments over near-silent audio', () => {
    const { feed } = scripted();
    feed(2, pass(seg(' Real speech', 0, 1, -20), seg(' Hallucinated words', 1, 2, -70)));
    const s = feed(1, pass(seg(' Real speech here', 0, 1, -20), seg(' Hallucinated words', 1, 3, -70)));
    expect(s.text).toBe('Real speech here');
  });

  it('a silent pass clears the unstable tail and the buffered audio, not committed text', () => {
    const { p, feed } = scripted();
    feed(1, pass(seg(' one two', 0, 1)));
    feed(1, pass(seg(' one two three', 0, 2)));
    p.addAudio(SR);
    const s = p.update({ segments: [], silent: true });
    expect(s.committed).toBe('one two');
    expect(s.tail).toBe('');
    expect(s.dropSamples).toBe(3 * SR);
    expect(p.bufferedSeconds).toBe(0);
  });

  it('collapses word loops: "the the the the" keeps one "the"', () => {
    const { feed } = scripted();
    const s = feed(1, pass(seg(' I went to the the the the the the store', 0, 1)));
    expect(s.text).toBe('I went to the store');
  });

  it('collapses a sentence repeated three or more times', () => {
    const { feed } = scripted();
    const loop = ' I will be right back.'.repeat(5);
    expect(feed(1, pass(seg(` Okay.${loop}`, 0, 5))).text).toBe('Okay. I will be right back.');
    // ...also when Whisper puts each copy in its own segment.
    const { feed: feed2 } = scripted();
    const segs = [0, 1, 2, 3].map((i) => seg(' See you soon.', i, i + 1));
    expect(feed2(4, pass(...segs)).text).toBe('See you soon.');
  });

  it('keeps natural repetition', () => {
    const { feed } = scripted();
    expect(feed(1, pass(seg(' No, no, no. Yes. Yes.', 0, 1))).text).toBe('No, no, no. Yes. Yes.');
    const words = splitWords(' very very very good');
    expect(joinWords(removeRepeats(words))).toBe('very very very good');
  });
});

describe('language and prompt', () => {
  it('detects with auto, locks the language once words commit, reports it in the final', () => {
    const { p, feed } = scripted({ language: 'auto' });
    expect(p.passLanguage()).toBe('auto');
    feed(1, { segments: [seg(' Guten Morgen', 0, 1)], language: 'de' });
    expect(p.passLanguage()).toBe('auto'); // one pass is not agreement
    feed(1, { segments: [seg(' Guten Morgen zusammen', 0, 2)], language: 'de' });
    expect(p.passLanguage()).toBe('de');
    const fin = p.finish({ segments: [seg(' Guten Morgen zusammen.', 0, 2)], language: 'de' });
    expect(fin).toEqual({ text: 'Guten Morgen zusammen.', language: 'de' });
    expect(p.passLanguage()).toBe('auto'); // the next utterance detects again
  });

  it('reports a fixed language as is', () => {
    const { p, feed } = scripted({ language: 'fr' });
    feed(1, { segments: [seg(' Bonjour', 0, 1)], language: 'fr' });
    expect(p.passLanguage()).toBe('fr');
    expect(p.finish(null).language).toBe('fr');
  });

  it('prompts with recent text of earlier utterances, at most ~200 characters', () => {
    const { p } = scripted({ promptChars: 200 });
    expect(p.prompt()).toBe('');
    p.addAudio(SR);
    p.finish(pass(seg(' First utterance.', 0, 1)));
    expect(p.prompt()).toBe('First utterance.');
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    p.addAudio(SR);
    p.finish(pass(seg(` ${long}`, 0, 1)));
    const prompt = p.prompt();
    expect(prompt.length).toBeLessThanOrEqual(200);
    expect(prompt.endsWith('word59')).toBe(true);
    expect(prompt.startsWith('word')).toBe(true); // cut at a word boundary
  });
});

describe('text and level helpers', () => {
  it('splits words with spacing and punctuation kept, times spread by length', () => {
    const w = splitWords(' Hello, world - again', 0, 3);
    expect(w.map((x) => x.text)).toEqual(['Hello,', 'world -', 'again']);
    expect(w[0].start).toBe(0);
    expect(w[2].end).toBe(3);
    expect(joinWords(w)).toBe('Hello, world - again');
  });

  it('measures frame levels and finds the peak in a time range', () => {
    const pcm = new Int16Array(SR); // 1 s: silence, then a loud 100 ms
    for (let i = 8000; i < 9600; i++) pcm[i] = i % 2 ? 16384 : -16384;
    const levels = frameLevelsDb(pcm);
    expect(levels.length).toBe(10);
    expect(peakDb(levels, 0, 0.5)).toBe(-100);
    expect(peakDb(levels, 0.5, 0.6)).toBeCloseTo(-6.02, 1);
  });
});

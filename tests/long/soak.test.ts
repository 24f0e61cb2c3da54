// Soak (`npm run test:long`): one session, SOAK_MINUTES (default 30) of looped real speech
// at real time; the server keeps transcribing and its memory stays flat: the least-squares
// slopes of RSS and JS heap after a 20 % warm-up stay under SOAK_MAX_RSS_MIB_PER_HOUR (40)
// and SOAK_MAX_HEAP_MIB_PER_HOUR (10). A leak of a few kB per final (~500 finals an hour) or
// of the audio itself (115 MiB an hour of PCM16) would cross them.
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/lib/soak.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const MAX_RSS = Number(process.env.SOAK_MAX_RSS_MIB_PER_HOUR ?? 40);
const MAX_HEAP = Number(process.env.SOAK_MAX_HEAP_MIB_PER_HOUR ?? 10);

describe(`soak: one session, ${MINUTES} min`, () => {
  it(
    'keeps transcribing with flat server memory',
    async () => {
      const r = await runSoak({ minutes: MINUTES, log: console.log });
      console.log('[soak]', JSON.stringify({ ...r, samples: r.samples.length }));
      expect(r.closed).toBe(false);
      expect(r.errors.filter((e) => e !== 'overloaded')).toEqual([]);
      // About one final per phrase: a 4.3-minute loop holds dozens.
      expect(r.finals).toBeGreaterThan(MINUTES * 4);
      expect(r.rssMiBPerHour).toBeLessThan(MAX_RSS);
      expect(r.heapMiBPerHour).toBeLessThan(MAX_HEAP);
    },
    (MINUTES * 60 + 600) * 1000,
  );
});

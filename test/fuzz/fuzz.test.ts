// The image fuzzer in CI: thousands of seeded cases of mutated v1 and v2 images through inspect
// and restart under both profiles. No crash, no hang, bounded memory, every rejection one line
// naming the offset; under hardened a failed restart leaves the restarting task unchanged.

import { describe, expect, it } from 'vitest';
import { fuzz, makeBases, makeCase, newTally, report } from '../../bench/fuzz.js';

const CASES = Number(process.env.CKPT_FUZZ_CASES ?? 3000);

describe('image fuzzer', () => {
  const bases = makeBases();

  it('replays a case from its seed', () => {
    const a = makeCase(12345, bases);
    const b = makeCase(12345, bases);
    expect(a.image.equals(b.image)).toBe(true);
    expect(a.kind).toBe(b.kind);
  });

  it(`${CASES} cases: no crash, no hang, bounded memory, the hardened task unchanged on failure`, () => {
    const tally = fuzz(bases, 1, CASES, newTally());
    const lines = report(tally);
    console.log(lines.join('\n'));
    expect(tally.cases).toBe(CASES);
    expect(tally.crashes).toEqual([]);
    expect(tally.changed).toBe(0);
    expect(tally.halfBuilt.hardened).toBe(0);
    expect(tally.maxCaseMs).toBeLessThan(5_000);
    expect(tally.maxRssMiB).toBeLessThan(2_048);
    // the fuzzer does reach the checks: every target rejects many cases, with several errnos
    for (const target of ['inspect', 'restart-rfc2008', 'restart-hardened'] as const) {
      expect(Object.keys(tally.rejected[target]).length).toBeGreaterThanOrEqual(2);
    }
    // and rfc2008, the seed, does cross the point of no return on bad images: what hardened prevents
    expect(tally.halfBuilt.rfc2008).toBeGreaterThan(0);
  }, 120_000);
});

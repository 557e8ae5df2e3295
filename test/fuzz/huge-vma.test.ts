// A forged VMA spanning most of the address space, with its checksums made right: restart must
// end in bounded time under both profiles (the page table is walked, not the address range).

import { describe, expect, it } from 'vitest';
import { fixV2Checksums, makeBases } from '../../bench/fuzz.js';
import { BufferSource } from '../../source/image/source.js';
import { decodeV2 } from '../../source/image/v2/inspect.js';
import { restartImage, restartingTask } from '../v2/helpers.js';

describe('a huge read-only VMA', () => {
  it('restarts in bounded time under both profiles', () => {
    const base = makeBases(['samples/readonly.json']).find((b) => b.format === 'v2')!;
    const d = decodeV2(new BufferSource(base.image));
    const ro = d.records.find((r) => r.kind === 'CR_HDR_VMA' && (Number(r.fields.vm_flags) & 2) === 0 && Number(r.fields.npages) > 0)!;
    const image = Buffer.from(base.image);
    image.writeBigUInt64LE(0x700000n, ro.offset + 16 + 8); // vm_start: 2^35 pages below its old end
    fixV2Checksums(image);
    expect(decodeV2(new BufferSource(image)).failure).toBeNull();
    for (const profile of ['rfc2008', 'hardened'] as const) {
      const t0 = performance.now();
      const { outcome, ctx } = restartImage(restartingTask(base.sample), image, profile);
      expect(outcome).toEqual({ ok: true });
      expect(ctx.task.mm.vmas.some((v) => v.start === 0x700000 && v.end - v.start > 2 ** 46)).toBe(true);
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
  });
});

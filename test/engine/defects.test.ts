// Each of the nine seed defects fires under the rfc2008 profile, with the effect source/ckpt/defects.ts describes,
// and stays quiet where its trigger is absent. (The hardened profile's fixes are tested elsewhere.)

import { describe, expect, it } from 'vitest';
import { Kernel } from '../../source/kernel/task.js';
import { PAGE_SIZE, PROT_SEM, VM_MAYSHARE, VM_SHARED } from '../../source/kernel/constants.js';
import { buildTask, loadSample, verifyTask, type Sample } from '../../source/sample/index.js';
import { DEFECT_IDS, type DefectId } from '../../source/ckpt/defects.js';
import { calcMapProtBits } from '../../source/ckpt/rstr-mem.js';
import { CR_HDR, wrapS16 } from '../../source/image/v1/format.js';
import {
  ImagePatch, checkpointSample, checkpointTask, imageOf, recordsOf, restartImage, roundTrip, tinySample,
} from '../helpers/images.js';

const fired = new Set<DefectId>();
const ids = (ds: readonly { defect: DefectId }[]) => {
  const s = new Set(ds.map((d) => d.defect));
  for (const d of s) fired.add(d);
  return s;
};

/** tiny, plus anonymous VMAs with `pages` dirty pages each: more than 512 needs a chain of page-arrays. */
function withArenas(...pages: number[]): Sample {
  const s = tinySample();
  pages.forEach((n, i) => {
    const start = 0x10000000 + i * 0x1000000;
    s.vmas.push({ start, end: start + n * PAGE_SIZE, perms: 'rw-p' });
    s.activity.push({ op: 'write', start, pages: n, contents: { generate: 'random', seed: 50 + i } });
  });
  return s;
}

describe('defect 1: cr_pgarr_free frees the head array on every iteration', () => {
  it('a chain of more than one array: the page allocator catches the double free, the others leak', () => {
    const task = buildTask(new Kernel(), withArenas(600));
    const alloc = task.kernel.allocator;
    const c = checkpointTask(task);
    expect(c.outcome.ok).toBe(true);
    expect(c.run.ctx.pgarrSerial).toBe(2);
    expect(ids(c.run.ctx.defects).has(1)).toBe(true);
    // the head's two frames are freed twice: two bad-page reports
    expect(alloc.badPages.map((b) => b.what)).toEqual(['free_pages of a frame that is already free', 'free_pages of a frame that is already free']);
    expect(c.events.some((e) => e.kind === 'defect' && e.defect === 1 && e.fn === 'cr_pgarr_free')).toBe(true);
  });
  it('a single array frees cleanly', () => {
    const task = buildTask(new Kernel(), tinySample());
    const c = checkpointTask(task);
    expect(c.run.ctx.pgarrSerial).toBe(1);
    expect(c.run.ctx.defects.map((d) => d.defect)).not.toContain(1);
    expect(task.kernel.allocator.badPages).toEqual([]);
  });
});

describe('defect 2: cr_write_mm_context returns with mm->context.lock held', () => {
  const image = imageOf(tinySample());
  const ctxAt = new ImagePatch(image).find('CR_HDR_MM_CONTEXT').offset;
  it('a full disk while the LDT is written: -ENOSPC and the lock stays taken', () => {
    const c = checkpointSample(tinySample(), { sink: { limitBytes: ctxAt + 8 + 4 + 100 } });
    expect(c.outcome.ok).toBe(false);
    if (c.outcome.ok) return;
    expect([c.outcome.error.errno, c.outcome.error.fn]).toEqual(['ENOSPC', 'cr_write_mm_context']);
    expect(c.task.mm.context.lockHolder).toBe('cr_write_mm_context');
    expect(ids(c.run.ctx.defects).has(2)).toBe(true);
  });
  it('a full disk earlier, in a VMA, leaves the lock free', () => {
    const c = checkpointSample(tinySample(), { sink: { limitBytes: 5000 } });
    expect(c.outcome.ok).toBe(false);
    if (c.outcome.ok) return;
    expect(c.outcome.error.errno).toBe('ENOSPC');
    expect(c.outcome.error.fn).toBe('cr_vma_dump_pages');
    expect(c.task.mm.context.lockHolder).toBeNull();
    expect(c.run.ctx.defects.map((d) => d.defect)).not.toContain(2);
  });
});

describe('defect 3: cr_read_vma error paths skip cr_hbuf_put', () => {
  it('an error in cr_read_vma leaves hbuf held', () => {
    const p = new ImagePatch(imageOf());
    const vma2 = p.find('CR_HDR_VMA', 2).offset;
    const r = restartImage(p.u32(vma2 + 8, 3).bytes); // how = 3: unknown
    expect(r.outcome.ok).toBe(false);
    expect(ids(r.ctx.defects).has(3)).toBe(true);
    // cr_read_mm's 104 bytes and cr_read_vma's 56 were never put back
    expect(r.ctx.hbufHeld).toBe(104 + 56);
  });
  it('a good restart balances every get with a put', () => {
    const r = restartImage(imageOf());
    expect(r.outcome.ok).toBe(true);
    expect(r.ctx.hbufHeld).toBe(0);
  });
});

describe('defect 4: npages is __s16', () => {
  it('33000 dumped pages are written as -32536; restart fails -EINVAL in cr_read_vma, after the point of no return', () => {
    const sample = loadSample('samples/big-heap.json');
    const c = checkpointSample(sample);
    expect(c.outcome.ok).toBe(true);
    const heap = c.run.ctx.vmas[2]!;
    expect([heap.dumped, heap.npagesInImage]).toEqual([33000, wrapS16(33000)]);
    expect(wrapS16(33000)).toBe(33000 - 65536);
    expect(ids(c.run.ctx.defects).has(4)).toBe(true);
    // every page is still dumped: the image holds 33000 pages for a count of -32536
    const vma = recordsOf(c.image!).filter((r) => r.kind === 'CR_HDR_VMA')[2]!;
    expect(vma.fields.npages).toBe(-32536);
    expect(c.image!.length).toBeGreaterThan(33000 * PAGE_SIZE);

    const r = restartImage(c.image!, sample);
    expect(r.outcome.ok).toBe(false);
    if (r.outcome.ok) return;
    expect([r.outcome.error.errno, r.outcome.error.fn, r.outcome.error.field]).toEqual(['EINVAL', 'cr_read_vma', 'npages']);
    expect(r.ctx.pastPointOfNoReturn).toBe(true);
  });
  it('a count that wraps to a smaller positive one misreads the stream (as 65536 + n pages would)', () => {
    // same effect as a wrap: VMA 2 holds 2 pages but says 1
    const p = new ImagePatch(imageOf());
    const vma2 = p.find('CR_HDR_VMA', 2).offset;
    const r = restartImage(p.s16(vma2 + 8 + 48, 1).bytes);
    expect(r.outcome.ok).toBe(false);
    if (r.outcome.ok) return;
    // the second address is taken for the first page's bytes, and a page's bytes for a record header
    expect(r.outcome.error.errno).toBe('EINVAL');
    expect(r.outcome.error.fn).toBe('cr_read_vma');
  });
});

describe('defect 5: cr_pgarr_release does not reset ctx->pgcur', () => {
  it('checkpoint: the second big VMA fills from pgcur on and the chain grows to 3 arrays where 2 would do', () => {
    const c = checkpointSample(withArenas(600, 600));
    expect(c.outcome.ok).toBe(true);
    expect(c.run.ctx.pgarrSerial).toBe(3);
    expect(ids(c.run.ctx.defects).has(5)).toBe(true);
    expect(c.events.some((e) => e.kind === 'defect' && e.defect === 5 && e.fn === 'cr_pgarr_alloc')).toBe(true);
  });
  it('the chain keeps growing with every big VMA', () => {
    const c = checkpointSample(withArenas(600, 600, 600, 600));
    expect(c.run.ctx.pgarrSerial).toBe(5);
  });
  it('restart grows its chain the same way, and still restores the memory', () => {
    const s = withArenas(600, 600);
    const { rst, report } = roundTrip(s);
    expect(rst.outcome.ok).toBe(true);
    expect(rst.ctx.pgarrSerial).toBe(3);
    expect(ids(rst.ctx.defects).has(5)).toBe(true);
    expect(report.differences).toEqual([]);
  });
});

describe('defect 6: cr_calc_map_prot_bits tests PROT_SEM, which is VM_SHARED\'s bit', () => {
  it('the seed\'s conversion adds PROT_SEM for VM_SHARED', () => {
    expect(PROT_SEM).toBe(VM_SHARED);
    expect(calcMapProtBits(VM_SHARED | 0x1, true)).toBe(0x1 | PROT_SEM);
    expect(calcMapProtBits(VM_SHARED | 0x1, false)).toBe(0x1);
  });
  it('a crafted image with VM_SHARED in an anonymous VMA\'s vm_flags fires it on restart', () => {
    const p = new ImagePatch(imageOf());
    const vma2 = p.find('CR_HDR_VMA', 2).offset;
    const flags = p.bytes.readBigUInt64LE(vma2 + 8 + 32);
    const r = restartImage(p.u64(vma2 + 8 + 32, flags | BigInt(VM_SHARED)).bytes);
    expect(ids(r.ctx.defects).has(6)).toBe(true);
    expect(r.events.some((e) => e.kind === 'defect' && e.defect === 6 && e.fn === 'cr_calc_map_prot_bits')).toBe(true);
  });
  it('does not fire for the images the seed writes', () => {
    expect(restartImage(imageOf()).ctx.defects.map((d) => d.defect)).not.toContain(6);
  });
});

describe('defect 7: cr_read_mm_context loses base bits 24-31 and the high limit nibble', () => {
  it('the ldt sample: entries with base >= 16 MiB come back different, flagged; the others intact', () => {
    const sample = loadSample('samples/ldt.json');
    const { rst, report } = roundTrip(sample);
    expect(rst.outcome.ok).toBe(true);
    expect(ids(rst.ctx.defects).has(7)).toBe(true);
    expect(report.differences.map((d) => [d.what.split(':')[0], d.defect])).toEqual([['LDT entry 1', 7], ['LDT entry 3', 7]]);
    expect(report.ok).toBe(true);
    // base 0x12345000 keeps only its low 24 bits
    expect(report.differences[0]!.what).toContain('base 0x345000');
  });
});

describe('defect 8: VM_MAYSHARE is not refused; mm->flags is not saved', () => {
  it('an r--s mapping of a read-only file is checkpointed as if private, and mm->flags is lost', () => {
    const sample = loadSample('samples/mayshare.json');
    const task = buildTask(new Kernel(), sample);
    const shared = task.mm.vmas[2]!;
    expect(shared.flags & VM_MAYSHARE).toBe(VM_MAYSHARE);
    expect(shared.flags & VM_SHARED).toBe(0);
    const c = checkpointTask(task);
    expect(c.outcome.ok).toBe(true);
    expect(c.run.ctx.defects.filter((d) => d.defect === 8).map((d) => d.fn).sort()).toEqual(['cr_write_mm', 'cr_write_vma']);
    ids(c.run.ctx.defects);
    const r = restartImage(c.image!, sample);
    const report = verifyTask(r.task, buildTask(new Kernel(), sample));
    expect(report.differences).toEqual([{ what: 'mm->flags 0x0, expected 0x8d (not saved)', defect: 8 }]);
  });
  it('a rw-s mapping (VM_SHARED) is refused with -ETXTBSY', () => {
    const c = checkpointSample(loadSample('samples/shared.json'));
    expect(c.outcome.ok).toBe(false);
    if (c.outcome.ok) return;
    expect([c.outcome.error.errno, c.outcome.error.fn]).toEqual(['ETXTBSY', 'cr_write_vma']);
    expect(c.image).toBeNull();
  });
});

describe('defect 9: restart trusts the image', () => {
  it('a page address outside its VMA is read in as given, over another VMA\'s page', () => {
    const p = new ImagePatch(imageOf());
    const addrs = p.find('raw', 1, 'page addresses').offset; // VMA 2's
    const r = restartImage(p.u64(addrs, 0x601000n).bytes); // VMA 1's page
    expect(r.outcome.ok).toBe(true);
    expect(ids(r.ctx.defects).has(9)).toBe(true);
    const report = verifyTask(r.task, buildTask(new Kernel(), tinySample()));
    expect(report.ok).toBe(false);
    expect(report.differences.map((d) => d.what)).toEqual([
      'VMA #1 0x601000-0x602000: 1 page(s) differ, first at 0x601000',
      'VMA #2 0x602000-0x604000: 1 page(s) differ, first at 0x602000',
    ]);
  });
  it('a non-canonical file name is opened as given', () => {
    const p = new ImagePatch(imageOf());
    const name = p.find('CR_HDR_STRING', 1);
    const r = restartImage(p.replaceRecord(name.offset, name.length, CR_HDR.STRING, Buffer.from('/usr/../bin/tiny\0', 'latin1')).bytes);
    expect(r.outcome.ok).toBe(true);
    expect(r.ctx.defects.filter((d) => d.defect === 9).map((d) => d.message)).toEqual([
      "file name '/usr/../bin/tiny' opened as given (resolves to /bin/tiny)",
    ]);
    ids(r.ctx.defects);
  });
  it('a failure after the point of no return leaves a half-built task', () => {
    const p = new ImagePatch(imageOf());
    const vma3 = p.find('CR_HDR_VMA', 3).offset;
    const r = restartImage(p.u32(vma3 + 8, 9).bytes);
    expect(r.outcome.ok).toBe(false);
    expect(r.ctx.pastPointOfNoReturn).toBe(true);
    expect(r.ctx.defects.some((d) => d.defect === 9 && d.message.includes('half-built (3 of 4 VMAs restored'))).toBe(true);
    // the restarter's own memory is gone, and only three of the image's VMAs exist
    expect(r.task.mm.vmas.map((v) => v.start)).toEqual([0x400000, 0x601000, 0x602000]);
  });
});

describe('all nine', () => {
  it('every defect was seen firing above', () => {
    expect([...fired].sort()).toEqual([...DEFECT_IDS].sort());
  });
});

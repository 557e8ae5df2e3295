// Every errno path of the restart readers, each with a crafted image: the errno, the C function,
// the record (kind, index in the stream, header offset) and the byte offset of the CrError.
// Record indexes count records as the reader meets them: HEAD #0, TASK #1, comm #2, MM #3,
// VMA0 #4, its name #5, VMA1 #6, its name #7, VMA2 #8, VMA3 #9, MM_CONTEXT #10, TAIL #11.

import { describe, expect, it } from 'vitest';
import { CR_HDR } from '../../source/image/v1/format.js';
import type { CrError } from '../../source/image/errors.js';
import { ImagePatch, imageOf, restartImage, tinySample, type Restarted } from '../helpers/images.js';

const base = imageOf(tinySample());
const patch = () => new ImagePatch(base);
const at = (kind: string, nth = 0, what?: string) => new ImagePatch(base).find(kind, nth, what).offset;

const HEAD = 0;
const TASK = at('CR_HDR_TASK');
const COMM = at('CR_HDR_STRING', 0);
const MM = at('CR_HDR_MM');
const VMA0 = at('CR_HDR_VMA', 0);
const NAME0 = at('CR_HDR_STRING', 1);
const VMA2 = at('CR_HDR_VMA', 2);
const VMA3 = at('CR_HDR_VMA', 3);
const ADDR2 = at('raw', 1, 'page addresses');
const DATA2 = at('raw', 1, 'page contents');
const CTX = at('CR_HDR_MM_CONTEXT');
const LDT = at('raw', 0, 'LDT entries');
const TAIL = at('CR_HDR_TAIL');

interface Expect {
  errno: CrError['errno'];
  fn: string;
  record: { kind: string; index: number; offset: number } | null;
  offset: number;
  field?: string | null;
  /** Whether the old mm was already destroyed when it failed. */
  ponr: boolean;
}

function failure(r: Restarted): CrError {
  if (r.outcome.ok) throw new Error('restart succeeded, a failure was expected');
  return r.outcome.error;
}

function expectFailure(image: Buffer, want: Expect, files = tinySample()): Restarted {
  const r = restartImage(image, files);
  const e = failure(r);
  expect({ errno: e.errno, fn: e.fn, record: e.record, offset: e.offset }).toEqual({
    errno: want.errno, fn: want.fn, record: want.record, offset: want.offset,
  });
  if (want.field !== undefined) expect(e.field).toBe(want.field);
  expect(r.ctx.pastPointOfNoReturn).toBe(want.ponr);
  // the task keeps the restarter's memory when the failure comes before the point of no return
  if (!want.ponr) expect(r.task.mm.mapCount).toBe(4);
  return r;
}

const rec = (kind: string, index: number, offset: number) => ({ kind, index, offset });

describe('the crafted base image restarts cleanly', () => {
  it('is a good image', () => {
    const r = restartImage(base);
    expect(r.outcome).toEqual({ ok: true });
    expect([TASK, COMM, MM, VMA0, NAME0]).toEqual([232, 264, 288, 400, 464]);
  });
});

describe('cr_read_head', () => {
  const fn = 'cr_read_head';
  it('-EIO: image ends inside the record header', () => {
    expectFailure(patch().truncate(5).bytes, { errno: 'EIO', fn, record: rec('header', 0, 0), offset: 5, ponr: false });
  });
  it('-EIO: image ends inside the head payload', () => {
    expectFailure(patch().truncate(100).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 100, ponr: false });
  });
  it('-EINVAL: the first record is not CR_HDR_HEAD', () => {
    const img = patch().s16(HEAD, CR_HDR.STRING).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_STRING', 0, 0), offset: 232, field: 'type', ponr: false });
  });
  it('-EINVAL: len larger than cr_hdr_head', () => {
    const img = patch().s16(HEAD + 2, 225).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 8, field: 'len', ponr: false });
  });
  it('-EINVAL: negative len', () => {
    const img = patch().s16(HEAD + 2, -1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 8, field: 'len', ponr: false });
  });
  it('-EINVAL: bad magic', () => {
    const img = patch().u64(HEAD + 8, 0x1234n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 232, field: 'magic', ponr: false });
  });
  it('-EINVAL: another kernel version', () => {
    const img = patch().s16(HEAD + 8 + 12, 27).bytes; // patch 26 -> 27
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 232, field: 'major', ponr: false });
  });
  it('-EINVAL: another format revision', () => {
    const img = patch().s16(HEAD + 8 + 14, 2).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 0, 0), offset: 232, field: 'rev', ponr: false });
  });
});

describe('cr_read_task_struct', () => {
  const fn = 'cr_read_task_struct';
  it('-EIO: image ends inside the task record', () => {
    expectFailure(patch().truncate(TASK + 18).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_TASK', 1, TASK), offset: TASK + 18, ponr: false });
  });
  it('-EINVAL: not a CR_HDR_TASK', () => {
    const img = patch().s16(TASK, CR_HDR.MM).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM', 1, TASK), offset: TASK + 8 + 24, field: 'type', ponr: false });
  });
  it('-EINVAL: task_comm_len above TASK_COMM_LEN', () => {
    const img = patch().u32(TASK + 8 + 16, 17).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_TASK', 1, TASK), offset: COMM, field: 'task_comm_len', ponr: false });
  });
  it('-EINVAL: negative task_comm_len', () => {
    const img = patch().u32(TASK + 8 + 16, -1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_TASK', 1, TASK), offset: COMM, field: 'task_comm_len', ponr: false });
  });
  it('-EINVAL: comm string longer than task_comm_len', () => {
    const img = patch().u32(TASK + 8 + 16, 8).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_STRING', 2, COMM), offset: COMM + 8, field: 'len', ponr: false });
  });
  it('-EINVAL: comm is not a CR_HDR_STRING', () => {
    const img = patch().s16(COMM, 3).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('type 3', 2, COMM), offset: MM, field: 'type', ponr: false });
  });
  it('-EIO: image ends inside comm', () => {
    expectFailure(patch().truncate(COMM + 10).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_STRING', 2, COMM), offset: COMM + 10, ponr: false });
  });
});

describe('cr_read_mm (before the point of no return)', () => {
  const fn = 'cr_read_mm';
  const after = MM + 8 + 104;
  it('-EIO: image ends inside the mm record', () => {
    expectFailure(patch().truncate(MM + 50).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_MM', 3, MM), offset: MM + 50, ponr: false });
  });
  it('-EINVAL: not a CR_HDR_MM', () => {
    const img = patch().s16(MM, CR_HDR.VMA).bytes;
    // the payload read is the header's len (104), whatever the type says
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 3, MM), offset: MM + 8 + 104, field: 'type', ponr: false });
  });
  it('-EINVAL: start_code > end_code', () => {
    const img = patch().u64(MM + 8 + 8, 0x500000n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM', 3, MM), offset: after, field: 'start_code', ponr: false });
  });
  it('-EINVAL: start_data > end_data', () => {
    const img = patch().u64(MM + 8 + 24, 0x700000n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM', 3, MM), offset: after, field: 'start_data', ponr: false });
  });
  it('-EINVAL: negative map_count', () => {
    const img = patch().s16(MM + 8 + 96, -2).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM', 3, MM), offset: after, field: 'map_count', ponr: false });
  });
});

describe('cr_read_vma (after the point of no return)', () => {
  const fn = 'cr_read_vma';
  const afterVma2 = VMA2 + 8 + 56;
  it('-EINVAL: vm_end < vm_start', () => {
    const img = patch().u64(VMA2 + 8 + 16, 0x601000n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, field: 'vm_end', ponr: true });
  });
  it('-EINVAL: negative npages', () => {
    const img = patch().s16(VMA2 + 8 + 48, -1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, field: 'npages', ponr: true });
  });
  it('-EINVAL: negative namelen', () => {
    const img = patch().s16(VMA2 + 8 + 50, -1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, field: 'namelen', ponr: true });
  });
  it('-EINVAL: CR_VMA_ANON with a name (checked after the name is read)', () => {
    const img = patch().u32(VMA0 + 8, 1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_STRING', 5, NAME0), offset: NAME0 + 8 + 10, field: 'namelen', ponr: true });
  });
  it('-EINVAL: CR_VMA_FILE without a name', () => {
    const img = patch().u32(VMA2 + 8, 2).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, field: 'namelen', ponr: true });
  });
  it('-EINVAL: unknown how', () => {
    const img = patch().u32(VMA2 + 8, 3).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, field: 'how', ponr: true });
  });
  it('-EINVAL: the name record is longer than a page', () => {
    const img = patch().s16(NAME0 + 2, 5000).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_STRING', 5, NAME0), offset: NAME0 + 8, field: 'len', ponr: true });
  });
  it('-EIO: image ends inside the name', () => {
    expectFailure(patch().truncate(NAME0 + 12).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_STRING', 5, NAME0), offset: NAME0 + 12, ponr: true });
  });
  it('-ENOENT: the file is not in the restarting task\'s root (filp_open)', () => {
    const files = tinySample({ files: [] , vmas: [], activity: [] });
    expectFailure(base, { errno: 'ENOENT', fn: 'cr_read_vma > filp_open', record: rec('CR_HDR_STRING', 5, NAME0), offset: NAME0 + 8 + 10, ponr: true }, files);
  });
  it('-EINVAL: vm_start not page aligned (do_mmap_pgoff)', () => {
    const img = patch().u64(VMA2 + 8 + 8, 0x602800n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn: 'cr_read_vma > do_mmap_pgoff', record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, ponr: true });
  });
  it('-ENOMEM: VMA beyond TASK_SIZE (do_mmap_pgoff)', () => {
    const img = patch().u64(VMA2 + 8 + 16, 0x800000000000n).bytes;
    expectFailure(img, { errno: 'ENOMEM', fn: 'cr_read_vma > do_mmap_pgoff', record: rec('CR_HDR_VMA', 8, VMA2), offset: afterVma2, ponr: true });
  });
  it('-EINVAL: map_count larger than the VMAs present: MM_CONTEXT found where a VMA is expected', () => {
    const img = patch().s16(MM + 8 + 96, 5).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM_CONTEXT', 10, CTX), offset: CTX + 8 + 4, field: 'type', ponr: true });
  });
  it('-EIO: image ends inside a VMA record', () => {
    expectFailure(patch().truncate(VMA2 + 30).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_VMA', 8, VMA2), offset: VMA2 + 30, ponr: true });
  });
});

describe('cr_vma_read_pages_addr / cr_vma_read_pages_data', () => {
  it('-EIO: image ends inside the page addresses', () => {
    expectFailure(patch().truncate(ADDR2 + 12).bytes, {
      errno: 'EIO', fn: 'cr_vma_read_pages_addr', record: rec('CR_HDR_VMA', 8, VMA2), offset: ADDR2 + 12, ponr: true,
    });
  });
  it('-EIO: image ends inside the page contents', () => {
    expectFailure(patch().truncate(DATA2 + 4096 + 100).bytes, {
      errno: 'EIO', fn: 'cr_vma_read_pages_data', record: rec('CR_HDR_VMA', 8, VMA2), offset: DATA2 + 4096 + 100, ponr: true,
    });
  });
  it('-EFAULT: a page address where nothing is mapped (copy_to_user)', () => {
    const img = patch().u64(ADDR2 + 8, 0x900000n).bytes;
    const r = expectFailure(img, {
      errno: 'EFAULT', fn: 'cr_uread > copy_to_user', record: rec('CR_HDR_VMA', 8, VMA2), offset: DATA2 + 4096, ponr: true,
    });
    expect(r.ctx.defects.some((d) => d.defect === 9 && d.fn === 'cr_vma_read_pages_data')).toBe(true);
  });
  it('-EFAULT: a page address inside a read-only VMA restored earlier', () => {
    const img = patch().u64(ADDR2, 0x400000n).bytes;
    expectFailure(img, {
      errno: 'EFAULT', fn: 'cr_uread > copy_to_user', record: rec('CR_HDR_VMA', 8, VMA2), offset: DATA2, ponr: true,
    });
  });
});

describe('cr_read_mm_context', () => {
  const fn = 'cr_read_mm_context';
  it('-EINVAL: map_count smaller than the VMAs present: a VMA found where MM_CONTEXT is expected', () => {
    const img = patch().s16(MM + 8 + 96, 3).bytes;
    // cr_read_obj checks len against sizeof(cr_hdr_mm_context) before the type: 56 > 4
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_VMA', 9, VMA3), offset: VMA3 + 8, field: 'len', ponr: true });
  });
  it('-EINVAL: negative nldt', () => {
    const img = patch().s16(CTX + 8 + 2, -1).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM_CONTEXT', 10, CTX), offset: LDT, field: 'nldt', ponr: true });
  });
  it('-EINVAL: ldt_entry_size is not 8', () => {
    const img = patch().s16(CTX + 8, 16).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_MM_CONTEXT', 10, CTX), offset: LDT, field: 'ldt_entry_size', ponr: true });
  });
  it('-EIO: image ends inside the LDT entries', () => {
    expectFailure(patch().truncate(LDT + 12).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_MM_CONTEXT', 10, CTX), offset: LDT + 12, ponr: true });
  });
  it('-EINVAL: modify_ldt refuses a conforming code segment in old mode (write_ldt)', () => {
    // descriptor type 0xe: contents = type >> 2 = 3
    const img = patch().bytes;
    const hi = img.readUInt32LE(LDT + 4);
    img.writeUInt32LE(((hi & ~0xf00) | (0xe << 8)) >>> 0, LDT + 4);
    expectFailure(img, { errno: 'EINVAL', fn: 'cr_read_mm_context > write_ldt', record: rec('CR_HDR_MM_CONTEXT', 10, CTX), offset: LDT + 8, ponr: true });
  });
});

describe('cr_read_tail', () => {
  const fn = 'cr_read_tail';
  it('-EIO: no tail at all', () => {
    expectFailure(patch().truncate(TAIL).bytes, { errno: 'EIO', fn, record: rec('header', 11, TAIL), offset: TAIL, ponr: true });
  });
  it('-EIO: image ends inside the tail', () => {
    expectFailure(patch().truncate(TAIL + 12).bytes, { errno: 'EIO', fn, record: rec('CR_HDR_TAIL', 11, TAIL), offset: TAIL + 12, ponr: true });
  });
  it('-EINVAL: bad tail magic', () => {
    const img = patch().u64(TAIL + 8, 0n).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_TAIL', 11, TAIL), offset: TAIL + 16, field: 'magic', ponr: true });
  });
  it('-EINVAL: the last record is not CR_HDR_TAIL', () => {
    const img = patch().s16(TAIL, CR_HDR.HEAD).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_HEAD', 11, TAIL), offset: TAIL + 16, field: 'type', ponr: true });
  });
  it('-EINVAL: tail len larger than cr_hdr_tail', () => {
    const img = patch().s16(TAIL + 2, 9).bytes;
    expectFailure(img, { errno: 'EINVAL', fn, record: rec('CR_HDR_TAIL', 11, TAIL), offset: TAIL + 8, field: 'len', ponr: true });
  });
});

describe('records a reader skips, bytes it never reads', () => {
  it('THREAD and CPU records before the tail are skipped by their len', () => {
    const img = patch().insertRecord(TAIL, CR_HDR.THREAD, Buffer.alloc(16, 1)).insertRecord(TAIL, CR_HDR.CPU, Buffer.alloc(40, 2)).bytes;
    expect(restartImage(img).outcome).toEqual({ ok: true });
  });
  it('bytes after the tail are not read by the seed\'s restart', () => {
    const img = patch().append(Buffer.from('trailing')).bytes;
    expect(restartImage(img).outcome).toEqual({ ok: true });
  });
});

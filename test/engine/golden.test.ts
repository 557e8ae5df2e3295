// Golden tests of the v1 byte layout: record order, offsets and sizes, every field's offset in
// its struct, magics and enum numbers, as docs/FORMAT.md pins them (x86_64 gcc layout, little endian).
// The image comes from the tiny sample checkpointed with time 0, so it is the same on every run.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CR_HDR, CR_HEAD_MAGIC, CR_TAIL_MAGIC, CR_VERSION, CR_VMA_ANON, CR_VMA_FILE, SIZEOF, encodeHdr, encodeHead,
  encodeMm, encodeMmContext, encodeTail, encodeTask, encodeVma, MM_FIELDS, wrapS16,
} from '../../source/image/v1/format.js';
import { LDT_ENTRY_SIZE, PAGE_SIZE, VM_ACCOUNT, VM_DENYWRITE, VM_EXEC, VM_EXECUTABLE, VM_MAYEXEC, VM_MAYREAD,
  VM_MAYWRITE, VM_READ, VM_WRITE } from '../../source/kernel/constants.js';
import { decodeDesc, descBase, descLimit } from '../../source/kernel/ldt.js';
import { CR_PGARR_TOTAL } from '../../source/ckpt/pgarr.js';
import { imageOf, recordsOf, tinySample } from '../helpers/images.js';
import { loadSample } from '../../source/sample/index.js';

describe('enum numbers, magics and sizes of the July 2008 series', () => {
  it('record types', () => {
    expect(CR_HDR).toEqual({ HEAD: 1, STRING: 2, TASK: 101, THREAD: 102, CPU: 103, MM: 201, VMA: 202, MM_CONTEXT: 203, TAIL: 5001 });
  });
  it('magics, revision, VMA kinds', () => {
    expect(CR_HEAD_MAGIC).toBe(0x00feed0cc0a2d200n);
    expect(CR_TAIL_MAGIC).toBe(0x002d2a0cc0deef00n);
    expect(CR_VERSION).toBe(1);
    expect([CR_VMA_ANON, CR_VMA_FILE]).toEqual([1, 2]);
  });
  it('sizeof each struct, and the encoders produce exactly that many bytes', () => {
    expect(SIZEOF).toEqual({ cr_hdr: 8, cr_hdr_head: 224, cr_hdr_task: 24, cr_hdr_mm: 104, cr_hdr_vma: 56, cr_hdr_mm_context: 4, cr_hdr_tail: 8 });
    expect(encodeHdr({ type: 1, len: 0, id: 0 }).length).toBe(8);
    expect(encodeTask({ state: 0, exitState: 0, exitCode: 0, exitSignal: 0, taskCommLen: 16 }).length).toBe(24);
    expect(encodeMmContext({ ldtEntrySize: 8, nldt: 0 }).length).toBe(4);
    expect(encodeTail().length).toBe(8);
    expect(CR_PGARR_TOTAL).toBe(512);
    expect(LDT_ENTRY_SIZE).toBe(8);
  });
});

describe('field offsets inside each struct', () => {
  it('cr_hdr: type s16 @0, len s16 @2, id u32 @4', () => {
    const b = encodeHdr({ type: CR_HDR.TAIL, len: 40000, id: 0xdeadbeef });
    expect(b.readInt16LE(0)).toBe(5001);
    expect(b.readInt16LE(2)).toBe(40000 - 65536); // __s16: the wrap defect 4 is about
    expect(b.readUInt32LE(4)).toBe(0xdeadbeef);
  });
  it('cr_hdr_head: magic @0, major/minor/patch/rev @8..14, time @16, flags @24, release @32, version @96, machine @160', () => {
    const b = encodeHead({ magic: 0x1122334455667788n, major: 2, minor: 6, patch: 26, rev: 1, time: 0xabcdefn, flags: 0x42n,
      release: 'R', version: 'V', machine: 'M' });
    expect(b.length).toBe(224);
    expect(b.readBigUInt64LE(0)).toBe(0x1122334455667788n);
    expect([b.readUInt16LE(8), b.readUInt16LE(10), b.readUInt16LE(12), b.readUInt16LE(14)]).toEqual([2, 6, 26, 1]);
    expect(b.readBigUInt64LE(16)).toBe(0xabcdefn);
    expect(b.readBigUInt64LE(24)).toBe(0x42n);
    expect([b[32], b[33], b[96], b[97], b[160], b[161]]).toEqual([0x52, 0, 0x56, 0, 0x4d, 0]);
  });
  it('cr_hdr_task: four u32 then s32 task_comm_len @16, padded to 24', () => {
    const b = encodeTask({ state: 1, exitState: 2, exitCode: 3, exitSignal: 4, taskCommLen: -5 });
    expect([0, 4, 8, 12].map((o) => b.readUInt32LE(o))).toEqual([1, 2, 3, 4]);
    expect(b.readInt32LE(16)).toBe(-5);
    expect(b.subarray(20)).toEqual(Buffer.alloc(4));
  });
  it('cr_hdr_mm: tag u32 @0, eleven u64 @8..@88, map_count s16 @96', () => {
    const fields = Object.fromEntries(MM_FIELDS.map((f, i) => [f, BigInt(0x1000 * (i + 1))])) as Record<(typeof MM_FIELDS)[number], bigint>;
    const b = encodeMm({ tag: 1, fields, mapCount: 7 });
    expect(b.readUInt32LE(0)).toBe(1);
    expect(b.readUInt32LE(4)).toBe(0); // padding before the first u64
    MM_FIELDS.forEach((f, i) => expect(b.readBigUInt64LE(8 + 8 * i), f).toBe(BigInt(0x1000 * (i + 1))));
    expect(8 + 8 * 10).toBe(88); // env_end
    expect(b.readInt16LE(96)).toBe(7);
    expect(b.subarray(98)).toEqual(Buffer.alloc(6));
  });
  it('cr_hdr_vma: how @0, vm_start @8, vm_end @16, vm_page_prot @24, vm_flags @32, vm_pgoff @40, npages @48, namelen @50', () => {
    const b = encodeVma({ how: 2, vmStart: 0x10n, vmEnd: 0x20n, vmPageProt: 1n << 63n, vmFlags: 0x30n, vmPgoff: 0x40n, npages: 33000, namelen: 11 });
    expect(b.readUInt32LE(0)).toBe(2);
    expect([8, 16, 24, 32, 40].map((o) => b.readBigUInt64LE(o))).toEqual([0x10n, 0x20n, 1n << 63n, 0x30n, 0x40n]);
    expect(b.readInt16LE(48)).toBe(wrapS16(33000));
    expect(b.readInt16LE(48)).toBe(-32536);
    expect(b.readInt16LE(50)).toBe(11);
  });
  it('cr_hdr_mm_context: ldt_entry_size s16 @0, nldt s16 @2', () => {
    const b = encodeMmContext({ ldtEntrySize: 8, nldt: 3 });
    expect([b.readInt16LE(0), b.readInt16LE(2)]).toEqual([8, 3]);
  });
  it('cr_hdr_tail: magic u64 @0', () => {
    expect(encodeTail().readBigUInt64LE(0)).toBe(CR_TAIL_MAGIC);
  });
});

describe('the tiny sample image, byte for byte', () => {
  const img = imageOf(tinySample());
  const hdr = (off: number) => ({ type: img.readInt16LE(off), len: img.readInt16LE(off + 2), id: img.readUInt32LE(off + 4) });
  const cstr = (off: number, n: number) => img.subarray(off, off + n).toString('latin1');

  // Walk the records in the seed's order, each at the sum of the sizes before it.
  const HEAD = 0;
  const TASK = HEAD + 8 + 224;
  const COMM = TASK + 8 + 24;
  const MM = COMM + 8 + 16;
  const VMA0 = MM + 8 + 104;
  const NAME0 = VMA0 + 8 + 56;
  const VMA1 = NAME0 + 8 + '/bin/tiny\0'.length;
  const NAME1 = VMA1 + 8 + 56;
  const ADDR1 = NAME1 + 8 + 10;
  const DATA1 = ADDR1 + 1 * 8;
  const VMA2 = DATA1 + 1 * PAGE_SIZE;
  const ADDR2 = VMA2 + 8 + 56;
  const DATA2 = ADDR2 + 2 * 8;
  const VMA3 = DATA2 + 2 * PAGE_SIZE;
  const ADDR3 = VMA3 + 8 + 56;
  const DATA3 = ADDR3 + 1 * 8;
  const CTX = DATA3 + 1 * PAGE_SIZE;
  const LDT = CTX + 8 + 4;
  // alloc_ldt rounds the LDT up to a page of descriptors: 512 entries
  const TAIL = LDT + 512 * 8;

  it('record offsets follow from the sizes', () => {
    expect([TASK, COMM, MM, VMA0, NAME0, VMA1]).toEqual([232, 264, 288, 400, 464, 482]);
    expect(img.length).toBe(TAIL + 8 + 8);
  });

  it('every record header: type, len and id = pid', () => {
    const expected: [number, number, number][] = [
      [HEAD, 1, 224], [TASK, 101, 24], [COMM, 2, 16], [MM, 201, 104], [VMA0, 202, 56], [NAME0, 2, 10], [VMA1, 202, 56],
      [NAME1, 2, 10], [VMA2, 202, 56], [VMA3, 202, 56], [CTX, 203, 4], [TAIL, 5001, 8],
    ];
    for (const [off, type, len] of expected) expect(hdr(off), `record at ${off}`).toEqual({ type, len, id: 77 });
  });

  it('head: magic, 2.6.26, rev 1, time 0, release strings', () => {
    expect(img.readBigUInt64LE(HEAD + 8)).toBe(CR_HEAD_MAGIC);
    expect([16, 18, 20, 22].map((o) => img.readUInt16LE(HEAD + o))).toEqual([2, 6, 26, 1]);
    expect(img.readBigUInt64LE(HEAD + 8 + 16)).toBe(0n);
    expect(img.readBigUInt64LE(HEAD + 8 + 24)).toBe(0n);
    expect(cstr(HEAD + 8 + 160, 7)).toBe('x86_64\0');
  });

  it('task and comm', () => {
    expect(img.readUInt32LE(TASK + 8 + 12)).toBe(17); // exit_signal SIGCHLD
    expect(img.readInt32LE(TASK + 8 + 16)).toBe(16); // TASK_COMM_LEN
    expect(cstr(COMM + 8, 16)).toBe('tiny' + '\0'.repeat(12));
  });

  it('mm: tag 1, the layout fields and map_count 4', () => {
    const s = tinySample().mm;
    expect(img.readUInt32LE(MM + 8)).toBe(1);
    expect(img.readBigUInt64LE(MM + 8 + 8)).toBe(BigInt(s.start_code));
    expect(img.readBigUInt64LE(MM + 8 + 88)).toBe(BigInt(s.env_end));
    expect(img.readInt16LE(MM + 8 + 96)).toBe(4);
  });

  it('VMA records: how, range, prot, flags, pgoff, npages, namelen', () => {
    const vma = (off: number) => ({
      how: img.readUInt32LE(off + 8), start: img.readBigUInt64LE(off + 16), end: img.readBigUInt64LE(off + 24),
      prot: img.readBigUInt64LE(off + 32), flags: Number(img.readBigUInt64LE(off + 40)), pgoff: img.readBigUInt64LE(off + 48),
      npages: img.readInt16LE(off + 56), namelen: img.readInt16LE(off + 58),
    });
    const may = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    // text: r-x private file, clean: no page dumped; PAGE_COPY_EXEC = present|user|accessed
    expect(vma(VMA0)).toEqual({ how: CR_VMA_FILE, start: 0x400000n, end: 0x401000n, prot: 0x25n,
      flags: VM_READ | VM_EXEC | may | VM_DENYWRITE | VM_EXECUTABLE, pgoff: 0n, npages: 0, namelen: 10 });
    expect(cstr(NAME0 + 8, 10)).toBe('/bin/tiny\0');
    // data: rw- private file with one COW page; PAGE_COPY has NX
    expect(vma(VMA1)).toEqual({ how: CR_VMA_FILE, start: 0x601000n, end: 0x602000n, prot: 0x8000000000000025n,
      flags: VM_READ | VM_WRITE | may | VM_ACCOUNT, pgoff: 1n, npages: 1, namelen: 10 });
    // heap: anonymous, vm_pgoff is the global page offset start >> 12
    expect(vma(VMA2)).toEqual({ how: CR_VMA_ANON, start: 0x602000n, end: 0x604000n, prot: 0x8000000000000025n,
      flags: VM_READ | VM_WRITE | may | VM_ACCOUNT, pgoff: 0x602n, npages: 2, namelen: 0 });
    // read-only after mprotect: VM_WRITE gone, PAGE_READONLY
    expect(vma(VMA3)).toEqual({ how: CR_VMA_ANON, start: 0x700000n, end: 0x702000n, prot: 0x8000000000000025n,
      flags: VM_READ | may | VM_ACCOUNT, pgoff: 0x700n, npages: 1, namelen: 0 });
  });

  it('page data: all addresses of a VMA, then all its contents, no headers', () => {
    expect(img.readBigUInt64LE(ADDR1)).toBe(0x601000n);
    expect(cstr(DATA1, 4)).toBe('data');
    expect([img.readBigUInt64LE(ADDR2), img.readBigUInt64LE(ADDR2 + 8)]).toEqual([0x602000n, 0x603000n]);
    // the "pattern" generator stamps each 16-byte line with its address
    expect(img.readUInt32LE(DATA2)).toBe(0x602000);
    expect(img.readUInt32LE(DATA2 + PAGE_SIZE + 16)).toBe(0x603010);
    expect(img.readBigUInt64LE(ADDR3)).toBe(0x700000n);
  });

  it('mm_context: entry size 8, nldt, then the raw descriptors', () => {
    expect([img.readInt16LE(CTX + 8), img.readInt16LE(CTX + 10)]).toEqual([8, 512]);
    const d = decodeDesc(img, LDT);
    expect([descBase(d), descLimit(d), d.d, d.s, d.dpl, d.p]).toEqual([0x1000, 0xfff, 1, 1, 3, 1]);
    expect(img.subarray(LDT + 8, TAIL).every((b) => b === 0)).toBe(true);
  });

  it('tail magic ends the image', () => {
    expect(img.readBigUInt64LE(TAIL + 8)).toBe(CR_TAIL_MAGIC);
  });

  it('is deterministic with a fixed time', () => {
    expect(imageOf(tinySample()).equals(img)).toBe(true);
  });
});

describe('docs/FORMAT.md', () => {
  // The annotated hex dump in the format document is of samples/tiny.json's image: every byte it
  // shows must be the byte the checkpoint writes (the head's time, the one varying field, aside).
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/FORMAT.md'), 'utf8');
  const img = imageOf(loadSample(path.resolve(import.meta.dirname, '../../samples/tiny.json')));
  const lines = [...doc.matchAll(/^([0-9a-f]{8}): ((?:[0-9a-f]{2} )*[0-9a-f]{2})/gm)];

  it('shows the image of samples/tiny.json', () => {
    expect(lines.length).toBeGreaterThan(40);
    expect(doc).toContain(`It is ${img.length.toLocaleString('en-US')} bytes`);
    for (const [, off, bytes] of lines) {
      const at = parseInt(off!, 16);
      if (at === 0x18) continue; // time: the moment of the checkpoint
      const want = Buffer.from(bytes!.replace(/ /g, ''), 'hex');
      expect(img.subarray(at, at + want.length).toString('hex'), `line ${off}`).toBe(want.toString('hex'));
    }
  });

  it('names the record offsets ckpt inspect prints', () => {
    const offsets = recordsOf(img).map((r) => r.offset).join(', ');
    expect(doc).toContain(`(${offsets})`);
  });
});

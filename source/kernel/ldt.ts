// The x86 LDT: struct desc_struct, struct user_desc, fill_ldt and modify_ldt(2).

import { LDT_ENTRIES, LDT_ENTRY_SIZE, PAGE_SIZE } from './constants.js';
import { KernelError } from './errno.js';
import type { MmStruct } from './mm.js';

/** struct desc_struct, field by field (bitfields low to high). */
export interface DescStruct {
  limit0: number; base0: number; base1: number; type: number; s: number; dpl: number; p: number;
  limit: number; avl: number; l: number; d: number; g: number; base2: number;
}

/** struct user_desc, the argument of modify_ldt(2). */
export interface UserDesc {
  entryNumber: number;
  baseAddr: number;
  limit: number;
  seg32bit: number;
  contents: number;
  readExecOnly: number;
  limitInPages: number;
  segNotPresent: number;
  useable: number;
  lm: number;
}

export function decodeDesc(b: Buffer, off = 0): DescStruct {
  const a = b.readUInt32LE(off);
  const h = b.readUInt32LE(off + 4);
  return {
    limit0: a & 0xffff, base0: a >>> 16,
    base1: h & 0xff, type: (h >>> 8) & 0xf, s: (h >>> 12) & 1, dpl: (h >>> 13) & 3, p: (h >>> 15) & 1,
    limit: (h >>> 16) & 0xf, avl: (h >>> 20) & 1, l: (h >>> 21) & 1, d: (h >>> 22) & 1, g: (h >>> 23) & 1,
    base2: h >>> 24,
  };
}

export function encodeDesc(d: DescStruct, b: Buffer, off = 0): void {
  b.writeUInt32LE(((d.base0 << 16) | d.limit0) >>> 0, off);
  b.writeUInt32LE((d.base1 | (d.type << 8) | (d.s << 12) | (d.dpl << 13) | (d.p << 15) | (d.limit << 16) |
    (d.avl << 20) | (d.l << 21) | (d.d << 22) | (d.g << 23) | (d.base2 << 24)) >>> 0, off + 4);
}

/** The full base and limit a descriptor encodes. */
export function descBase(d: DescStruct): number {
  return (d.base0 | (d.base1 << 16) | (d.base2 << 24)) >>> 0;
}
export function descLimit(d: DescStruct): number {
  return d.limit0 | (d.limit << 16);
}

/** LDT_empty() */
function ldtEmpty(info: UserDesc): boolean {
  return info.baseAddr === 0 && info.limit === 0 && info.contents === 0 && info.readExecOnly === 1 &&
    info.seg32bit === 0 && info.limitInPages === 0 && info.segNotPresent === 1 && info.useable === 0;
}

/** fill_ldt(): the descriptor modify_ldt writes for a user_desc. */
export function fillLdt(info: UserDesc): DescStruct {
  return {
    limit0: info.limit & 0xffff, base0: info.baseAddr & 0xffff, base1: (info.baseAddr >>> 16) & 0xff,
    type: ((info.readExecOnly ^ 1) << 1) | (info.contents << 2), s: 1, dpl: 3, p: info.segNotPresent ^ 1,
    limit: (info.limit >>> 16) & 0xf, avl: info.useable, l: info.lm, d: info.seg32bit, g: info.limitInPages,
    base2: info.baseAddr >>> 24,
  };
}

/** alloc_ldt(): grows the LDT to mincount entries, rounded up to a page of descriptors. */
function allocLdt(mm: MmStruct, mincount: number): void {
  if (mincount <= mm.context.size) return;
  const perPage = PAGE_SIZE / LDT_ENTRY_SIZE;
  const size = Math.ceil(mincount / perPage) * perPage;
  const ldt = Buffer.alloc(size * LDT_ENTRY_SIZE);
  mm.context.ldt.copy(ldt);
  mm.context.ldt = ldt;
  mm.context.size = size;
}

/** write_ldt(), as sys_modify_ldt(1 or 0x11, ...) reaches it; func 1 is the old mode. */
export function modifyLdt(mm: MmStruct, func: 1 | 0x11, info: UserDesc): void {
  const fn = 'write_ldt';
  const oldmode = func === 1;
  if (info.entryNumber >= LDT_ENTRIES) throw new KernelError('EINVAL', fn, `entry_number ${info.entryNumber} >= LDT_ENTRIES`);
  if (info.contents === 3) {
    if (oldmode) throw new KernelError('EINVAL', fn, 'contents 3 (conforming code) in old mode');
    if (info.segNotPresent === 0) throw new KernelError('EINVAL', fn, 'contents 3 with the segment present');
  }
  if (info.entryNumber >= mm.context.size) allocLdt(mm, info.entryNumber + 1);
  const entry = oldmode ? { ...info, useable: 0 } : info;
  const off = info.entryNumber * LDT_ENTRY_SIZE;
  if (info.baseAddr === 0 && info.limit === 0 && (oldmode || ldtEmpty(info))) {
    mm.context.ldt.fill(0, off, off + LDT_ENTRY_SIZE);
    return;
  }
  encodeDesc(fillLdt(entry), mm.context.ldt, off);
}

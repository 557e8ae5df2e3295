// The hardened profile's validation pass: before the point of no return, read the rest of the
// image (every VMA, its name, addresses and contents, the LDT, the tail), check all of it against
// the stream's real size and the restarting task's root, then seek back. Only a whole, consistent
// image lets cr_read_mm destroy the old mm.

import {
  LDT_ENTRIES, LDT_ENTRY_SIZE, PAGE_SIZE, TASK_SIZE, VM_HUGETLB, VM_IO, VM_MAYSHARE, VM_NONLINEAR, VM_SHARED,
} from '../kernel/constants.js';
import type { ErrnoName } from '../kernel/errno.js';
import { PATH_MAX, resolveInRoot } from '../kernel/vfs.js';
import { CR_TAIL_MAGIC, CR_VMA_ANON, CR_VMA_FILE, MM_FIELDS, readAddr } from '../image/v1/format.js';
import type { ImageReader } from '../image/io.js';
import type { CrCtx } from './context.js';
import { CrError } from './errors.js';
import type { Engine } from './events.js';
import { CR_PGARR_TOTAL } from './pgarr.js';
import { userDescOf, type Preflight } from './rstr-mem.js';

const FN = 'cr_validate_image';
/** vm_flags the checkpoint refuses (and VM_MAYSHARE, which cannot be restored as private). */
const UNSUPPORTED = VM_SHARED | VM_MAYSHARE | VM_IO | VM_HUGETLB | VM_NONLINEAR;
const hex = (n: number | bigint) => '0x' + n.toString(16);

class Checker {
  constructor(readonly ctx: CrCtx, readonly r: ImageReader) {}

  /** Fails validation: the errno, the check, the record being read and the byte offset at fault. */
  fail(errno: ErrnoName, check: string, field: string | null = null, at = this.r.offset): never {
    throw new CrError(errno, FN, check, this.r.record, at, field);
  }

  get remaining(): number {
    return this.r.size - this.r.offset;
  }

  /** A count the image claims, against the bytes it needs and the bytes the stream really has. */
  fits(what: string, count: number, bytesEach: number, field: string, at?: number): void {
    const need = count * bytesEach;
    if (need > this.remaining) {
      this.fail('EIO', `${what} ${count} needs ${need} bytes, the image has ${this.remaining} left (truncated or forged count)`, field, at);
    }
  }
}

/** One VMA record, its name, page addresses and contents: everything cr_read_vma would use. */
function* checkVma(c: Checker, i: number, prevEnd: number, scratch: { addrs: Buffer; page: Buffer }): Engine<number> {
  const { ctx, r } = c;
  yield ctx.enter(FN, `VMA #${i}`);
  const hh = r.vma(FN);
  const at = r.record?.offset ?? r.offset;
  const start = hh.vmStart;
  const end = hh.vmEnd;
  const what = `VMA #${i} ${hex(start)}-${hex(end)}`;
  if (hh.npages < 0) c.fail('EINVAL', `${what}: npages ${hh.npages} < 0 (a count above 32767 wrapped in __s16)`, 'npages', at);
  if (hh.namelen < 0) c.fail('EINVAL', `${what}: namelen ${hh.namelen} < 0`, 'namelen', at);
  if (start % BigInt(PAGE_SIZE) || end % BigInt(PAGE_SIZE)) c.fail('EINVAL', `${what}: not page aligned`, 'vm_start', at);
  if (end <= start) c.fail('EINVAL', `${what}: vm_end not above vm_start`, 'vm_end', at);
  if (end > BigInt(TASK_SIZE)) c.fail('EINVAL', `${what}: ends beyond TASK_SIZE ${hex(TASK_SIZE)}`, 'vm_end', at);
  if (Number(start) < prevEnd) c.fail('EINVAL', `${what}: starts below the end ${hex(prevEnd)} of VMA #${i - 1} (VMAs must be sorted and disjoint)`, 'vm_start', at);
  const flags = Number(BigInt.asUintN(32, hh.vmFlags));
  if (hh.vmFlags > 0xffffffffn) c.fail('EINVAL', `${what}: vm_flags ${hex(hh.vmFlags)} has bits above 32`, 'vm_flags', at);
  if (flags & UNSUPPORTED) c.fail('EINVAL', `${what}: vm_flags ${hex(flags)} has VM_SHARED, VM_MAYSHARE, VM_IO, VM_HUGETLB or VM_NONLINEAR, which this restart cannot rebuild`, 'vm_flags', at);
  const vmPages = Number(end - start) / PAGE_SIZE;
  if (hh.npages > vmPages) c.fail('EINVAL', `${what}: npages ${hh.npages} exceeds the VMA's ${vmPages} pages`, 'npages', at);
  c.fits(`${what}: npages`, hh.npages, PAGE_SIZE + (r.format === 'v1' ? 8 : 0), 'npages', at);

  let name: string | null = null;
  if (hh.namelen) {
    const raw = r.string(PAGE_SIZE, FN);
    if (raw.length !== hh.namelen) c.fail('EINVAL', `${what}: name of ${raw.length} bytes, namelen says ${hh.namelen}`, 'namelen');
    if (raw[raw.length - 1] !== 0 || raw.indexOf(0) !== raw.length - 1) c.fail('EINVAL', `${what}: name is not one NUL-terminated string`, 'name');
    name = raw.subarray(0, raw.length - 1).toString('latin1');
  }
  let fileSize = 0;
  switch (hh.how) {
    case CR_VMA_ANON:
      if (name !== null) c.fail('EINVAL', `${what}: CR_VMA_ANON with a name`, 'namelen', at);
      break;
    case CR_VMA_FILE: {
      if (name === null) c.fail('EINVAL', `${what}: CR_VMA_FILE without a name`, 'namelen', at);
      if (name.length >= PATH_MAX) c.fail('ENAMETOOLONG', `${what}: file name of ${name.length} bytes`, 'name');
      if (!name.startsWith('/') || resolveInRoot(name) !== name) {
        c.fail('EINVAL', `${what}: file name '${name}' is not a canonical absolute path inside the root (no '..', '.', '//')`, 'name');
      }
      const inode = ctx.vfsroot.lookup(name);
      if (!inode) c.fail('ENOENT', `${what}: file '${name}' does not exist in the restarting task's root`, 'name');
      fileSize = inode.data.length;
      if (hh.vmPgoff + BigInt(vmPages) > BigInt(Number.MAX_SAFE_INTEGER)) c.fail('EOVERFLOW', `${what}: vm_pgoff ${hex(hh.vmPgoff)} + size wraps`, 'vm_pgoff', at);
      break;
    }
    default:
      c.fail('EINVAL', `${what}: unknown how ${hh.how}`, 'how', at);
  }

  // the page addresses: aligned, inside the VMA, strictly increasing (so never twice the same page)
  let last = -1;
  for (let done = 0; done < hh.npages;) {
    const n = Math.min(CR_PGARR_TOTAL, hh.npages - done);
    const addrsAt = r.offset;
    r.pageAddrs(scratch.addrs, n, FN);
    for (let k = 0; k < n; k++) {
      const a = readAddr(scratch.addrs, k * 8);
      const where = r.format === 'v1' ? addrsAt + k * 8 : r.record?.offset ?? addrsAt;
      if (a % PAGE_SIZE) c.fail('EINVAL', `${what}: page address ${hex(a)} (#${done + k}) not page aligned`, 'addrs', where);
      if (a < Number(start) || a >= Number(end)) c.fail('EINVAL', `${what}: page address ${hex(a)} (#${done + k}) outside the VMA`, 'addrs', where);
      if (a <= last) c.fail('EINVAL', `${what}: page address ${hex(a)} (#${done + k}) not above the previous ${hex(last)}`, 'addrs', where);
      if (hh.how === CR_VMA_FILE) {
        const index = (a - Number(start)) / PAGE_SIZE + Number(hh.vmPgoff);
        if (index * PAGE_SIZE >= fileSize) {
          c.fail('EINVAL', `${what}: page ${hex(a)} lies beyond the end of '${name}' (${fileSize} bytes): restoring it would fault with SIGBUS`, 'addrs', where);
        }
      }
      last = a;
    }
    done += n;
  }
  // the contents: present, and (v2) matching their checksums
  for (let k = 0; k < hh.npages; k++) r.pageData(scratch.page, FN);
  return Number(end);
}

/** Validates the rest of the image from the current offset, then seeks back: the hardened profile's preflight. */
export const preflight: Preflight = function* validateImage(ctx: CrCtx): Engine<void> {
  const r = ctx.reader!;
  const c = new Checker(ctx, r);
  const back = r.offset;
  yield ctx.enter(FN, `validating ${r.size - back} bytes before the point of no return`);
  const hh = ctx.mmHeader!;
  for (const f of MM_FIELDS) {
    if (hh.fields[f] > BigInt(TASK_SIZE)) c.fail('EINVAL', `mm ${f} ${hex(hh.fields[f])} beyond TASK_SIZE`, f);
  }
  if (hh.mapCount < 0) c.fail('EINVAL', `map_count ${hh.mapCount} < 0`, 'map_count');
  c.fits('map_count', hh.mapCount, r.format === 'v1' ? 8 + 56 : 16 + 64, 'map_count');

  const scratch = { addrs: Buffer.alloc(CR_PGARR_TOTAL * 8), page: Buffer.alloc(PAGE_SIZE) };
  let prevEnd = 0;
  for (let i = 0; i < hh.mapCount; i++) prevEnd = yield* checkVma(c, i, prevEnd, scratch);

  yield ctx.enter(FN, 'LDT');
  const mc = r.mmContext(FN);
  const mcAt = r.record?.offset ?? r.offset;
  if (mc.ldtEntrySize !== LDT_ENTRY_SIZE) c.fail('EINVAL', `ldt_entry_size ${mc.ldtEntrySize} != ${LDT_ENTRY_SIZE}`, 'ldt_entry_size', mcAt);
  if (mc.nldt < 0 || mc.nldt > LDT_ENTRIES) c.fail('EINVAL', `nldt ${mc.nldt} not in 0..${LDT_ENTRIES}`, 'nldt', mcAt);
  if (r.format === 'v1') c.fits('nldt', mc.nldt, LDT_ENTRY_SIZE, 'nldt', mcAt);
  const raw = Buffer.alloc(LDT_ENTRY_SIZE);
  for (let n = 0; n < mc.nldt; n++) {
    const entryAt = r.offset;
    r.ldtEntry(raw, FN);
    const info = userDescOf(raw, n, false);
    if (info.contents === 3 && info.segNotPresent === 0) c.fail('EINVAL', `LDT entry ${n}: conforming code segment marked present, which modify_ldt refuses`, 'ldt', entryAt);
  }
  r.skipOptional(FN);
  const t = r.tail(FN);
  if (t.magic !== CR_TAIL_MAGIC) c.fail('EINVAL', `bad tail magic ${hex(t.magic)}`, 'magic');
  if (r.offset !== r.size) c.fail('EINVAL', `${r.size - r.offset} bytes after the tail`);
  r.seek(back);
  yield ctx.enter(FN, 'image is whole and consistent: crossing the point of no return');
};

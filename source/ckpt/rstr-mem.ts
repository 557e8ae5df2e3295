// rstr_mem.c: restart of memory, in the context of the restarting task. The old mm is destroyed
// (the point of no return), each VMA is re-created with do_mmap_pgoff(MAP_FIXED) and its pages
// are read straight into it; then the LDT is rebuilt through modify_ldt.

import {
  LDT_ENTRY_SIZE, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, O_RDONLY, O_RDWR,
  PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_SEM, PROT_WRITE, VM_DENYWRITE, VM_EXEC, VM_EXECUTABLE, VM_GROWSDOWN,
  VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE,
} from '../kernel/constants.js';
import { isKernelError } from '../kernel/errno.js';
import { decodeDesc, modifyLdt, type UserDesc } from '../kernel/ldt.js';
import type { MmStruct } from '../kernel/mm.js';
import { doMmapPgoff, doMunmap, mprotectFixup } from '../kernel/mmap.js';
import { flushIcacheRange, userPageForWrite } from '../kernel/uaccess.js';
import { resolveInRoot, type File } from '../kernel/vfs.js';
import { CR_VMA_ANON, CR_VMA_FILE, SIZEOF, type CrHdrVma } from '../image/v1/format.js';
import type { CrCtx, VmaProgress } from './context.js';
import type { Engine } from './events.js';
import { applyMmHeader } from './mm-header.js';
import { pgarrPrep, pgarrRelease } from './pgarr.js';
import { crHbufGet, crHbufPut } from './sys.js';

/** Runs a kernel call on behalf of a C function, turning its failure into one that names both. */
function kcall<T>(ctx: CrCtx, fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isKernelError(e)) ctx.fail(e.errno, `${fn} > ${e.fn}`, e.check);
    throw e;
  }
}

/** cr_vma_read_pages_addr: read addresses of pages to page-array chain */
function* vmaReadPagesAddr(ctx: CrCtx, npages: number, prog: VmaProgress): Engine<void> {
  // v1 stores the addresses as one array, so a bad one can be pointed at by its bytes
  ctx.addrsAt = ctx.reader!.format === 'v1' ? ctx.reader!.offset : null;
  while (npages) {
    const pgarr = yield* pgarrPrep(ctx, prog.index);
    if (!pgarr) ctx.fail('ENOMEM', 'cr_vma_read_pages_addr', 'no page-array');
    const nr = Math.min(npages, pgarr.nleft);
    ctx.reader!.pageAddrs(pgarr.addrs, nr, 'cr_vma_read_pages_addr');
    pgarr.nleft -= nr;
    pgarr.nused += nr;
    npages -= nr;
  }
}

/** cr_vma_read_pages_data: read in data of pages in page-array chain */
function* vmaReadPagesData(ctx: CrCtx, npages: number, hh: CrHdrVma, prog: VmaProgress): Engine<void> {
  const mm = ctx.task.mm;
  const start = Number(hh.vmStart);
  const end = Number(hh.vmEnd);
  let warned = false;
  let k = 0; // the address's index in this VMA's list
  const spanOf = () => (ctx.addrsAt === null ? null : { offset: ctx.addrsAt + k * 8, size: 8 });
  for (let p = ctx.pgarr; npages > 0; p = p.next) {
    if (!p) ctx.fail('EINVAL', 'cr_vma_read_pages_data', 'page-array chain shorter than npages');
    const nr = p.nused;
    npages -= nr;
    if (nr) yield { kind: 'pgarr', fn: 'cr_vma_read_pages_data', index: p.serial, vma: prog.index };
    for (let i = 0; i < nr; i++) {
      const addr = p.addr(i);
      if (addr < start || addr >= end || addr % PAGE_SIZE) {
        const what = `page address 0x${addr.toString(16)} lies outside VMA #${prog.index} 0x${start.toString(16)}-0x${end.toString(16)}`;
        if (ctx.profile.fixes(9)) ctx.fail('EINVAL', 'cr_vma_read_pages_data', what, 'addrs', spanOf());
        if (!warned) yield ctx.defect(9, 'cr_vma_read_pages_data', `${what}: read in as given`);
        warned = true;
      }
      let page: Buffer;
      try {
        page = userPageForWrite(mm, addr, 'copy_to_user');
      } catch (e) {
        if (isKernelError(e)) ctx.fail(e.errno, `cr_uread > ${e.fn}`, e.check, 'addrs', spanOf());
        throw e;
      }
      ctx.reader!.pageData(page, 'cr_vma_read_pages_data');
      ctx.restart.pagesRead++;
      prog.dumped++;
      if (ctx.tracePages) yield { kind: 'page', fn: 'cr_vma_read_pages_data', addr, outcome: 'read', vma: prog.index };
      k++;
    }
  }
}

/** cr_vma_writable: change the protection of an address range to be writable/non-writable */
function vmaWritable(ctx: CrCtx, mm: MmStruct, start: number, end: number, writable: boolean): void {
  const fn = 'cr_vma_writable';
  const vma = mm.findVma(start);
  if (!vma || vma.start > end || vma.end < start) ctx.fail('EINVAL', fn, `no VMA at 0x${start.toString(16)}`);
  let flags = 0;
  if (writable && !(vma.flags & VM_WRITE)) flags = vma.flags | VM_WRITE;
  else if (!writable && vma.flags & VM_WRITE) flags = vma.flags & ~VM_WRITE;
  if (!flags) ctx.fail('EINVAL', fn, `VMA 0x${start.toString(16)} already ${writable ? 'writable' : 'read-only'}`);
  kcall(ctx, fn, () => mprotectFixup(mm, vma, vma.start, vma.end, flags));
}

/** cr_vma_read_pages: read in pages for to restore a vma */
function* vmaReadPages(ctx: CrCtx, hh: CrHdrVma, prog: VmaProgress): Engine<void> {
  const mm = ctx.task.mm;
  if (!hh.npages) return;
  const flags = Number(hh.vmFlags);
  const start = Number(hh.vmStart);
  const end = Number(hh.vmEnd);
  // in the unlikely case that this vma is read-only
  if (!(flags & VM_WRITE)) {
    yield ctx.boundary('writable', 'cr_vma_writable', prog.index);
    vmaWritable(ctx, mm, start, end, true);
  }
  yield ctx.boundary('read_addrs', 'cr_vma_read_pages_addr', prog.index);
  yield* vmaReadPagesAddr(ctx, hh.npages, prog);
  yield ctx.boundary('read_data', 'cr_vma_read_pages_data', prog.index);
  yield* vmaReadPagesData(ctx, hh.npages, hh, prog);
  yield* pgarrRelease(ctx); // reset page-array chain
  // restore original protection for this vma
  if (!(flags & VM_WRITE)) {
    yield ctx.boundary('protect', 'cr_vma_writable', prog.index);
    vmaWritable(ctx, mm, start, end, false);
  }
}

/** cr_calc_map_prot_bits: convert vm_flags to mmap protection */
export function calcMapProtBits(origVmFlags: number, seedBug: boolean): number {
  let prot = 0;
  if (origVmFlags & VM_READ) prot |= PROT_READ;
  if (origVmFlags & VM_WRITE) prot |= PROT_WRITE;
  if (origVmFlags & VM_EXEC) prot |= PROT_EXEC;
  if (seedBug && origVmFlags & PROT_SEM) prot |= PROT_SEM; // only (?) with IPC-SHM; PROT_SEM is VM_SHARED's bit
  return prot;
}

/** cr_calc_map_flags_bits: convert vm_flags to mmap flags */
export function calcMapFlagsBits(origVmFlags: number): number {
  let flags = MAP_FIXED;
  if (origVmFlags & VM_GROWSDOWN) flags |= MAP_GROWSDOWN;
  if (origVmFlags & VM_DENYWRITE) flags |= MAP_DENYWRITE;
  if (origVmFlags & VM_EXECUTABLE) flags |= MAP_EXECUTABLE;
  flags |= origVmFlags & VM_MAYSHARE ? MAP_SHARED : MAP_PRIVATE;
  return flags;
}

/** The VMA record's name: the bytes before the NUL. */
function nameOf(raw: Buffer): string {
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('latin1');
}

/** cr_read_vma: one VMA record, its name, mapping and pages */
function* readVma(ctx: CrCtx, mm: MmStruct, prog: VmaProgress): Engine<void> {
  const fn = 'cr_read_vma';
  crHbufGet(ctx, SIZEOF.cr_hdr_vma);
  try {
    yield* readVmaBody(ctx, mm, prog);
  } catch (e) {
    prog.state = 'failed';
    if (ctx.profile.fixes(3)) crHbufPut(ctx, SIZEOF.cr_hdr_vma);
    else yield ctx.defect(3, fn, `error return without cr_hbuf_put: its ${SIZEOF.cr_hdr_vma} bytes stay on the hbuf (${ctx.hbufHeld} held in all)`);
    throw e;
  }
  crHbufPut(ctx, SIZEOF.cr_hdr_vma);
}

function* readVmaBody(ctx: CrCtx, mm: MmStruct, prog: VmaProgress): Engine<void> {
  const fn = 'cr_read_vma';
  prog.state = 'mapping';
  yield ctx.boundary('mmap', fn, prog.index);
  const hh = ctx.reader!.vma(fn);
  prog.start = Number(hh.vmStart);
  prog.end = Number(hh.vmEnd);
  prog.flags = Number(hh.vmFlags);
  prog.pgoff = Number(hh.vmPgoff);
  prog.npagesInImage = hh.npages;

  if (hh.vmEnd < hh.vmStart) ctx.fail('EINVAL', fn, `vm_end 0x${hh.vmEnd.toString(16)} < vm_start 0x${hh.vmStart.toString(16)}`, 'vm_end');
  if (hh.npages < 0) ctx.fail('EINVAL', fn, `npages ${hh.npages} < 0 (a count above 32767 wraps in __s16)`, 'npages');
  if (hh.namelen < 0) ctx.fail('EINVAL', fn, `namelen ${hh.namelen} < 0`, 'namelen');

  const vmFlags = prog.flags;
  const vmSize = prog.end - prog.start;
  const seedProtBug = !ctx.profile.fixes(6);
  const vmProt = calcMapProtBits(vmFlags, seedProtBug);
  if (vmProt & PROT_SEM) yield ctx.defect(6, 'cr_calc_map_prot_bits', `vm_flags 0x${vmFlags.toString(16)} has VM_SHARED (0x8): mapped with PROT_SEM`);
  const mapFlags = calcMapFlagsBits(vmFlags);
  let vmPgoff = prog.pgoff;

  let fname: string | null = null;
  if (hh.namelen) fname = nameOf(ctx.reader!.string(PAGE_SIZE, fn));

  let file: File | null = null;
  switch (hh.how) {
    case CR_VMA_ANON: // anonymous private mapping
      if (hh.namelen) ctx.fail('EINVAL', fn, `CR_VMA_ANON with namelen ${hh.namelen}`, 'namelen');
      vmPgoff = 0; // the "global" page offset of anonymous memory: force zero
      break;
    case CR_VMA_FILE: { // private mapping from a file
      if (!hh.namelen) ctx.fail('EINVAL', fn, 'CR_VMA_FILE without a name', 'namelen');
      prog.file = fname;
      const canonical = resolveInRoot(fname!);
      if (canonical !== fname) {
        if (ctx.profile.fixes(9)) ctx.fail('EINVAL', fn, `file name '${fname}' is not a canonical path inside the root`, 'name');
        yield ctx.defect(9, fn, `file name '${fname}' opened as given (resolves to ${canonical})`);
      }
      const wantRw = (vmFlags & (VM_WRITE | VM_SHARED)) === (VM_WRITE | VM_SHARED);
      file = kcall(ctx, fn, () => ctx.vfsroot.filpOpen(fname!, wantRw ? O_RDWR : O_RDONLY));
      break;
    }
    default:
      ctx.fail('EINVAL', fn, `unknown how ${hh.how}`, 'how');
  }

  yield ctx.enter('do_mmap_pgoff', `0x${prog.start.toString(16)} len 0x${vmSize.toString(16)} prot ${vmProt} flags 0x${mapFlags.toString(16)}`);
  kcall(ctx, fn, () => doMmapPgoff(mm, file, prog.start, vmSize, vmProt, mapFlags, vmPgoff));

  prog.state = 'reading';
  yield* vmaReadPages(ctx, hh, prog);

  if (vmProt & PROT_EXEC) {
    yield ctx.boundary('flush_icache', 'flush_icache_range', prog.index);
    flushIcacheRange(prog.start, prog.end);
  }
  prog.state = 'restored';
}

/** The user_desc that cr_read_mm_context rebuilds from a saved descriptor. */
export function userDescOf(raw: Buffer, n: number, seedBug: boolean): UserDesc {
  const d = decodeDesc(raw);
  return {
    entryNumber: n,
    baseAddr: seedBug ? d.base0 | (d.base1 << 16) : (d.base0 | (d.base1 << 16) | (d.base2 << 24)) >>> 0,
    limit: seedBug ? d.limit0 : d.limit0 | (d.limit << 16),
    seg32bit: d.d,
    contents: d.type >> 2,
    readExecOnly: ((d.type >> 1) & 1) ^ 1,
    limitInPages: d.g,
    segNotPresent: d.p ^ 1,
    useable: d.avl,
    lm: 0,
  };
}

/** cr_read_mm_context: rebuild the LDT through modify_ldt() */
function* readMmContext(ctx: CrCtx, mm: MmStruct): Engine<void> {
  const fn = 'cr_read_mm_context';
  yield ctx.boundary('mm_context', fn, null);
  crHbufGet(ctx, SIZEOF.cr_hdr_mm_context);
  try {
    yield* readMmContextBody(ctx, mm);
  } catch (e) {
    if (ctx.profile.fixes(3)) crHbufPut(ctx, SIZEOF.cr_hdr_mm_context); // hardened: error paths put the hbuf too
    throw e;
  }
  crHbufPut(ctx, SIZEOF.cr_hdr_mm_context);
}

/** cr_read_mm_context, past its cr_hbuf_get: what its error paths return from */
function* readMmContextBody(ctx: CrCtx, mm: MmStruct): Engine<void> {
  const fn = 'cr_read_mm_context';
  const hh = ctx.reader!.mmContext(fn);
  if (hh.nldt < 0) ctx.fail('EINVAL', fn, `nldt ${hh.nldt} < 0`, 'nldt');
  if (hh.ldtEntrySize !== LDT_ENTRY_SIZE) ctx.fail('EINVAL', fn, `ldt_entry_size ${hh.ldtEntrySize} != ${LDT_ENTRY_SIZE}`, 'ldt_entry_size');
  const seedBug = !ctx.profile.fixes(7);
  if (!seedBug) {
    // hardened: the LDT is the image's, whole: no entry of the restarting task's own LDT survives
    mm.context.ldt = Buffer.alloc(0);
    mm.context.size = 0;
  }
  const raw = Buffer.alloc(LDT_ENTRY_SIZE);
  let lossy = 0;
  for (let n = 0; n < hh.nldt; n++) {
    ctx.reader!.ldtEntry(raw, fn);
    const d = decodeDesc(raw);
    if (seedBug && (d.base2 !== 0 || d.limit !== 0 || d.avl !== 0)) lossy++;
    const info = userDescOf(raw, n, seedBug);
    kcall(ctx, fn, () => modifyLdt(mm, seedBug ? 1 : 0x11, info));
  }
  if (lossy) {
    yield ctx.defect(7, fn, `${lossy} of ${hh.nldt} LDT entries rebuilt without base bits 24-31, limit bits 16-19 or avl`);
  }
}

/** cr_destroy_mm: unmap every VMA of the restarting task */
function destroyMm(ctx: CrCtx, mm: MmStruct): void {
  while (mm.vmas.length) {
    const vma = mm.vmas[0]!;
    kcall(ctx, 'cr_destroy_mm', () => doMunmap(mm, vma.start, vma.end - vma.start));
  }
}

/** A hook run before the point of no return: the hardened profile validates the whole image there. */
export type Preflight = (ctx: CrCtx) => Engine<void>;

/** cr_read_mm; atPonr (hardened) applies what was read before the point of no return, right after it */
export function* readMm(ctx: CrCtx, preflight: Preflight | null, atPonr?: () => void): Engine<void> {
  yield ctx.boundary('mm', 'cr_read_mm', null);
  crHbufGet(ctx, SIZEOF.cr_hdr_mm);
  const hbuf = { held: true };
  try {
    yield* readMmBody(ctx, preflight, hbuf, atPonr);
  } catch (e) {
    if (ctx.profile.fixes(3) && hbuf.held) crHbufPut(ctx, SIZEOF.cr_hdr_mm); // hardened: balanced on error too
    throw e;
  }
}

/** cr_read_mm, past its cr_hbuf_get: what its error paths return from */
function* readMmBody(ctx: CrCtx, preflight: Preflight | null, hbuf: { held: boolean }, atPonr?: () => void): Engine<void> {
  const fn = 'cr_read_mm';
  const hh = ctx.reader!.mm(fn);
  ctx.mmHeader = hh;
  ctx.restart.mapCount = hh.mapCount;
  const f = hh.fields;
  if (f.start_code > f.end_code) ctx.fail('EINVAL', fn, 'start_code > end_code', 'start_code');
  if (f.start_data > f.end_data) ctx.fail('EINVAL', fn, 'start_data > end_data', 'start_data');
  if (hh.mapCount < 0) ctx.fail('EINVAL', fn, `map_count ${hh.mapCount} < 0`, 'map_count');

  if (preflight && ctx.profile.validateBeforeDestroy) yield* preflight(ctx);

  const mm = ctx.task.mm;
  // point of no return -- destruct current mm
  yield ctx.boundary('destroy', 'cr_destroy_mm', null);
  mm.mmapSem.writer = true;
  try {
    destroyMm(ctx, mm);
  } finally {
    mm.mmapSem.writer = false;
  }
  ctx.pastPointOfNoReturn = true;
  yield { kind: 'ponr' };

  applyMmHeader(mm, hh);
  // hardened: mm->flags where the image carries them (format v2); v1 has no field for them
  if (ctx.profile.fixes(8) && hh.mmFlags !== undefined) mm.flags = Number(BigInt.asUintN(32, hh.mmFlags));
  atPonr?.();
  for (let i = 0; i < hh.mapCount; i++) {
    ctx.vmas.push({
      index: i, start: 0, end: 0, flags: 0, pgoff: 0, file: null, state: 'pending', dumped: 0, zero: 0, clean: 0,
      npagesInImage: null,
    });
  }
  for (let nr = hh.mapCount, i = 0; nr; nr--, i++) {
    ctx.restart.vmaIndex = i;
    yield* readVma(ctx, mm, ctx.vmas[i]!);
  }
  crHbufPut(ctx, SIZEOF.cr_hdr_mm);
  hbuf.held = false;
  yield* readMmContext(ctx, mm);
}

// ckpt_mem.c: checkpoint of memory. Per VMA: (1) scan its pages into the page-array chain,
// (2) dump the VMA record, its name, the addresses and the contents, (3) free the references.

import {
  LDT_ENTRY_SIZE, PAGE_SIZE, VM_FAULT_ERROR, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_HUGETLB, VM_IO, VM_MAYSHARE,
  VM_NONLINEAR, VM_SHARED,
} from '../kernel/constants.js';
import { KernelError } from '../kernel/errno.js';
import { vmFlagNames } from '../kernel/vm-flags.js';
import { followPage, handleMmFault, handleMmFaultZeroRun } from '../kernel/fault.js';
import type { MmStruct, VmArea } from '../kernel/mm.js';
import { CR_VMA_ANON, CR_VMA_FILE, wrapS16, type CrHdrMm, type CrHdrVma } from '../image/v1/format.js';
import type { CrCtx, VmaProgress } from './context.js';
import type { Engine } from './events.js';
import { pgarrPrep, pgarrRelease, type CrPgarr } from './pgarr.js';
import { mmHeaderOf } from './mm-header.js';

/** The vm_flags cr_write_vma refuses with -ETXTBSY. */
export const REFUSED_FLAGS = VM_SHARED | VM_IO | VM_HUGETLB | VM_NONLINEAR;

/** cr_get_fname: the file's path relative to the checkpoint's root, and its length with the NUL */
function getFname(ctx: CrCtx, vma: VmArea): { name: string; nr: number } {
  const name = vma.file!.path;
  const nr = Buffer.byteLength(name, 'latin1') + 1;
  if (nr > PAGE_SIZE) ctx.fail('ENAMETOOLONG', 'cr_get_fname', `path of ${nr} bytes does not fit a page`);
  return { name, nr };
}

/** cr_vma_fill_pgarr: fill a page-array with addr/page tuples for a vma */
function* vmaFillPgarr(ctx: CrCtx, pgarr: CrPgarr, vma: VmArea, cursor: { addr: number }, prog: VmaProgress): Engine<number> {
  const alloc = ctx.task.kernel.allocator;
  const end = vma.end;
  const cow = vma.file !== null;
  let addr = cursor.addr;
  let nr = pgarr.nleft;
  let slot = pgarr.nused;

  while (addr < end) {
    // The run shortcut, not in the seed: a reserved or untouched stretch of anonymous memory can
    // be millions of pages (a 16 GiB PROT_NONE reservation is 4M), and page by page it costs a
    // lookup and a fault each. Absent pages there fault in as ZERO_PAGE and are skipped, so the
    // whole stretch up to the next real frame is faulted and counted in one step. Only when no
    // one watches page by page: with tracePages, each page still gets its own event below.
    if (!vma.file && !ctx.tracePages) {
      const stretch = vma.mm.zeroStretchEnd(addr, end);
      if (stretch > addr) {
        handleMmFaultZeroRun(vma.mm, vma, addr, stretch); // handle_mm_fault(read) for each page
        prog.zero += (stretch - addr) / PAGE_SIZE; // zero pages: ignore
        addr = stretch;
        continue;
      }
    }

    let page = followPage(vma, addr);
    if (!page) {
      const ret = handleMmFault(vma.mm, vma, addr, false);
      if (ret & VM_FAULT_ERROR) {
        // undo the references this call took, as the seed does
        while (slot > pgarr.nused) alloc.putPage(pgarr.pages[--slot]!);
        const errno = ret & VM_FAULT_OOM ? 'ENOMEM' : ret & VM_FAULT_SIGBUS ? 'EFAULT' : 'EFAULT';
        throw new KernelError(errno, 'handle_mm_fault', `fault at 0x${addr.toString(16)} in VMA #${prog.index} (${ret & VM_FAULT_SIGBUS ? 'SIGBUS: beyond end of file' : 'OOM'})`);
      }
      page = followPage(vma, addr)!;
    }

    if (page === alloc.zeroPage) {
      prog.zero++; // zero page: ignore
      if (ctx.tracePages) yield { kind: 'page', fn: 'cr_vma_fill_pgarr', addr, outcome: 'zero', vma: prog.index };
    } else if (cow && page.mapping !== null) {
      prog.clean++; // clean cow: ignore
      if (ctx.tracePages) yield { kind: 'page', fn: 'cr_vma_fill_pgarr', addr, outcome: 'clean', vma: prog.index };
    } else {
      alloc.getPage(page);
      pgarr.setAddr(slot, addr);
      pgarr.pages[slot++] = page;
      prog.dumped++;
      if (ctx.tracePages) yield { kind: 'page', fn: 'cr_vma_fill_pgarr', addr, outcome: 'dumped', vma: prog.index };
      if (--nr === 0) {
        addr += PAGE_SIZE;
        break;
      }
    }
    addr += PAGE_SIZE;
  }
  cursor.addr = addr;
  return pgarr.nleft - nr;
}

/** cr_vma_scan_pages: scan vma for pages that will need to be dumped */
function* vmaScanPages(ctx: CrCtx, vma: VmArea, prog: VmaProgress): Engine<number> {
  const cursor = { addr: vma.start as number };
  let total = 0;
  while (cursor.addr < vma.end) {
    const pgarr = yield* pgarrPrep(ctx, prog.index);
    if (!pgarr) ctx.fail('ENOMEM', 'cr_pgarr_prep', 'no page-array');
    let nr: number;
    try {
      nr = yield* vmaFillPgarr(ctx, pgarr, vma, cursor, prog);
    } catch (e) {
      if (e instanceof KernelError) ctx.fail(e.errno, 'cr_vma_fill_pgarr', e.check);
      throw e;
    }
    pgarr.nleft -= nr;
    pgarr.nused += nr;
    total += nr;
  }
  return total;
}

/** cr_vma_dump_pages: dump pages listed in the ctx page-array chain */
function* vmaDumpPages(ctx: CrCtx, total: number, prog: VmaProgress): Engine<number> {
  if (!total) return 0;
  const w = ctx.writer!;
  for (let p = ctx.pgarr; p; p = p.next) w.pageAddrs(p.addrs, p.nused, 'cr_vma_dump_pages');
  for (let p = ctx.pgarr; p; p = p.next) {
    if (p.nused) yield { kind: 'pgarr', fn: 'cr_vma_dump_pages', index: p.serial, vma: prog.index };
    for (let i = 0; i < p.nused; i++) {
      w.pageData(p.pages[i]!.data(), 'cr_vma_dump_pages'); // kmap + cr_kwrite
      if (ctx.tracePages) yield { kind: 'page', fn: 'cr_vma_dump_pages', addr: p.addr(i), outcome: 'written', vma: prog.index };
    }
  }
  return total;
}

/** cr_write_vma: one VMA, in three steps: scan, dump, free */
function* writeVma(ctx: CrCtx, vma: VmArea, prog: VmaProgress): Engine<void> {
  yield ctx.enter('cr_write_vma', `#${prog.index} 0x${vma.start.toString(16)}-0x${vma.end.toString(16)}`);
  const hh: CrHdrVma = {
    how: CR_VMA_ANON, vmStart: BigInt(vma.start), vmEnd: BigInt(vma.end), vmPageProt: vma.pageProt,
    vmFlags: BigInt(vma.flags), vmPgoff: BigInt(vma.pgoff), npages: 0, namelen: 0,
  };

  if (vma.flags & REFUSED_FLAGS) {
    prog.state = 'refused';
    yield ctx.warn('cr_write_vma', `CR: unknown VMA 0x${vma.flags.toString(16)}`);
    const set = vmFlagNames(vma.flags & REFUSED_FLAGS).join('|');
    ctx.fail('ETXTBSY', 'cr_write_vma', `VMA #${prog.index} 0x${vma.start.toString(16)} has vm_flags 0x${vma.flags.toString(16)} (${set}: the seed refuses VM_SHARED|VM_IO|VM_HUGETLB|VM_NONLINEAR)`, 'vm_flags');
  }
  if (vma.flags & VM_MAYSHARE) {
    if (ctx.profile.fixes(8)) {
      prog.state = 'refused';
      ctx.fail('ETXTBSY', 'cr_write_vma', `VMA #${prog.index} is VM_MAYSHARE: a shared mapping cannot be restored as private`, 'vm_flags');
    }
    yield ctx.defect(8, 'cr_write_vma', `VMA #${prog.index} has VM_MAYSHARE without VM_SHARED: saved as if private`);
  }

  // if there is a backing file, assume private-mapped
  let fname: string | null = null;
  if (vma.file) {
    const f = getFname(ctx, vma);
    fname = f.name;
    hh.namelen = f.nr;
    hh.how = CR_VMA_FILE;
  }

  // (1) scan
  prog.state = 'scanning'; // the phase the VMA is in, shown while paused at its boundary
  yield ctx.boundary('scan', 'cr_vma_scan_pages', prog.index);
  const nr = yield* vmaScanPages(ctx, vma, prog);

  // (2) dump
  prog.state = 'dumping';
  yield ctx.boundary('dump', 'cr_vma_dump_pages', prog.index);
  if (nr > ctx.writer!.maxCount) {
    if (ctx.profile.fixes(4)) {
      ctx.fail('EOVERFLOW', 'cr_write_vma', `VMA #${prog.index} has ${nr} pages to dump; npages is __s16 in ${ctx.writer!.format} (max ${ctx.writer!.maxCount}): use format v2`, 'npages');
    }
    yield ctx.defect(4, 'cr_write_vma', `VMA #${prog.index}: npages ${nr} stored in __s16 as ${wrapS16(nr)}`);
  }
  hh.npages = nr;
  prog.npagesInImage = ctx.writer!.maxCount === 0x7fff ? wrapS16(nr) : nr;
  ctx.writer!.vma(hh, fname, 'cr_write_vma');
  yield* vmaDumpPages(ctx, nr, prog);

  // (3) free
  prog.state = 'freeing';
  yield ctx.boundary('free', 'cr_pgarr_release', prog.index);
  yield* pgarrRelease(ctx);
  prog.state = 'dumped';
}

/** cr_write_mm_context: the LDT, under mm->context.lock */
function* writeMmContext(ctx: CrCtx, mm: MmStruct): Engine<void> {
  yield ctx.boundary('mm_context', 'cr_write_mm_context', null);
  mm.context.lockHolder = 'cr_write_mm_context';
  const nldt = mm.context.size;
  try {
    ctx.writer!.mmContext({ ldtEntrySize: LDT_ENTRY_SIZE, nldt }, mm.context.ldt.subarray(0, nldt * LDT_ENTRY_SIZE), 'cr_write_mm_context');
  } catch (e) {
    if (ctx.profile.fixes(2)) mm.context.lockHolder = null;
    else yield ctx.defect(2, 'cr_write_mm_context', 'write failed: returned with mm->context.lock held');
    throw e;
  }
  mm.context.lockHolder = null;
}

/** cr_write_mm: the mm record, every VMA, then the mm context */
export function* writeMm(ctx: CrCtx): Engine<void> {
  yield ctx.boundary('mm', 'cr_write_mm', null);
  const mm = ctx.task.mm;
  const hh: CrHdrMm = mmHeaderOf(mm);
  if (mm.mapCount > ctx.writer!.maxCount) {
    if (ctx.profile.fixes(4)) ctx.fail('EOVERFLOW', 'cr_write_mm', `map_count ${mm.mapCount} exceeds ${ctx.writer!.maxCount}`, 'map_count');
    yield ctx.defect(4, 'cr_write_mm', `map_count ${mm.mapCount} stored in __s16 as ${wrapS16(mm.mapCount)}`);
  }
  if (ctx.profile.fixes(8)) {
    // hardened: mm->flags saved where the format has a field for them (v2); never silently dropped
    if (ctx.writer!.format === 'v2') hh.mmFlags = BigInt(mm.flags);
    else if (mm.flags !== 0) {
      ctx.fail('EOVERFLOW', 'cr_write_mm', `mm->flags 0x${mm.flags.toString(16)} has no field in format ${ctx.writer!.format}: use format v2`, 'mm_flags');
    }
  } else if (mm.flags !== 0) {
    yield ctx.defect(8, 'cr_write_mm', `mm->flags 0x${mm.flags.toString(16)} is not saved (FIX: need also mm->flags)`);
  }
  ctx.mmHeader = hh;
  ctx.writer!.mm(hh, 'cr_write_mm');

  for (const vma of mm.vmas) {
    ctx.vmas.push({
      index: ctx.vmas.length, start: vma.start, end: vma.end, flags: vma.flags, pgoff: vma.pgoff,
      file: vma.file?.path ?? null, state: 'pending', dumped: 0, zero: 0, clean: 0, npagesInImage: null,
    });
  }
  mm.mmapSem.readers++;
  try {
    for (const [i, vma] of mm.vmas.entries()) yield* writeVma(ctx, vma, ctx.vmas[i]!);
  } finally {
    mm.mmapSem.readers--;
  }
  yield* writeMmContext(ctx, mm);
}


// Page-array chains (ckpt_mem.h / the top of ckpt_mem.c): <addr, page> tuples in 512-entry arrays.

import { PAGE_SIZE } from '../kernel/constants.js';
import type { Page } from '../kernel/page.js';
import type { Pfn } from '../kernel/types.js';
import { readAddr, writeAddr } from '../image/v1/format.js';
import { CR_CTX_CKPT, type CrCtx } from './context.js';
import type { EngineEvent } from './events.js';

/** CR_PGARR_TOTAL: entries per page-array, one page of pointers. */
export const CR_PGARR_TOTAL = PAGE_SIZE / 8;

/** struct cr_pgarr */
export class CrPgarr {
  /** addrs: one page of u64 addresses, laid out as they are written to the image. */
  readonly addrs = Buffer.alloc(PAGE_SIZE);
  readonly pages: (Page | null)[] = new Array<Page | null>(CR_PGARR_TOTAL).fill(null);
  next: CrPgarr | null = null;
  nleft = CR_PGARR_TOTAL;
  nused = 0;
  constructor(
    /** Which array this is, in allocation order, for the debugger. */
    readonly serial: number,
    /** The frames __get_free_pages gave for addrs and pages. */
    readonly addrsFrame: Pfn,
    readonly pagesFrame: Pfn,
  ) {}

  addr(i: number): number {
    return readAddr(this.addrs, i * 8);
  }

  setAddr(i: number, addr: number): void {
    writeAddr(this.addrs, i * 8, addr);
  }
}

/** The chain from its head, as a list. */
export function chainOf(ctx: CrCtx): CrPgarr[] {
  const out: CrPgarr[] = [];
  for (let p = ctx.pgarr; p; p = p.next) out.push(p);
  return out;
}

/** _cr_pgarr_release: drop the page references one array holds and reset it */
export function pgarrReleaseOne(ctx: CrCtx, pgarr: CrPgarr): void {
  if (ctx.flags & CR_CTX_CKPT) {
    const alloc = ctx.task.kernel.allocator;
    for (let n = pgarr.nused; n--; ) {
      alloc.putPage(pgarr.pages[n]!);
      pgarr.pages[n] = null;
    }
  }
  pgarr.nused = 0;
  pgarr.nleft = CR_PGARR_TOTAL;
}

/** cr_pgarr_release: release pages referenced by the chain of page-arrays */
export function* pgarrRelease(ctx: CrCtx): Generator<EngineEvent, void, void> {
  for (let p = ctx.pgarr; p; p = p.next) pgarrReleaseOne(ctx, p);
  ctx.growthReported = false;
  if (ctx.profile.fixes(5)) {
    ctx.pgcur = ctx.pgarr;
  } else if (ctx.pgcur !== ctx.pgarr) {
    const idle = chainOf(ctx).indexOf(ctx.pgcur!);
    yield ctx.defect(5, 'cr_pgarr_release',
      `pgcur left at array #${ctx.pgcur!.serial}: the ${idle} array(s) before it will not be reused`);
  }
}

/** cr_pgarr_free: free a chain of page-arrays */
export function* pgarrFree(ctx: CrCtx): Generator<EngineEvent, void, void> {
  const alloc = ctx.task.kernel.allocator;
  const head = ctx.pgarr;
  const chain = chainOf(ctx);
  const badBefore = alloc.badPages.length;
  for (const pgarr of chain) {
    pgarrReleaseOne(ctx, pgarr);
    // the seed frees ctx->pgarr's pages on every iteration, not pgarr's own
    const victim = ctx.profile.fixes(1) ? pgarr : head!;
    alloc.freePages(victim.addrsFrame);
    alloc.freePages(victim.pagesFrame);
  }
  if (alloc.badPages.length > badBefore) {
    const leaked = (chain.length - 1) * 2;
    yield ctx.defect(1, 'cr_pgarr_free',
      `double free of array #${head!.serial}'s frames (pfn ${head!.addrsFrame}, ${head!.pagesFrame}) ` +
      `caught by the page allocator; ${leaked} frames of ${chain.length - 1} other array(s) leaked`);
  }
  ctx.pgarr = null;
  ctx.pgcur = null;
}

/** cr_pgarr_alloc: allocate and add a new page-array to chain */
export function* pgarrAlloc(ctx: CrCtx, link: (p: CrPgarr) => void): Generator<EngineEvent, CrPgarr | null, void> {
  const cur = ctx.pgcur;
  if (cur && cur.next) {
    ctx.pgcur = cur.next;
    return cur.next;
  }
  const alloc = ctx.task.kernel.allocator;
  const pgarr = new CrPgarr(ctx.pgarrSerial++, alloc.getFreePage(), alloc.getFreePage());
  link(pgarr);
  ctx.pgcur = pgarr;
  const chain = chainOf(ctx);
  const idle = chain.indexOf(pgarr) > 0 ? chain.slice(0, chain.indexOf(pgarr)).filter((p) => p.nused === 0).length : 0;
  if (idle > 0 && !ctx.profile.fixes(5) && !ctx.growthReported) {
    ctx.growthReported = true; // once per VMA: the chain pane shows every array
    yield ctx.defect(5, 'cr_pgarr_alloc', `chain grows to ${chain.length} arrays while ${idle} before pgcur sit idle`);
  }
  return pgarr;
}

/** cr_pgarr_prep: return current page-array (and allocate if needed) */
export function* pgarrPrep(ctx: CrCtx, vma: number | null): Generator<EngineEvent, CrPgarr | null, void> {
  let pgarr = ctx.pgcur!;
  if (!pgarr.nleft) {
    const full = pgarr;
    const next = yield* pgarrAlloc(ctx, (p) => (full.next = p));
    if (!next) return null;
    pgarr = next;
  }
  yield { kind: 'pgarr', fn: 'cr_pgarr_prep', index: pgarr.serial, vma };
  return pgarr;
}

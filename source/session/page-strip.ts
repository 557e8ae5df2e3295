// The selected VMA's pages as a strip of cells: what each page is now, as the kernel holds it.

import { PAGE_SIZE } from '../kernel/constants.js';
import type { CrCtx } from '../ckpt/context.js';
import type { PageCell } from './types.js';

const RANK: Record<PageCell, number> = { none: 0, absent: 1, zero: 2, clean: 3, dirty: 4, listed: 5, dumped: 6, restored: 7 };

export interface PageStrip {
  cells: PageCell[];
  /** Pages per cell (the last cell may hold fewer). */
  pagesPerCell: number;
  counts: Record<PageCell, number>;
}

/** Pages of VMA `index` in `cells` cells; each cell shows the most notable state among its pages. */
export function pageStrip(ctx: CrCtx, index: number, cells: number): PageStrip | null {
  const prog = ctx.vmas[index];
  if (!prog || prog.end <= prog.start) return null;
  const mm = ctx.task.mm;
  const alloc = mm.allocator;
  const pages = (prog.end - prog.start) / PAGE_SIZE;
  const perCell = Math.max(1, Math.ceil(pages / Math.max(1, cells)));
  const listed = new Set<number>();
  if (ctx.isCheckpoint && (prog.state === 'scanning' || prog.state === 'dumping')) {
    for (let p = ctx.pgarr; p; p = p.next) for (let i = 0; i < p.nused; i++) listed.add(p.addr(i));
  }
  const dumpedState = prog.state === 'freeing' || prog.state === 'dumped';
  const restoring = !ctx.isCheckpoint && (prog.state === 'reading' || prog.state === 'restored' || prog.state === 'failed');
  const counts: Record<PageCell, number> = { none: 0, absent: 0, zero: 0, clean: 0, dirty: 0, listed: 0, dumped: 0, restored: 0 };
  const out: PageCell[] = [];
  const vmaHere = mm.vmaAt(prog.start);
  const mapped = vmaHere !== undefined && vmaHere.start === prog.start;
  // per cell: walk only the pages that map a frame of their own, and count the zero-page runs
  // and absent pages arithmetically, so a VMA of terabytes of reservation costs what its frames do
  const firstVpn = prog.start / PAGE_SIZE;
  for (let c = 0; c * perCell < pages; c++) {
    const from = firstVpn + c * perCell;
    const to = firstVpn + Math.min(pages, (c + 1) * perCell);
    let best: PageCell = 'none';
    const note = (cell: PageCell, n: number) => {
      if (n <= 0) return;
      counts[cell] += n;
      if (RANK[cell] > RANK[best]) best = cell;
    };
    if (!mapped) {
      note('none', to - from);
      out.push(best);
      continue;
    }
    let frames = 0;
    for (let vpn = mm.ptes.nextFrame(from, to); vpn < to; vpn = mm.ptes.nextFrame(vpn + 1, to)) {
      const pte = mm.ptes.get(vpn)!;
      frames++;
      const addr = vpn * PAGE_SIZE;
      if (pte.page === alloc.zeroPage) note('zero', 1); // a writable zero pte, outside the runs
      else if (pte.page.mapping !== null) note('clean', 1);
      else if (restoring) note('restored', 1);
      else if (listed.has(addr)) note('listed', 1);
      else note(dumpedState ? 'dumped' : 'dirty', 1);
    }
    const zero = mm.ptes.zeroIn(from, to);
    note('zero', zero);
    note('absent', to - from - frames - zero);
    out.push(best);
  }
  return { cells: out, pagesPerCell: perCell, counts };
}

// mm_struct and vm_area_struct: the address space the seed saves and rebuilds.

import { PAGE_SIZE } from './constants.js';
import type { PageAllocator } from './page.js';
import { PageTable, type Pte } from './pgtable.js';
import type { File } from './vfs.js';
import { vaddr, type Vaddr } from './types.js';

export type { Pte } from './pgtable.js';

/** struct vm_area_struct */
export class VmArea {
  constructor(
    readonly mm: MmStruct,
    public start: Vaddr,
    public end: Vaddr,
    public flags: number,
    public pageProt: bigint,
    /** vm_pgoff: for a file, the offset in pages; for private anon memory, start >> PAGE_SHIFT. */
    public pgoff: number,
    public file: File | null,
  ) {}

  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }
}

/** mm_context_t on x86: the LDT (descriptors of 8 bytes) and the lock that guards it. */
export interface MmContext {
  /** context.ldt: size * LDT_ENTRY_SIZE bytes. */
  ldt: Buffer;
  /** context.size: number of LDT entries allocated. */
  size: number;
  /** Who holds context.lock, if anyone (the seed can leave it held: defect 2). */
  lockHolder: string | null;
}

/** The layout fields of mm_struct that cr_hdr_mm carries. */
export interface MmLayout {
  startCode: Vaddr;
  endCode: Vaddr;
  startData: Vaddr;
  endData: Vaddr;
  startBrk: Vaddr;
  brk: Vaddr;
  startStack: Vaddr;
  argStart: Vaddr;
  argEnd: Vaddr;
  envStart: Vaddr;
  envEnd: Vaddr;
}

export const MM_LAYOUT_FIELDS: readonly (keyof MmLayout)[] = [
  'startCode', 'endCode', 'startData', 'endData', 'startBrk', 'brk', 'startStack',
  'argStart', 'argEnd', 'envStart', 'envEnd',
];

/** struct mm_struct */
export class MmStruct implements MmLayout {
  startCode = vaddr(0);
  endCode = vaddr(0);
  startData = vaddr(0);
  endData = vaddr(0);
  startBrk = vaddr(0);
  brk = vaddr(0);
  startStack = vaddr(0);
  argStart = vaddr(0);
  argEnd = vaddr(0);
  envStart = vaddr(0);
  envEnd = vaddr(0);
  /** mm->flags (dumpable bits, core-dump filter): the seed does not save it (defect 8). */
  flags = 0;
  /** mm->mmap: the VMAs, sorted by address and never overlapping. */
  readonly vmas: VmArea[] = [];
  /** The page table, by virtual page number; only touched pages have entries (zero-page ones kept as runs). */
  readonly ptes: PageTable;
  readonly context: MmContext = { ldt: Buffer.alloc(0), size: 0, lockHolder: null };
  /** mmap_sem, as a count of readers/writers, so the debugger can show it taken. */
  mmapSem = { readers: 0, writer: false };

  constructor(readonly allocator: PageAllocator) {
    this.ptes = new PageTable(allocator.zeroPage);
  }

  /** mm->map_count */
  get mapCount(): number {
    return this.vmas.length;
  }

  /** find_vma(): the first VMA that ends above addr. */
  findVma(addr: number): VmArea | undefined {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.vmas[mid]!.end > addr) hi = mid;
      else lo = mid + 1;
    }
    return this.vmas[lo];
  }

  /** The VMA containing addr, if any. */
  vmaAt(addr: number): VmArea | undefined {
    const vma = this.findVma(addr);
    return vma && vma.start <= addr ? vma : undefined;
  }

  insertVma(vma: VmArea): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i]!.start < vma.start) i++;
    this.vmas.splice(i, 0, vma);
  }

  pte(addr: number): Pte | undefined {
    return this.ptes.get(Math.floor(addr / PAGE_SIZE));
  }

  setPte(addr: number, pte: Pte): void {
    this.ptes.set(Math.floor(addr / PAGE_SIZE), pte);
  }

  /**
   * The end of the stretch from addr, at most limit, whose pages are absent or map ZERO_PAGE
   * read-only: what a read fault on anonymous memory would leave there. addr when a frame is mapped at addr.
   */
  zeroStretchEnd(addr: number, limit: number): number {
    return this.ptes.nextFrame(addr / PAGE_SIZE, limit / PAGE_SIZE) * PAGE_SIZE;
  }

  /**
   * Maps ZERO_PAGE read-only at every absent page of [start, end), which must map no frame;
   * returns how many ptes it made (each wants a get_page on ZERO_PAGE, as a read fault takes).
   */
  mapZeroRange(start: number, end: number): number {
    return this.ptes.mapZeroRange(start / PAGE_SIZE, end / PAGE_SIZE);
  }

  /**
   * zap_page_range(): drop the mappings of [start, end) and their page references. A zero run
   * is cut with no put_page: put_page on ZERO_PAGE does nothing (PageAllocator.putPage), as it
   * did when each zero pte was its own entry.
   */
  zapRange(start: number, end: number): void {
    this.ptes.zap(start / PAGE_SIZE, end / PAGE_SIZE, (page) => this.allocator.putPage(page));
  }

  /** change_protection() without write: every pte of [start, end) read-only (zero ptes already are). */
  wrprotectRange(start: number, end: number): void {
    for (const [, pte] of this.ptes.framesIn(start / PAGE_SIZE, end / PAGE_SIZE)) pte.writable = false;
  }

  /** Drops every mapping and the LDT: the mm of a task that exits. */
  teardown(): void {
    this.ptes.clear((page) => this.allocator.putPage(page));
    this.vmas.length = 0;
  }
}

export function pageIndex(vma: VmArea, addr: number): number {
  return (addr - vma.start) / PAGE_SIZE + vma.pgoff;
}


// mm_struct and vm_area_struct: the address space the seed saves and rebuilds.

import { PAGE_SIZE } from './constants.js';
import type { Page, PageAllocator } from './page.js';
import type { File } from './vfs.js';
import { vaddr, type Vaddr } from './types.js';

/** A page-table entry: the frame mapped at a page and whether writes go straight to it. */
export interface Pte {
  page: Page;
  writable: boolean;
}

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
  /** The page table, by virtual page number; only touched pages have entries. */
  readonly ptes = new Map<number, Pte>();
  readonly context: MmContext = { ldt: Buffer.alloc(0), size: 0, lockHolder: null };
  /** mmap_sem, as a count of readers/writers, so the debugger can show it taken. */
  mmapSem = { readers: 0, writer: false };

  constructor(readonly allocator: PageAllocator) {}

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

  /** zap_page_range(): drop the mappings of [start, end) and their page references. */
  zapRange(start: number, end: number): void {
    const first = start / PAGE_SIZE;
    const last = end / PAGE_SIZE;
    if (last - first > this.ptes.size) {
      for (const [vpn, pte] of this.ptes) {
        if (vpn >= first && vpn < last) {
          this.allocator.putPage(pte.page);
          this.ptes.delete(vpn);
        }
      }
      return;
    }
    for (let vpn = first; vpn < last; vpn++) {
      const pte = this.ptes.get(vpn);
      if (pte) {
        this.allocator.putPage(pte.page);
        this.ptes.delete(vpn);
      }
    }
  }

  /** Drops every mapping and the LDT: the mm of a task that exits. */
  teardown(): void {
    for (const pte of this.ptes.values()) this.allocator.putPage(pte.page);
    this.ptes.clear();
    this.vmas.length = 0;
  }
}

export function pageIndex(vma: VmArea, addr: number): number {
  return (addr - vma.start) / PAGE_SIZE + vma.pgoff;
}


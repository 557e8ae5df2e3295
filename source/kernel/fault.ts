// follow_page and handle_mm_fault: the zero page, the page cache and copy-on-write.

import { VM_FAULT_SIGBUS, VM_FAULT_WRITE, VM_SHARED, PAGE_SIZE } from './constants.js';
import { pageIndex, type MmStruct, type VmArea } from './mm.js';
import type { Page } from './page.js';

/** follow_page(vma, addr, FOLL_TOUCH): the page mapped at addr, or null when none is. */
export function followPage(vma: VmArea, addr: number): Page | null {
  return vma.mm.pte(addr)?.page ?? null;
}

/**
 * handle_mm_fault(): maps a page at addr. A read fault on anonymous memory maps ZERO_PAGE; a
 * write allocates. A file mapping maps the page-cache page; a write to a private one copies it
 * (COW) into an anonymous page. Returns VM_FAULT_* bits; 0 is a minor fault.
 */
export function handleMmFault(mm: MmStruct, vma: VmArea, addr: number, write: boolean): number {
  const alloc = mm.allocator;
  const pageAddr = addr - (addr % PAGE_SIZE);
  const pte = mm.pte(pageAddr);
  if (pte && (!write || pte.writable)) return 0;

  if (!vma.file) {
    if (!write) {
      alloc.getPage(alloc.zeroPage);
      mm.setPte(pageAddr, { page: alloc.zeroPage, writable: false });
      return 0;
    }
    if (pte && pte.page !== alloc.zeroPage && pte.page.count === 1) {
      pte.writable = true; // sole owner: reuse in place
      return VM_FAULT_WRITE;
    }
    const page = alloc.allocPage();
    if (pte) {
      pte.page.data().copy(page.data());
      alloc.putPage(pte.page);
    }
    mm.setPte(pageAddr, { page, writable: true });
    return VM_FAULT_WRITE;
  }

  const index = pageIndex(vma, pageAddr);
  const fileSize = vma.file.inode.data.length;
  if (index * PAGE_SIZE >= fileSize) {
    return VM_FAULT_SIGBUS; // a whole page beyond the end of the file
  }
  const shared = (vma.flags & VM_SHARED) !== 0;
  if (!pte) {
    const cached = vma.file.inode.mapping.readPage(index);
    alloc.getPage(cached);
    mm.setPte(pageAddr, { page: cached, writable: write && shared });
    if (!write || shared) return write ? VM_FAULT_WRITE : 0;
  } else if (shared) {
    pte.writable = true;
    return VM_FAULT_WRITE;
  }
  // write fault on a private file mapping: break COW away from the page cache
  const current = mm.pte(pageAddr)!;
  if (current.page.mapping === null && current.page.count === 1) {
    current.writable = true;
    return VM_FAULT_WRITE;
  }
  const copy = alloc.allocPage();
  current.page.data().copy(copy.data());
  alloc.putPage(current.page);
  mm.setPte(pageAddr, { page: copy, writable: true });
  return VM_FAULT_WRITE;
}

/**
 * handle_mm_fault(mm, vma, addr, 0) for every page of [start, end) of an anonymous VMA, in one
 * step: each absent page gets ZERO_PAGE read-only with its get_page, as a read fault gives it;
 * a page already on ZERO_PAGE is left alone, as a read fault leaves it. The range must map no
 * frame (MmStruct.zeroStretchEnd finds such a range).
 */
export function handleMmFaultZeroRun(mm: MmStruct, vma: VmArea, start: number, end: number): void {
  if (vma.file) throw new Error('handleMmFaultZeroRun: a file VMA faults in page-cache pages, not ZERO_PAGE');
  if (start < vma.start || end > vma.end) throw new Error('handleMmFaultZeroRun: range outside the VMA');
  const alloc = mm.allocator;
  alloc.getPages(alloc.zeroPage, mm.mapZeroRange(start, end));
}

// do_mmap_pgoff, do_munmap and mprotect_fixup, with the checks of 2.6.26.

import {
  MAP_DENYWRITE, MAP_EXECUTABLE, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, PAGE_SIZE,
  PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE, VM_ACCOUNT, VM_DENYWRITE, VM_EXEC, VM_EXECUTABLE,
  VM_GROWSDOWN, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE,
  vmGetPageProt,
} from './constants.js';
import { KernelError } from './errno.js';
import { VmArea, type MmStruct } from './mm.js';
import type { File } from './vfs.js';
import { vaddr, type Vaddr } from './types.js';

export function pageAlign(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** calc_vm_prot_bits() */
export function calcVmProtBits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** calc_vm_flag_bits() */
export function calcVmFlagBits(flags: number): number {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_DENYWRITE ? VM_DENYWRITE : 0) |
    (flags & MAP_EXECUTABLE ? VM_EXECUTABLE : 0);
}

/** do_mmap_pgoff(): maps [addr, addr+len) and returns addr, or fails with the errno of 2.6.26. */
export function doMmapPgoff(
  mm: MmStruct, file: File | null, addr: number, len: number, prot: number, flags: number, pgoff: number,
): Vaddr {
  const fn = 'do_mmap_pgoff';
  if (!len) throw new KernelError('EINVAL', fn, 'len is 0');
  len = pageAlign(len);
  if (!len || len > TASK_SIZE) throw new KernelError('ENOMEM', fn, `len ${len} exceeds TASK_SIZE`);
  if (pgoff + len / PAGE_SIZE < pgoff || pgoff + len / PAGE_SIZE > Number.MAX_SAFE_INTEGER) {
    throw new KernelError('EOVERFLOW', fn, 'pgoff + len wraps');
  }
  if (!(flags & MAP_FIXED)) throw new KernelError('EINVAL', fn, 'only MAP_FIXED is simulated');
  if (addr % PAGE_SIZE) throw new KernelError('EINVAL', fn, `addr 0x${addr.toString(16)} not page aligned`);
  if (addr > TASK_SIZE - len) throw new KernelError('ENOMEM', fn, `0x${addr.toString(16)}+${len} beyond TASK_SIZE`);

  let vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  const type = flags & (MAP_SHARED | MAP_PRIVATE);
  if (file) {
    if (!file.readable) throw new KernelError('EACCES', fn, 'file not open for reading');
    if (type === MAP_SHARED) {
      if (prot & PROT_WRITE && !file.writable) throw new KernelError('EACCES', fn, 'shared writable map of a read-only file');
      vmFlags |= VM_SHARED | VM_MAYSHARE;
      if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
    } else if (type !== MAP_PRIVATE) {
      throw new KernelError('EINVAL', fn, 'neither MAP_SHARED nor MAP_PRIVATE');
    }
  } else if (type === MAP_SHARED) {
    vmFlags |= VM_SHARED | VM_MAYSHARE;
    pgoff = 0;
  } else if (type === MAP_PRIVATE) {
    pgoff = addr / PAGE_SIZE; // anonymous private: the "global" page offset
  } else {
    throw new KernelError('EINVAL', fn, 'neither MAP_SHARED nor MAP_PRIVATE');
  }
  if (!(vmFlags & VM_SHARED) && vmFlags & VM_WRITE) vmFlags |= VM_ACCOUNT; // accountable_mapping

  doMunmap(mm, addr, len); // MAP_FIXED replaces what was there
  const vma = new VmArea(mm, vaddr(addr), vaddr(addr + len), vmFlags, vmGetPageProt(vmFlags), pgoff, file);
  mm.insertVma(vma);
  return vaddr(addr);
}

/** split_vma(): cuts vma at addr; the part above addr becomes a new VMA. */
function splitVma(mm: MmStruct, vma: VmArea, at: number): VmArea {
  const upper = new VmArea(mm, vaddr(at), vma.end, vma.flags, vma.pageProt,
    vma.pgoff + (at - vma.start) / PAGE_SIZE, vma.file);
  vma.end = vaddr(at);
  mm.insertVma(upper);
  return upper;
}

/** do_munmap(): unmaps [start, start+len), splitting VMAs at the edges. */
export function doMunmap(mm: MmStruct, start: number, len: number): void {
  const fn = 'do_munmap';
  if (start % PAGE_SIZE || start > TASK_SIZE || len > TASK_SIZE - start) {
    throw new KernelError('EINVAL', fn, `bad range 0x${start.toString(16)}+${len}`);
  }
  len = pageAlign(len);
  if (len === 0) throw new KernelError('EINVAL', fn, 'len is 0');
  const end = start + len;
  let vma = mm.findVma(start);
  if (!vma || vma.start >= end) return;
  if (vma.start < start) vma = splitVma(mm, vma, start);
  const last = mm.findVma(end - 1);
  if (last && last.start < end && last.end > end) splitVma(mm, last, end);
  for (let i = mm.vmas.length - 1; i >= 0; i--) {
    const v = mm.vmas[i]!;
    if (v.start >= start && v.end <= end) mm.vmas.splice(i, 1);
  }
  mm.zapRange(start, end);
}

/** mprotect_fixup(): gives [start, end) of vma the new vm_flags; removing write makes ptes read-only. */
export function mprotectFixup(mm: MmStruct, vma: VmArea, start: number, end: number, newFlags: number): VmArea {
  if (vma.start < start) vma = splitVma(mm, vma, start);
  if (vma.end > end) splitVma(mm, vma, end);
  vma.flags = newFlags;
  vma.pageProt = vmGetPageProt(newFlags);
  if (!(newFlags & VM_WRITE)) mm.wrprotectRange(vma.start, vma.end);
  return vma;
}

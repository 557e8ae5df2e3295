// Constants of the 2.6.26 x86_64 kernel the seed was written against.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** x86_64 TASK_SIZE_MAX of that era: the 47-bit user address space less one guard page. */
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;

// vm_flags (include/linux/mm.h)
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_GROWSUP = 0x200;
export const VM_PFNMAP = 0x400;
export const VM_DENYWRITE = 0x800;
export const VM_EXECUTABLE = 0x1000;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_RESERVED = 0x80000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_NONLINEAR = 0x800000;
export const VM_ALWAYSDUMP = 0x4000000;

/** Every vm_flags bit by name, for parsing samples and printing flags. */
export const VM_FLAG_NAMES: Readonly<Record<string, number>> = {
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE,
  VM_GROWSDOWN, VM_GROWSUP, VM_PFNMAP, VM_DENYWRITE, VM_EXECUTABLE, VM_LOCKED, VM_IO,
  VM_DONTCOPY, VM_DONTEXPAND, VM_RESERVED, VM_ACCOUNT, VM_NORESERVE, VM_HUGETLB, VM_NONLINEAR,
  VM_ALWAYSDUMP,
};

// mmap(2) protection and flags (asm-generic/mman.h)
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_SEM = 0x8;

export const MAP_SHARED = 0x1;
export const MAP_PRIVATE = 0x2;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x100;
export const MAP_DENYWRITE = 0x800;
export const MAP_EXECUTABLE = 0x1000;

// open(2) flags
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;

// x86_64 pte bits (asm-x86/pgtable.h); vm_page_prot is a 64-bit value, so bigint.
export const _PAGE_PRESENT = 0x1n;
export const _PAGE_RW = 0x2n;
export const _PAGE_USER = 0x4n;
export const _PAGE_ACCESSED = 0x20n;
export const _PAGE_DIRTY = 0x40n;
export const _PAGE_PROTNONE = 0x100n;
export const _PAGE_NX = 1n << 63n;

export const PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED;
export const PAGE_SHARED = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
export const PAGE_SHARED_EXEC = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
export const PAGE_COPY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
export const PAGE_COPY_EXEC = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
export const PAGE_READONLY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
export const PAGE_READONLY_EXEC = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;

/** protection_map[]: __P000..__P111 then __S000..__S111, indexed by vm_flags & 0xf. */
export const PROTECTION_MAP: readonly bigint[] = [
  PAGE_NONE, PAGE_READONLY, PAGE_COPY, PAGE_COPY,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_COPY_EXEC, PAGE_COPY_EXEC,
  PAGE_NONE, PAGE_READONLY, PAGE_SHARED, PAGE_SHARED,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
];

/** vm_get_page_prot */
export function vmGetPageProt(vmFlags: number): bigint {
  return PROTECTION_MAP[vmFlags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)]!;
}

// handle_mm_fault results
export const VM_FAULT_OOM = 0x1;
export const VM_FAULT_SIGBUS = 0x2;
export const VM_FAULT_MAJOR = 0x4;
export const VM_FAULT_WRITE = 0x8;
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS;

// x86 LDT
export const LDT_ENTRY_SIZE = 8;
export const LDT_ENTRIES = 8192;

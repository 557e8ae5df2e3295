// vm_flags of a real mapping, as the 2.6.26 constants: from smaps' VmFlags when the kernel prints
// them (the source of truth), else derived from the perms and the name as mmap would set them.

import {
  VM_ACCOUNT, VM_ALWAYSDUMP, VM_DENYWRITE, VM_DONTCOPY, VM_DONTEXPAND, VM_EXEC, VM_EXECUTABLE, VM_FLAG_NAMES,
  VM_GROWSDOWN, VM_GROWSUP, VM_HUGETLB, VM_IO, VM_LOCKED, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_NONLINEAR,
  VM_NORESERVE, VM_PFNMAP, VM_READ, VM_RESERVED, VM_SHARED, VM_WRITE,
} from '../kernel/constants.js';
import { mappingKind, type SmapsEntry } from './maps.js';

/** smaps' VmFlags mnemonics that have a 2.6.26 vm_flags bit. */
export const MNEMONIC_FLAGS: Readonly<Record<string, number>> = {
  rd: VM_READ, wr: VM_WRITE, ex: VM_EXEC, sh: VM_SHARED, mr: VM_MAYREAD, mw: VM_MAYWRITE, me: VM_MAYEXEC,
  ms: VM_MAYSHARE, gd: VM_GROWSDOWN, gu: VM_GROWSUP, pf: VM_PFNMAP, dw: VM_DENYWRITE, lo: VM_LOCKED, io: VM_IO,
  dc: VM_DONTCOPY, de: VM_DONTEXPAND, ac: VM_ACCOUNT, nr: VM_NORESERVE, ht: VM_HUGETLB, nl: VM_NONLINEAR,
};

export interface DerivedFlags {
  flags: number;
  /** Mnemonics with no 2.6.26 bit (sr, rr, dd, sd, mm, hg, nh, mg, ...): kept for people. */
  unmapped: string[];
  /** Where the flags came from. */
  source: 'smaps' | 'perms';
}

/**
 * The VMA's vm_flags. Era additions on top of what the running kernel reports: the executable's
 * own mappings get VM_EXECUTABLE | VM_DENYWRITE (binfmt_elf mapped them with MAP_EXECUTABLE |
 * MAP_DENYWRITE), the vDSO VM_ALWAYSDUMP (install_special_mapping of 2.6.26).
 */
export function deriveVmFlags(e: SmapsEntry, exePath: string | null): DerivedFlags {
  const kind = mappingKind(e);
  let flags = 0;
  const unmapped: string[] = [];
  let source: DerivedFlags['source'];
  if (e.vmFlags) {
    source = 'smaps';
    for (const m of e.vmFlags) {
      const bit = MNEMONIC_FLAGS[m];
      if (bit === undefined) unmapped.push(m);
      else flags |= bit;
    }
  } else {
    source = 'perms';
    const p = e.perms;
    flags = (p[0] === 'r' ? VM_READ : 0) | (p[1] === 'w' ? VM_WRITE : 0) | (p[2] === 'x' ? VM_EXEC : 0) |
      VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (p[3] === 's') {
      // without VmFlags the file's open mode is unknown: a writable shared map needs a writable file
      flags |= VM_MAYSHARE | (p[1] === 'w' || kind !== 'file' ? VM_SHARED : 0);
      if (!(flags & VM_SHARED)) flags &= ~VM_MAYWRITE;
    } else if (p[1] === 'w') {
      flags |= VM_ACCOUNT;
    }
    if (kind === 'stack') flags |= VM_GROWSDOWN;
    if (kind === 'vvar') flags = (flags & ~(VM_MAYWRITE | VM_MAYEXEC)) | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_RESERVED;
    if (kind === 'vdso') flags |= VM_DONTEXPAND;
  }
  if (kind === 'vdso') flags |= VM_ALWAYSDUMP;
  if (kind === 'file' && exePath !== null && e.name === exePath) flags |= VM_EXECUTABLE | VM_DENYWRITE;
  return { flags, unmapped, source };
}

/** The names of flags's bits, lowest first. */
export function flagNames(flags: number): string[] {
  return Object.entries(VM_FLAG_NAMES).filter(([, bit]) => flags & bit).map(([name]) => name);
}

/** The bits the perms letters already say (rwx, the MAY bits mmap always sets, shared). */
export const PERMS_IMPLIED = VM_READ | VM_WRITE | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_SHARED;

/** What the seed refuses (-ETXTBSY), and what only a shared mapping being saved as private is (defect 8). */
export const SEED_REFUSES = VM_SHARED | VM_IO | VM_HUGETLB | VM_NONLINEAR;

/** Why --skip-unsupported leaves a VMA out, or null when the seed can checkpoint it faithfully. */
export function unsupportedReason(flags: number): string | null {
  const bad = flagNames(flags & SEED_REFUSES);
  if (bad.length) return `vm_flags ${bad.join('|')}: the seed refuses the VMA with -ETXTBSY`;
  if (flags & VM_MAYSHARE) return 'VM_MAYSHARE: a shared mapping the seed would save as private (defect 8)';
  return null;
}

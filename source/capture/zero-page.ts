// The frame of ZERO_PAGE, found as CRIU finds it: fault an anonymous page in for reading (here
// in our own address space, through /proc/self/mem) and look its frame up in pagemap.

import * as fs from 'node:fs';
import { PAGE_SIZE } from '../kernel/constants.js';
import { mappingKind, parseSmaps } from './maps.js';
import { PagemapReader } from './pagemap.js';
import { readProc } from './proc.js';

const HUGE = 2 * 1024 * 1024;
const KPF_ZERO_PAGE = 24n;

function thpMode(): string {
  try {
    return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'never';
  } catch {
    return 'never';
  }
}

let cached: number | null | undefined;

/**
 * ZERO_PAGE's frame number, or null when frame numbers are hidden from us (pagemap shows them
 * only with CAP_SYS_ADMIN) or no page could be probed.
 */
export function zeroPagePfn(): number | null {
  if (cached !== undefined) return cached;
  cached = probe();
  return cached;
}

function probe(): number | null {
  const mode = thpMode();
  const pm = new PagemapReader('self');
  let mem: number | null = null;
  try {
    mem = fs.openSync('/proc/self/mem', 'r');
    for (const v of parseSmaps(readProc('self', 'smaps'))) {
      if (mappingKind(v) !== 'anon' || v.perms !== 'rw-p') continue;
      const flags = v.vmFlags ?? [];
      // a read fault in a THP-eligible 2 MiB block could map the huge zero page instead
      const thpOk = mode === 'never' || flags.includes('nh') || (mode === 'madvise' && !flags.includes('hg'));
      const entries = pm.read(v.start, (v.end - v.start) / PAGE_SIZE).slice();
      for (let i = 0; i < entries.length; i++) {
        const addr = v.start + i * PAGE_SIZE;
        const block = addr - (addr % HUGE);
        if (!thpOk && block >= v.start && block + HUGE <= v.end) continue;
        if (entries[i] !== 0n) continue; // present or swapped
        const one = Buffer.alloc(1);
        fs.readSync(mem, one, 0, 1, addr);
        const e = pm.entry(addr);
        if (!e.present || e.file) continue;
        return e.pfn === 0 ? null : e.pfn;
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    if (mem !== null) fs.closeSync(mem);
    pm.close();
  }
}

let kpageflags: number | null | undefined;

/** Whether /proc/kpageflags marks pfn as a zero page (4 KiB or huge); null when it cannot be read. */
export function isZeroPfn(pfn: number): boolean | null {
  if (kpageflags === undefined) {
    try {
      kpageflags = fs.openSync('/proc/kpageflags', 'r');
    } catch {
      kpageflags = null;
    }
  }
  if (kpageflags === null) return null;
  const b = Buffer.alloc(8);
  try {
    if (fs.readSync(kpageflags, b, 0, 8, pfn * 8) !== 8) return null;
  } catch {
    return null;
  }
  return ((b.readBigUInt64LE(0) >> KPF_ZERO_PAGE) & 1n) === 1n;
}

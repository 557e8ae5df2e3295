// /proc/PID/pagemap: one u64 per virtual page (Documentation/admin-guide/mm/pagemap.rst).

import { PAGE_SIZE } from '../kernel/constants.js';
import { openProc, preadFull, procError } from './proc.js';
import * as fs from 'node:fs';

export const PM_PRESENT = 1n << 63n;
export const PM_SWAP = 1n << 62n;
/** A file page or shared anonymous page (page not PageAnon): a page-cache page. */
export const PM_FILE = 1n << 61n;
/** Mapped by exactly one pte. */
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
const PFN_MASK = (1n << 55n) - 1n;

export interface PagemapEntry {
  present: boolean;
  swapped: boolean;
  file: boolean;
  exclusive: boolean;
  /** The frame number; 0 when hidden (no CAP_SYS_ADMIN) or not present. */
  pfn: number;
}

export function decodePagemap(v: bigint): PagemapEntry {
  const present = (v & PM_PRESENT) !== 0n;
  return {
    present, swapped: (v & PM_SWAP) !== 0n, file: (v & PM_FILE) !== 0n, exclusive: (v & PM_MMAP_EXCLUSIVE) !== 0n,
    pfn: present ? Number(v & PFN_MASK) : 0,
  };
}

/** Positioned reads of one process's pagemap, in chunks. */
export class PagemapReader {
  private readonly fd: number;
  readonly file: string;
  private buf = Buffer.alloc(0);

  constructor(private readonly pid: number | 'self') {
    const o = openProc(pid, 'pagemap');
    this.fd = o.fd;
    this.file = o.file;
  }

  /** The raw entries of [start, start + pages * PAGE_SIZE), as a BigUint64Array view (valid until the next call). */
  read(start: number, pages: number): BigUint64Array {
    const bytes = pages * 8;
    if (this.buf.length < bytes) this.buf = Buffer.alloc(Math.max(bytes, 64 * 1024));
    let n: number;
    try {
      n = preadFull(this.fd, this.buf, bytes, (start / PAGE_SIZE) * 8);
    } catch (e) {
      throw procError(this.file, e, typeof this.pid === 'number' ? this.pid : undefined);
    }
    if (n < bytes) throw procError(this.file, Object.assign(new Error('short read'), { code: 'EIO' }), typeof this.pid === 'number' ? this.pid : undefined);
    return new BigUint64Array(this.buf.buffer, this.buf.byteOffset, pages);
  }

  entry(addr: number): PagemapEntry {
    return decodePagemap(this.read(addr - (addr % PAGE_SIZE), 1)[0]!);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

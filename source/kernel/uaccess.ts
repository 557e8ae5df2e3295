// copy_to_user / copy_from_user on a simulated mm: faults pages in, -EFAULT where nothing is mapped.

import { PAGE_SIZE, VM_READ, VM_WRITE } from './constants.js';
import { KernelError } from './errno.js';
import { handleMmFault } from './fault.js';
import type { MmStruct } from './mm.js';

/**
 * The bytes of the user page at addr, ready to be written, as copy_to_user's page fault
 * leaves it: -EFAULT when no writable VMA covers addr.
 */
export function userPageForWrite(mm: MmStruct, addr: number, fn = 'copy_to_user'): Buffer {
  const pte = mm.pte(addr);
  if (pte?.writable) return pte.page.data();
  const vma = mm.vmaAt(addr);
  if (!vma) throw new KernelError('EFAULT', fn, `no VMA at 0x${addr.toString(16)}`);
  if (!(vma.flags & VM_WRITE)) throw new KernelError('EFAULT', fn, `VMA at 0x${addr.toString(16)} not writable`);
  const ret = handleMmFault(mm, vma, addr, true);
  if (ret & 0x3) throw new KernelError('EFAULT', fn, `fault at 0x${addr.toString(16)} failed`);
  return mm.pte(addr)!.page.data();
}

/** copy_to_user() */
export function copyToUser(mm: MmStruct, addr: number, src: Buffer): void {
  let done = 0;
  while (done < src.length) {
    const a = addr + done;
    const inPage = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, src.length - done);
    src.copy(userPageForWrite(mm, a - inPage), inPage, done, done + n);
    done += n;
  }
}

/** copy_from_user(): reads user memory, faulting pages in for reading. */
export function copyFromUser(mm: MmStruct, addr: number, len: number): Buffer {
  const out = Buffer.alloc(len);
  let done = 0;
  while (done < len) {
    const a = addr + done;
    const inPage = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, len - done);
    let pte = mm.pte(a);
    if (!pte) {
      const vma = mm.vmaAt(a);
      if (!vma || !(vma.flags & VM_READ)) throw new KernelError('EFAULT', 'copy_from_user', `no readable VMA at 0x${a.toString(16)}`);
      if (handleMmFault(mm, vma, a, false) & 0x3) throw new KernelError('EFAULT', 'copy_from_user', `fault at 0x${a.toString(16)}`);
      pte = mm.pte(a)!;
    }
    pte.page.data().copy(out, done, inPage, inPage + n);
    done += n;
  }
  return out;
}

/** flush_icache_range(): a no-op on x86 (coherent caches); kept so the debugger can show it. */
export function flushIcacheRange(_start: number, _end: number): void {}

/**
 * What a read of the page at addr would see, without faulting anything in: the mapped page,
 * else the file's bytes for a file VMA, else zeros. null where no VMA covers addr.
 */
export function peekUserPage(mm: MmStruct, addr: number): Buffer | null {
  const pte = mm.pte(addr);
  if (pte) return pte.page.data();
  const vma = mm.vmaAt(addr);
  if (!vma) return null;
  const out = Buffer.alloc(PAGE_SIZE);
  if (vma.file) {
    const from = ((addr - vma.start) / PAGE_SIZE + vma.pgoff) * PAGE_SIZE;
    const data = vma.file.inode.data;
    if (from < data.length) data.copy(out, 0, from, Math.min(from + PAGE_SIZE, data.length));
  }
  return out;
}

// Builds a task in the simulated kernel from a sample: its files, mappings, LDT, and what it did
// to its memory, through the kernel's own mmap, fault and modify_ldt paths.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MAP_DENYWRITE, MAP_EXECUTABLE, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, O_RDONLY, O_RDWR, PAGE_SIZE,
  PROT_EXEC, PROT_READ, PROT_WRITE, VM_DENYWRITE, VM_EXECUTABLE, VM_FLAG_NAMES, VM_GROWSDOWN, VM_MAYEXEC, VM_MAYREAD,
  VM_MAYSHARE, VM_MAYWRITE, VM_SHARED, VM_WRITE, VM_READ, VM_EXEC, vmGetPageProt,
} from '../kernel/constants.js';
import { isKernelError } from '../kernel/errno.js';
import { handleMmFault } from '../kernel/fault.js';
import { modifyLdt } from '../kernel/ldt.js';
import { doMmapPgoff, mprotectFixup } from '../kernel/mmap.js';
import { Kernel, type Task } from '../kernel/task.js';
import { userPageForWrite } from '../kernel/uaccess.js';
import { vaddr } from '../kernel/types.js';
import type { Vfs } from '../kernel/vfs.js';
import type { VmArea } from '../kernel/mm.js';
import { fillPage } from './generate.js';
import { SampleError } from './parse.js';
import { MM_SAMPLE_FIELDS, type Contents, type Sample } from './schema.js';

/** What the mm's TS field is called for each C field name of the sample. */
const MM_TS = {
  start_code: 'startCode', end_code: 'endCode', start_data: 'startData', end_data: 'endData', start_brk: 'startBrk',
  brk: 'brk', start_stack: 'startStack', arg_start: 'argStart', arg_end: 'argEnd', env_start: 'envStart', env_end: 'envEnd',
} as const;

export function protOf(perms: string): number {
  return (perms[0] === 'r' ? PROT_READ : 0) | (perms[1] === 'w' ? PROT_WRITE : 0) | (perms[2] === 'x' ? PROT_EXEC : 0);
}

/** The literal bytes of a contents spec (not for generated contents). */
function literal(c: Contents, sample: Sample, jsonPath: string): Buffer {
  const where = sample.origin ?? 'sample';
  if ('text' in c) return Buffer.from(c.text, 'utf8');
  if ('hex' in c) return Buffer.from(c.hex, 'hex');
  if ('base64' in c) return Buffer.from(c.base64, 'base64');
  if ('blob' in c) {
    const file = path.resolve(path.dirname(sample.origin ?? '.'), c.blob.file);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new SampleError(where, `${jsonPath}.blob.file`, `cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    try {
      const b = Buffer.alloc(c.blob.length);
      const n = fs.readSync(fd, b, 0, b.length, c.blob.offset);
      if (n < b.length) throw new SampleError(where, `${jsonPath}.blob`, `${file} holds only ${n} of ${b.length} bytes at offset ${c.blob.offset}`);
      return b;
    } finally {
      fs.closeSync(fd);
    }
  }
  throw new SampleError(where, jsonPath, 'generated contents have no literal bytes');
}

function fileData(sample: Sample, i: number): Buffer {
  const f = sample.files[i]!;
  const jsonPath = `$.files[${i}].contents`;
  if (f.contents === undefined) {
    // a captured file: zeros where nothing was captured, each range laid over it
    const data = Buffer.alloc(f.size ?? 0);
    (f.ranges ?? []).forEach((r, k) => {
      const bytes = literal(r.contents, sample, `$.files[${i}].ranges[${k}].contents`);
      bytes.copy(data, r.offset, 0, Math.min(bytes.length, data.length - r.offset));
    });
    return data;
  }
  if ('generate' in f.contents) {
    const size = f.size ?? PAGE_SIZE;
    const data = Buffer.alloc(size);
    const page = Buffer.alloc(PAGE_SIZE);
    for (let off = 0; off < size; off += PAGE_SIZE) {
      fillPage(f.contents.generate, page, f.contents.seed ?? i + 1, off);
      page.copy(data, off, 0, Math.min(PAGE_SIZE, size - off));
    }
    return data;
  }
  const bytes = literal(f.contents, sample, jsonPath);
  const data = f.size !== undefined && f.size > bytes.length ? Buffer.concat([bytes, Buffer.alloc(f.size - bytes.length)]) : bytes;
  (f.ranges ?? []).forEach((r, k) => {
    literal(r.contents, sample, `$.files[${i}].ranges[${k}].contents`).copy(data, r.offset);
  });
  return data;
}

/** Fills a VFS with the sample's files. */
export function buildVfs(kernel: Kernel, sample: Sample): Vfs {
  const vfs = kernel.newVfs();
  sample.files.forEach((f, i) => vfs.addFile(f.path, fileData(sample, i)));
  return vfs;
}

/** Builds the sample's process as a task of kernel. */
export function buildTask(kernel: Kernel, sample: Sample): Task {
  const where = sample.origin ?? 'sample';
  const task = kernel.newTask(sample.pid, sample.comm, buildVfs(kernel, sample));
  const mm = task.mm;

  sample.vmas.forEach((v, i) => {
    const jsonPath = `$.vmas[${i}]`;
    const shared = v.perms[3] === 's';
    const prot = protOf(v.perms);
    const extra = (v.flags ?? []).reduce((acc, name) => acc | VM_FLAG_NAMES[name]!, 0);
    const mapFlags = MAP_FIXED | (shared ? MAP_SHARED : MAP_PRIVATE) | (extra & VM_GROWSDOWN ? MAP_GROWSDOWN : 0) |
      (extra & VM_DENYWRITE ? MAP_DENYWRITE : 0) | (extra & VM_EXECUTABLE ? MAP_EXECUTABLE : 0);
    try {
      const file = v.file === undefined ? null
        : task.root.filpOpen(v.file, shared && prot & PROT_WRITE ? O_RDWR : O_RDONLY);
      doMmapPgoff(mm, file, v.start, v.end - v.start, prot, mapFlags, v.pgoff ?? 0);
    } catch (e) {
      if (isKernelError(e)) throw new SampleError(where, jsonPath, `${e.fn} failed with -${e.errno}: ${e.check}`);
      throw e;
    }
    // vm_flags that mmap(2) cannot ask for (VM_IO, VM_LOCKED, a shared map of a read-only file, ...)
    const vma = mm.vmaAt(v.start)!;
    const implied = VM_READ | VM_WRITE | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_SHARED | VM_MAYSHARE;
    if (extra & ~implied & ~(VM_GROWSDOWN | VM_DENYWRITE | VM_EXECUTABLE)) {
      vma.flags |= extra & ~implied;
    }
    if (extra & VM_MAYSHARE && !(extra & VM_SHARED)) vma.flags = (vma.flags | VM_MAYSHARE) & ~VM_SHARED;
    if (v.vmFlags !== undefined) vma.flags = v.vmFlags; // a captured VMA: exactly the flags it had
    vma.pageProt = vmGetPageProt(vma.flags);
  });

  for (const f of MM_SAMPLE_FIELDS) mm[MM_TS[f]] = vaddr(sample.mm[f]);
  mm.flags = sample.mm.flags ?? 0;

  sample.ldt.forEach((e, i) => {
    try {
      modifyLdt(mm, 0x11, {
        entryNumber: e.entry, baseAddr: e.base, limit: e.limit, seg32bit: e.seg32bit ?? 1, contents: e.contents ?? 0,
        readExecOnly: e.readExecOnly ?? 0, limitInPages: e.limitInPages ?? 0, segNotPresent: e.segNotPresent ?? 0,
        useable: e.useable ?? 0, lm: 0,
      });
    } catch (err) {
      if (isKernelError(err)) throw new SampleError(where, `$.ldt[${i}]`, `modify_ldt failed with -${err.errno}: ${err.check}`);
      throw err;
    }
  });

  sample.activity.forEach((a, i) => applyActivity(task, sample, a, `$.activity[${i}]`));
  return task;
}

/**
 * A write into a VMA without VM_WRITE as get_user_pages(FOLL_WRITE | FOLL_FORCE) makes it for
 * ptrace and /proc/PID/mem: allowed when the VMA has VM_MAYWRITE; a private VMA gets a COW copy,
 * mapped read-only as the VMA is.
 */
function forcedWrite(mm: Task['mm'], vma: VmArea, addr: number, where: string, jsonPath: string): Buffer {
  if (!(vma.flags & VM_MAYWRITE)) {
    throw new SampleError(where, jsonPath, `VMA at 0x${vma.start.toString(16)} has no VM_MAYWRITE: even a forced write fails`);
  }
  if (vma.flags & VM_MAYSHARE && !(vma.flags & VM_SHARED)) {
    throw new SampleError(where, jsonPath, `VMA at 0x${vma.start.toString(16)} is a read-only shared mapping: a forced write fails`);
  }
  const page = addr - (addr % PAGE_SIZE);
  if (handleMmFault(mm, vma, page, true) & 0x3) {
    throw new SampleError(where, jsonPath, `forced write fault at 0x${page.toString(16)} failed (beyond the end of its file?)`);
  }
  const pte = mm.pte(page)!;
  pte.writable = false;
  return pte.page.data();
}

function applyActivity(task: Task, sample: Sample, a: Sample['activity'][number], jsonPath: string): void {
  const where = sample.origin ?? 'sample';
  const mm = task.mm;
  const vmaFor = (addr: number) => {
    const vma = mm.vmaAt(addr);
    if (!vma) throw new SampleError(where, jsonPath, `0x${addr.toString(16)} is not inside any VMA`);
    return vma;
  };
  if (a.start % PAGE_SIZE && a.op !== 'write') throw new SampleError(where, `${jsonPath}.start`, 'not page aligned');

  switch (a.op) {
    case 'read':
      for (let k = 0; k < a.pages; k++) {
        const addr = a.start + k * PAGE_SIZE;
        if (handleMmFault(mm, vmaFor(addr), addr, false) & 0x3) {
          throw new SampleError(where, jsonPath, `read fault at 0x${addr.toString(16)} failed (beyond the end of its file?)`);
        }
      }
      return;
    case 'write': {
      const writable = (addr: number): Buffer => {
        const vma = vmaFor(addr);
        if (a.force && !(vma.flags & VM_WRITE)) return forcedWrite(mm, vma, addr, where, jsonPath);
        if (!(vma.flags & VM_WRITE)) {
          throw new SampleError(where, jsonPath, `VMA at 0x${vma.start.toString(16)} is not writable: write first, then mprotect`);
        }
        try {
          return userPageForWrite(mm, addr);
        } catch (e) {
          if (isKernelError(e)) throw new SampleError(where, jsonPath, `write fault at 0x${addr.toString(16)}: -${e.errno} ${e.check}`);
          throw e;
        }
      };
      const c = a.contents ?? { generate: 'random' as const };
      if ('generate' in c) {
        if (a.start % PAGE_SIZE) throw new SampleError(where, `${jsonPath}.start`, 'generated writes cover whole pages: not page aligned');
        for (let k = 0; k < (a.pages ?? 1); k++) {
          const addr = a.start + k * PAGE_SIZE;
          fillPage(c.generate, writable(addr), c.seed ?? 1, addr);
        }
        return;
      }
      const bytes = literal(c, sample, `${jsonPath}.contents`);
      for (let done = 0; done < bytes.length;) {
        const addr = a.start + done;
        const inPage = addr % PAGE_SIZE;
        const n = Math.min(PAGE_SIZE - inPage, bytes.length - done);
        bytes.copy(writable(addr - inPage), inPage, done, done + n);
        done += n;
      }
      return;
    }
    case 'mprotect': {
      const end = a.start + a.pages * PAGE_SIZE;
      const vma = vmaFor(a.start);
      if (end > vma.end) throw new SampleError(where, jsonPath, 'mprotect range crosses the end of its VMA');
      const prot = protOf(a.perms);
      const flags = (vma.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | (prot & PROT_READ ? VM_READ : 0) |
        (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
      mprotectFixup(mm, vma, a.start, end, flags);
      return;
    }
  }
}

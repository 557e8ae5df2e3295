// Captures a live Linux process into a sample: its VMAs and vm_flags, mm fields, the mapped
// ranges of its files, and for every page the activity that reproduces its state through the
// simulated fault paths (read: zero page or clean page-cache page; write: a dirty page's bytes).

import * as fs from 'node:fs';
import { PAGE_SIZE, TASK_SIZE, VM_IO, VM_MAYSHARE, VM_MAYWRITE, VM_PFNMAP, VM_SHARED, VM_WRITE } from '../kernel/constants.js';
import type { Sample, SampleSkippedVma, SampleVma } from '../sample/schema.js';
import { ActivityBuilder, BATCH_PAGES } from './activity.js';
import { FileRanges, captureFiles } from './files.js';
import { deriveVmFlags, flagNames, PERMS_IMPLIED, unsupportedReason } from './flags.js';
import { mappingKind, parseMaps, parseSmaps, type MapsEntry, type SmapsEntry } from './maps.js';
import { MemReader } from './mem.js';
import { decodePagemap, PagemapReader } from './pagemap.js';
import { CaptureError, readProc } from './proc.js';
import { statOf, stopProcess } from './stop.js';
import { SampleWriter } from './writer.js';
import { isZeroPfn, zeroPagePfn } from './zero-page.js';

export interface CaptureOptions {
  /** Leave out the VMAs the seed cannot checkpoint faithfully, each named in the sample's warnings. */
  skipUnsupported?: boolean;
  /** The process is already stopped by the caller: send neither SIGSTOP nor SIGCONT. */
  stopped?: boolean;
  /** Milliseconds to wait for SIGSTOP to take effect. */
  stopTimeoutMs?: number;
}

/** How the pages of the captured VMAs were found (each page counted once). */
export interface PageCounts {
  /** Not present and not swapped: the simulated scan will fault them in. */
  absent: number;
  /** Present on ZERO_PAGE (or the huge zero page). */
  zero: number;
  /** Present page-cache pages: of a private file mapping (the seed's clean cow pages) or a shared one. */
  clean: number;
  /** Anonymous or copied pages, present or swapped: the pages the seed dumps. Their bytes are in the blob. */
  dirty: number;
  /** Of the dirty pages, those that were swapped out. */
  swapped: number;
  /** Pages of VM_IO / VM_PFNMAP VMAs, which are not read. */
  special: number;
}

export interface CaptureResult {
  sample: Sample;
  output: string;
  blobPath: string;
  blobBytes: number;
  pages: PageCounts;
  /** Addresses of the dirty pages, in order (what the image should hold). */
  dirtyPages: number[];
  skipped: SampleSkippedVma[];
  zeroPfn: number | null;
  /** Whether zero pages were told by frame number (else by content and sharing). */
  pfnsVisible: boolean;
  stoppedBy: 'capture' | 'caller' | 'already';
  seconds: number;
}

/** Pages per pagemap read. */
const PAGEMAP_CHUNK = 8192;

const hex = (n: number) => '0x' + n.toString(16);

/** What one page needs: nothing, a read fault, or its bytes (then decided: zero or dirty). */
type PageNeed = 'absent' | 'read-zero' | 'read-clean' | 'bytes';

interface VmaContext {
  entry: SmapsEntry;
  flags: number;
  isFile: boolean;
  shared: boolean;
}

function isAllZero(b: Buffer, off: number): boolean {
  for (let i = off; i < off + PAGE_SIZE; i += 8) if (b.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

class Capturer {
  readonly acts = new ActivityBuilder();
  readonly pages: PageCounts = { absent: 0, zero: 0, clean: 0, dirty: 0, swapped: 0, special: 0 };
  readonly dirtyPages: number[] = [];
  readonly warnings: string[] = [];
  private readonly batchBuf = Buffer.alloc(BATCH_PAGES * PAGE_SIZE);
  private batch: { addr: number; exclusive: boolean; pfn: number; swapped: boolean }[] = [];
  private batchVma: VmaContext | null = null;
  readonly zeroPfn: number | null;

  constructor(
    readonly pid: number,
    private readonly pagemap: PagemapReader,
    private readonly mem: MemReader,
    private readonly writer: SampleWriter,
  ) {
    this.zeroPfn = zeroPagePfn();
  }

  private need(v: VmaContext, raw: bigint): { need: PageNeed; pfn: number; exclusive: boolean; swapped: boolean } {
    const e = decodePagemap(raw);
    if (!e.present && !e.swapped) return { need: 'absent', pfn: 0, exclusive: false, swapped: false };
    const base = { pfn: e.pfn, exclusive: e.exclusive, swapped: !e.present };
    // a page of a shared mapping, or a page-cache page of a private file mapping: clean
    if (v.shared || (v.isFile && e.file)) return { need: 'read-clean', ...base };
    if (!v.isFile && e.present && !e.file && this.zeroPfn !== null && e.pfn !== 0 && e.pfn === this.zeroPfn) {
      return { need: 'read-zero', ...base };
    }
    return { need: 'bytes', ...base };
  }

  /** Walks a VMA's pagemap and records each page's activity. */
  scanVma(v: VmaContext): void {
    const { start, end } = v.entry;
    if (v.entry.vmFlags !== null && v.entry.rssKb === 0 && v.entry.swapKb === 0) {
      this.pages.absent += (end - start) / PAGE_SIZE;
      return;
    }
    for (let at = start; at < end; at += PAGEMAP_CHUNK * PAGE_SIZE) {
      const n = Math.min(PAGEMAP_CHUNK, (end - at) / PAGE_SIZE);
      const entries = this.pagemap.read(at, n).slice();
      for (let i = 0; i < n; i++) {
        const addr = at + i * PAGE_SIZE;
        const p = this.need(v, entries[i]!);
        if (p.need === 'bytes') {
          if (this.batch.length && (this.batch[this.batch.length - 1]!.addr + PAGE_SIZE !== addr || this.batch.length === BATCH_PAGES)) this.flush();
          this.batchVma = v;
          this.batch.push({ addr, exclusive: p.exclusive, pfn: p.pfn, swapped: p.swapped });
          continue;
        }
        this.flush();
        if (p.need === 'absent') this.pages.absent++;
        else {
          if (p.need === 'read-zero') this.pages.zero++;
          else this.pages.clean++;
          this.acts.read(addr);
        }
      }
    }
    this.flush();
  }

  /** Reads the batched pages' bytes; each is then a zero page (read) or a dirty one (write, into the blob). */
  private flush(): void {
    const b = this.batch;
    if (!b.length) return;
    const v = this.batchVma!;
    this.batch = [];
    const unreadable = this.readBatch(b.map((p) => p.addr));
    const force = !(v.flags & VM_WRITE);
    for (const [k, p] of b.entries()) {
      const off = k * PAGE_SIZE;
      if (unreadable.has(k)) {
        this.pages.absent++;
        this.unreadable.push(p.addr);
        continue;
      }
      if (!v.isFile && !p.swapped && isAllZero(this.batchBuf, off) && this.isZeroPage(p.pfn, p.exclusive)) {
        this.pages.zero++;
        this.acts.read(p.addr);
        continue;
      }
      if (force && !(v.flags & VM_MAYWRITE)) {
        this.warnings.push(`page ${hex(p.addr)} is dirty in a VMA without VM_MAYWRITE: captured as a clean read, its bytes are lost`);
        this.pages.clean++;
        this.acts.read(p.addr);
        continue;
      }
      this.pages.dirty++;
      if (p.swapped) this.pages.swapped++;
      this.dirtyPages.push(p.addr);
      this.acts.write(p.addr, this.writer.append(this.batchBuf.subarray(off, off + PAGE_SIZE)), force);
    }
  }

  /** Pages that pagemap showed but mem could not read (unmapped meanwhile, in a running process). */
  readonly unreadable: number[] = [];

  /**
   * Reads the batch's bytes in one go; when that fails with EIO or EFAULT (a page went away while
   * a running process was read), page by page. Returns the indexes of the pages that could not be read.
   */
  private readBatch(addrs: number[]): Set<number> {
    const bad = new Set<number>();
    const soft = (e: unknown) => e instanceof CaptureError && (e.code === 'EIO' || e.code === 'EFAULT');
    try {
      this.mem.read(addrs[0]!, this.batchBuf, addrs.length * PAGE_SIZE);
      return bad;
    } catch (e) {
      if (!soft(e)) throw e;
    }
    addrs.forEach((addr, k) => {
      try {
        this.mem.read(addr, this.batchBuf, PAGE_SIZE, k * PAGE_SIZE);
      } catch (e) {
        if (!soft(e)) throw e;
        bad.add(k);
      }
    });
    return bad;
  }

  /** One warning for the pages mem could not read. */
  noteUnreadable(): void {
    const u = this.unreadable;
    if (!u.length) return;
    const first = u.slice(0, 4).map(hex).join(', ');
    this.warnings.push(`${u.length} page(s) shown present by pagemap could not be read from mem (EIO: unmapped while the process ran?) and are left not present: ${first}${u.length > 4 ? ', ...' : ''}`);
  }

  /**
   * An all-zero anonymous page that is not ZERO_PAGE's frame: the huge zero page when kpageflags
   * says so; when frame numbers are hidden, a page no one maps exclusively (the zero page never is).
   */
  private isZeroPage(pfn: number, exclusive: boolean): boolean {
    if (pfn !== 0) return isZeroPfn(pfn) === true;
    return !exclusive;
  }
}

/** Captures process pid into the sample `output` (and its `output.pages`). */
export function captureProcess(pid: number, output: string, opts: CaptureOptions = {}): CaptureResult {
  if (process.platform !== 'linux') throw new CaptureError('/proc', 'ENOSYS', `capture needs Linux, this is ${process.platform}`);
  const t0 = process.hrtime.bigint();
  const first = statOf(pid);
  if (first.state === 'Z' || first.state === 'X') throw new CaptureError(`/proc/${pid}/stat`, 'ESRCH', 'the process has exited (a zombie): it has no memory left');
  if (pid === process.pid && !opts.stopped) {
    throw new CaptureError(`/proc/${pid}`, 'EDEADLK', 'a process cannot stop itself to be captured: pass --stopped to capture it running');
  }
  // what needs ptrace access is opened before the process is stopped, so a refusal names the file
  readProc(pid, 'maps');
  const pagemap = new PagemapReader(pid);
  let mem: MemReader;
  try {
    mem = new MemReader(pid);
  } catch (e) {
    pagemap.close();
    throw e;
  }
  let stoppedBy: CaptureResult['stoppedBy'] | null = null;
  let writer: SampleWriter | null = null;
  try {
    writer = new SampleWriter(output);
    stoppedBy = stopProcess(pid, opts);
    const comm = readProc(pid, 'comm').replace(/\n$/, '') || first.comm;
    const stat = statOf(pid);
    let exePath: string | null = null;
    try {
      exePath = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exePath = null; // a kernel thread, or no access: no VM_EXECUTABLE marking
    }
    const maps = parseMaps(readProc(pid, 'maps'));
    let smaps: SmapsEntry[] = [];
    try {
      smaps = parseSmaps(readProc(pid, 'smaps'));
    } catch (e) {
      if (!(e instanceof CaptureError) || e.code === 'ESRCH' || e.code === 'ENOENT') throw e;
    }
    const smapsAt = new Map(smaps.map((s) => [s.start, s]));
    {
      const cap = new Capturer(pid, pagemap, mem, writer);
      const files = new FileRanges();
      const vmas: SampleVma[] = [];
      const skipped: SampleSkippedVma[] = [];
      const unmappedNotes = new Set<string>();
      if (stoppedBy === 'caller' && stat.state !== 'T' && stat.state !== 't') {
        cap.warnings.push(`the process was not stopped (state ${stat.state}) although --stopped was given: the picture may be inconsistent`);
      }
      for (const m of maps) {
        const e: SmapsEntry = smapsAt.get(m.start) ?? { ...m, vmFlags: null, rssKb: 1, swapKb: 0 };
        const kind = mappingKind(m);
        const label = labelOf(m);
        if (kind === 'vsyscall' || m.end > TASK_SIZE) {
          const reason = kind === 'vsyscall'
            ? 'the vsyscall gate area: not one of the mm\'s VMAs, the seed never sees it'
            : 'above TASK_SIZE of the simulated kernel (47-bit user addresses)';
          skipped.push({ start: m.startHex, end: m.endHex, perms: m.perms, label, reason });
          if (kind !== 'vsyscall') cap.warnings.push(`left out VMA ${m.startHex}-${m.endHex} ${m.perms} ${label}: ${reason}`);
          continue;
        }
        const d = deriveVmFlags(e, exePath);
        for (const u of d.unmapped) unmappedNotes.add(u);
        const why = unsupportedReason(d.flags);
        const isFile = kind === 'file';
        const extraNames = flagNames(d.flags & ~PERMS_IMPLIED);
        if (why && opts.skipUnsupported) {
          const s: SampleSkippedVma = { start: m.startHex, end: m.endHex, perms: m.perms, flags: extraNames, label, reason: why };
          if (isFile) s.file = m.name;
          skipped.push(s);
          cap.warnings.push(`--skip-unsupported: left out VMA ${hex(m.start)}-${hex(m.end)} ${m.perms} ${label}: ${why}`);
          continue;
        }
        const vma: SampleVma = { start: m.start, end: m.end, perms: m.perms, label, flags: extraNames, vmFlags: d.flags };
        if (isFile) {
          vma.file = m.name.startsWith('/') ? m.name : '/' + m.name;
          vma.pgoff = m.offset / PAGE_SIZE;
          files.add(m.name, `/proc/${pid}/map_files/${m.start.toString(16)}-${m.end.toString(16)}`, m.offset, m.offset + (m.end - m.start));
        }
        vmas.push(vma);
        if (d.flags & (VM_IO | VM_PFNMAP)) {
          cap.pages.special += (m.end - m.start) / PAGE_SIZE;
          continue; // no struct page behind it: /proc/PID/mem cannot read it, and the seed refuses it anyway
        }
        cap.scanVma({ entry: e, flags: d.flags, isFile, shared: (d.flags & (VM_SHARED | VM_MAYSHARE)) !== 0 });
      }
      cap.noteUnreadable();
      const sampleFiles = captureFiles(pid, files, writer, cap.warnings);
      const heap = maps.find((m) => m.name === '[heap]');
      const sample: Sample = {
        format: 'ckpt-sample', version: 1,
        description: `captured from Linux pid ${pid} (${comm}) at ${new Date().toISOString()}` +
          (unmappedNotes.size ? `; VmFlags without a 2.6.26 bit: ${[...unmappedNotes].sort().join(' ')}` : ''),
        comm, pid,
        mm: {
          start_code: stat.startCode, end_code: stat.endCode, start_data: stat.startData, end_data: stat.endData,
          start_brk: stat.startBrk, brk: heap ? heap.end : stat.startBrk, start_stack: stat.startStack,
          arg_start: stat.argStart, arg_end: stat.argEnd, env_start: stat.envStart, env_end: stat.envEnd,
          flags: mmFlags(pid),
        },
        files: sampleFiles, vmas, ldt: [], activity: cap.acts.ops,
        warnings: cap.warnings, skipped,
      };
      // the process must still be there: else the picture may be cut short
      statOf(pid);
      writer.commit(sample);
      return {
        sample, output: writer.output, blobPath: writer.blobPath, blobBytes: writer.blobBytes, pages: cap.pages,
        dirtyPages: cap.dirtyPages, skipped, zeroPfn: cap.zeroPfn, pfnsVisible: cap.zeroPfn !== null, stoppedBy,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      };
    }
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    pagemap.close();
    mem.close();
    if (stoppedBy === 'capture') {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // it exited: the error above says so
      }
    }
  }
}

/** A label for people: the maps name, or what the mapping is. */
function labelOf(m: MapsEntry): string {
  if (m.name) return m.name;
  return 'anon';
}

/**
 * mm->flags as 2.6.26 kept it: the dumpable bits (assumed 1: SUID_DUMP_USER) and the core dump
 * filter above them (MMF_DUMP_FILTER_SHIFT 2; the five filter bits that existed then).
 */
function mmFlags(pid: number): number {
  try {
    const filter = parseInt(readProc(pid, 'coredump_filter').trim(), 16);
    return 1 | ((filter & 0x1f) << 2);
  } catch {
    return 0;
  }
}

// The v2 writer: each record with its CRC32C; a VMA's page addresses become runs, written as one
// PAGE_RUNS record once the last address is in, then the contents of each run and its CRC.

import { PAGE_SIZE } from '../../kernel/constants.js';
import { isKernelError } from '../../kernel/errno.js';
import { CrError, type RecordRef } from '../errors.js';
import type { ImageWriter } from '../io.js';
import type { ImageSink } from '../sink.js';
import { readAddr, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma } from '../v1/format.js';
import { crc32cUpdate } from './crc32c.js';
import {
  V2_HDR, V2_MAX_COUNT, addToRuns, encodeRunTrailer, encodeV2Head, encodeV2Mm, encodeV2MmContext, encodeV2Record,
  encodeV2Runs, encodeV2Tail, encodeV2Task, encodeV2Vma, v2HdrName, type PageRun,
} from './format.js';

/** The pages of the VMA being written: runs gathered from the addresses, then contents run by run. */
interface VmaPages {
  npages: number;
  addrsSeen: number;
  runs: PageRun[];
  run: number;
  leftInRun: number;
  crc: number;
}

export class V2Writer implements ImageWriter {
  readonly format = 'v2' as const;
  readonly maxCount = V2_MAX_COUNT;
  record: RecordRef | null = null;
  private count = 0;
  private pages = 0;
  private cur: VmaPages | null = null;
  constructor(private readonly sink: ImageSink, private readonly id: number) {}

  get offset(): number {
    return this.sink.offset;
  }

  /** cr_kwrite */
  private kwrite(bytes: Uint8Array, fn: string): void {
    try {
      this.sink.write(bytes);
    } catch (e) {
      if (isKernelError(e)) throw new CrError(e.errno, fn, e.check, this.record, this.sink.offset);
      throw e;
    }
  }

  /** cr_write_obj */
  private obj(type: number, payload: Buffer, fn: string): void {
    this.record = { kind: v2HdrName(type), index: this.count++, offset: this.sink.offset };
    this.kwrite(encodeV2Record(type, this.id, payload), fn);
  }

  /** cr_write_str: len bytes, the string and its NUL */
  private str(s: string, len: number, fn: string): void {
    const b = Buffer.alloc(len);
    b.write(s, 0, Math.max(0, len - 1), 'latin1');
    this.obj(V2_HDR.STRING, b, fn);
  }

  private fail(fn: string, check: string): never {
    throw new CrError('EINVAL', fn, check, this.record, this.sink.offset);
  }

  head(h: CrHdrHead, fn: string): void {
    this.obj(V2_HDR.HEAD, encodeV2Head(h), fn);
  }
  task(t: CrHdrTask, comm: string, fn: string): void {
    this.obj(V2_HDR.TASK, encodeV2Task(t), fn);
    this.str(comm, t.taskCommLen, fn);
  }
  mm(m: CrHdrMm, fn: string): void {
    this.obj(V2_HDR.MM, encodeV2Mm(m), fn);
  }
  vma(v: CrHdrVma, name: string | null, fn: string): void {
    if (this.cur) this.fail(fn, `previous VMA still owes ${this.cur.npages - this.cur.addrsSeen} addresses or ${this.cur.leftInRun} pages`);
    this.obj(V2_HDR.VMA, encodeV2Vma(v), fn);
    if (v.namelen && name !== null) this.str(name, v.namelen, fn);
    if (v.npages > 0) this.cur = { npages: v.npages, addrsSeen: 0, runs: [], run: 0, leftInRun: 0, crc: 0 };
  }
  pageAddrs(addrs: Buffer, count: number, fn: string): void {
    if (count === 0) return; // an idle page-array of the chain
    const c = this.cur;
    if (!c || c.addrsSeen + count > c.npages) this.fail(fn, `${count} page addresses beyond the VMA's npages`);
    for (let i = 0; i < count; i++) addToRuns(c.runs, readAddr(addrs, i * 8), PAGE_SIZE);
    c.addrsSeen += count;
    if (c.addrsSeen === c.npages) {
      this.obj(V2_HDR.PAGE_RUNS, encodeV2Runs(c.runs), fn);
      c.leftInRun = c.runs[0]!.nrPages;
    }
  }
  pageData(page: Buffer, fn: string): void {
    const c = this.cur;
    if (!c || c.addrsSeen !== c.npages) this.fail(fn, 'page contents before all the page addresses of the VMA');
    this.kwrite(page, fn);
    this.pages++;
    c.crc = crc32cUpdate(c.crc, page);
    if (--c.leftInRun === 0) {
      this.kwrite(encodeRunTrailer(c.crc, c.run), fn);
      c.crc = 0;
      c.run++;
      if (c.run === c.runs.length) this.cur = null;
      else c.leftInRun = c.runs[c.run]!.nrPages;
    }
  }
  mmContext(c: CrHdrMmContext, ldt: Buffer, fn: string): void {
    this.obj(V2_HDR.MM_CONTEXT, encodeV2MmContext(c, ldt), fn);
  }
  /** Writes an optional record (THREAD, CPU) as it came: the converter carries them through. */
  optional(type: number, id: number, payload: Buffer, fn: string): void {
    this.record = { kind: v2HdrName(type), index: this.count++, offset: this.sink.offset };
    this.kwrite(encodeV2Record(type, id, payload), fn);
  }
  tail(fn: string): void {
    const records = this.count;
    const bytes = this.sink.offset;
    this.obj(V2_HDR.TAIL, encodeV2Tail({ records, pages: this.pages, bytes }), fn);
  }
  commit(): void {
    this.sink.commit();
  }
  abort(): void {
    this.sink.abort();
  }
}

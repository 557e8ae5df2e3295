// The v2 writer: each record with its CRC32C; a VMA's page addresses become runs, written as one
// PAGE_RUNS record once the last address is in, then the contents of each run and its CRC.

import { PAGE_SIZE } from '../../kernel/constants.js';
import { CrError } from '../errors.js';
import { RecordWriter } from '../record-writer.js';
import type { ImageWriter } from '../io.js';
import type { ImageSink } from '../sink.js';
import { readAddr, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma } from '../v1/format.js';
import { crc32cUpdate } from './crc32c.js';
import {
  V2_HDR, V2_MAX_COUNT, V2_WARNING_MAX, addToRuns, encodeRunTrailer, encodeV2Head, encodeV2Mm, encodeV2MmContext, encodeV2Record,
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

export class V2Writer extends RecordWriter implements ImageWriter {
  readonly format = 'v2' as const;
  readonly maxCount = V2_MAX_COUNT;
  private pages = 0;
  private cur: VmaPages | null = null;

  constructor(sink: ImageSink, id: number, private readonly warnings: readonly string[] = []) {
    super(sink, id);
  }

  /** cr_write_obj: the record with its CRC32C */
  private obj(type: number, payload: Buffer, fn: string): void {
    this.begin(v2HdrName(type));
    this.kwrite(encodeV2Record(type, this.id, payload), fn);
  }

  /** cr_write_str: len bytes, the string and its NUL */
  private str(s: string, len: number, fn: string): void {
    this.obj(V2_HDR.STRING, RecordWriter.cstring(s, len), fn);
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
    this.begin(v2HdrName(type));
    this.kwrite(encodeV2Record(type, id, payload), fn);
  }
  tail(fn: string): void {
    // the warnings go last, where a reader that does not know them skips optional records
    for (const w of this.warnings) this.obj(V2_HDR.WARNING, Buffer.from(w, 'utf8').subarray(0, V2_WARNING_MAX), fn);
    const records = this.recordsWritten;
    const bytes = this.sink.offset;
    this.obj(V2_HDR.TAIL, encodeV2Tail({ records, pages: this.pages, bytes }), fn);
  }
}

// The v1 writer: cr_write_obj / cr_kwrite of sys.c, record by record.

import { RecordWriter } from '../record-writer.js';
import type { ImageWriter } from '../io.js';
import {
  CR_HDR, crHdrName, encodeHdr, encodeHead, encodeMm, encodeMmContext, encodeTail, encodeTask, encodeVma,
  type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma,
} from './format.js';

export class V1Writer extends RecordWriter implements ImageWriter {
  readonly format = 'v1' as const;
  readonly maxCount = 0x7fff;

  /** cr_write_obj */
  private obj(type: number, payload: Buffer, fn: string): void {
    this.begin(crHdrName(type));
    this.kwrite(encodeHdr({ type, len: payload.length, id: this.id }), fn);
    this.kwrite(payload, fn);
  }

  /** cr_write_str: namelen bytes, the name and its NUL */
  private str(s: string, len: number, fn: string): void {
    this.obj(CR_HDR.STRING, RecordWriter.cstring(s, len), fn);
  }

  head(h: CrHdrHead, fn: string): void {
    this.obj(CR_HDR.HEAD, encodeHead(h), fn);
  }
  task(t: CrHdrTask, comm: string, fn: string): void {
    this.obj(CR_HDR.TASK, encodeTask(t), fn);
    this.str(comm, t.taskCommLen, fn);
  }
  mm(m: CrHdrMm, fn: string): void {
    this.obj(CR_HDR.MM, encodeMm(m), fn);
  }
  vma(v: CrHdrVma, name: string | null, fn: string): void {
    this.obj(CR_HDR.VMA, encodeVma(v), fn);
    if (v.namelen && name !== null) this.str(name, v.namelen, fn);
  }
  pageAddrs(addrs: Buffer, count: number, fn: string): void {
    this.kwrite(addrs.subarray(0, count * 8), fn);
  }
  pageData(page: Buffer, fn: string): void {
    this.kwrite(page, fn);
  }
  mmContext(c: CrHdrMmContext, ldt: Buffer, fn: string): void {
    this.obj(CR_HDR.MM_CONTEXT, encodeMmContext(c), fn);
    this.kwrite(ldt, fn);
  }
  tail(fn: string): void {
    this.obj(CR_HDR.TAIL, encodeTail(), fn);
  }
}

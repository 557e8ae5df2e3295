// The v1 reader: cr_read_obj / cr_read_obj_type / cr_read_str / cr_kread of sys.c.

import { CrError, type RecordRef } from '../errors.js';
import type { ImageReader } from '../io.js';
import { ShortRead, type ImageSource } from '../source.js';
import {
  CR_HDR, SIZEOF, crHdrName, decodeHdr, decodeHead, decodeMm, decodeMmContext, decodeTail, decodeTask,
  decodeVma, type CrHdr, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma,
} from './format.js';

export class V1Reader implements ImageReader {
  readonly format = 'v1' as const;
  /** v1 has no record for warnings. */
  readonly warnings: readonly string[] = [];
  record: RecordRef | null = null;
  private count = 0;
  /** The record count and current record at each record start read so far: a seek back (validation) restores them. */
  private readonly marks = new Map<number, { count: number; record: RecordRef | null }>();
  constructor(private readonly src: ImageSource) {}

  get offset(): number {
    return this.src.offset;
  }
  get size(): number {
    return this.src.size;
  }

  fail(errno: CrError['errno'], fn: string, check: string, field: string | null = null): never {
    throw new CrError(errno, fn, check, this.record, this.src.offset, field);
  }

  /** cr_kread: a short read is -EIO, as the helpers of 2008 return */
  kread(target: Buffer, off: number, len: number, fn: string): void {
    try {
      this.src.readInto(target, off, len);
    } catch (e) {
      if (e instanceof ShortRead) {
        throw new CrError('EIO', fn, `image ends at byte ${e.offset + e.got}, ${e.wanted - e.got} of ${e.wanted} bytes missing`,
          this.record, e.offset + e.got);
      }
      throw e;
    }
  }

  /** cr_read_obj: the header, then at most n bytes of payload */
  private obj(n: number, fn: string): { h: CrHdr; payload: Buffer } {
    const offset = this.src.offset;
    if (!this.marks.has(offset)) this.marks.set(offset, { count: this.count, record: this.record });
    this.record = { kind: 'header', index: this.count++, offset };
    const hb = Buffer.alloc(SIZEOF.cr_hdr);
    this.kread(hb, 0, hb.length, fn);
    const h = decodeHdr(hb);
    this.record = { kind: crHdrName(h.type), index: this.record.index, offset };
    if (h.len < 0 || h.len > n) this.fail('EINVAL', fn, `${crHdrName(h.type)} len ${h.len} not in 0..${n}`, 'len');
    const payload = Buffer.alloc(n);
    this.kread(payload, 0, h.len, fn);
    return { h, payload };
  }

  /** cr_read_obj_type */
  private objType(n: number, type: number, fn: string): Buffer {
    const { h, payload } = this.obj(n, fn);
    if (h.type !== type) this.fail('EINVAL', fn, `expected ${crHdrName(type)}, found ${crHdrName(h.type)}`, 'type');
    return payload;
  }

  head(fn: string): CrHdrHead {
    return decodeHead(this.objType(SIZEOF.cr_hdr_head, CR_HDR.HEAD, fn));
  }
  task(fn: string): CrHdrTask {
    return decodeTask(this.objType(SIZEOF.cr_hdr_task, CR_HDR.TASK, fn));
  }
  /** cr_read_str */
  string(n: number, fn: string): Buffer {
    const { h, payload } = this.obj(n, fn);
    if (h.type !== CR_HDR.STRING) this.fail('EINVAL', fn, `expected CR_HDR_STRING, found ${crHdrName(h.type)}`, 'type');
    return payload.subarray(0, h.len);
  }
  mm(fn: string): CrHdrMm {
    return decodeMm(this.objType(SIZEOF.cr_hdr_mm, CR_HDR.MM, fn));
  }
  vma(fn: string): CrHdrVma {
    return decodeVma(this.objType(SIZEOF.cr_hdr_vma, CR_HDR.VMA, fn));
  }
  pageAddrs(target: Buffer, count: number, fn: string): void {
    this.kread(target, 0, count * 8, fn);
  }
  pageData(target: Buffer, fn: string): void {
    this.kread(target, 0, target.length, fn);
  }
  skipOptional(fn: string): void {
    for (;;) {
      if (this.src.size - this.src.offset < SIZEOF.cr_hdr) return;
      const at = this.src.offset;
      const h = decodeHdr(this.src.read(SIZEOF.cr_hdr));
      this.src.seek(at);
      if (h.type !== CR_HDR.THREAD && h.type !== CR_HDR.CPU) return;
      this.obj(Math.max(h.len, 0), fn);
    }
  }
  mmContext(fn: string): CrHdrMmContext {
    return decodeMmContext(this.objType(SIZEOF.cr_hdr_mm_context, CR_HDR.MM_CONTEXT, fn));
  }
  ldtEntry(target: Buffer, fn: string): void {
    this.kread(target, 0, target.length, fn);
  }
  tail(fn: string): { magic: bigint } {
    return decodeTail(this.objType(SIZEOF.cr_hdr_tail, CR_HDR.TAIL, fn));
  }
  seek(offset: number): void {
    this.src.seek(offset);
    const mark = this.marks.get(offset);
    if (mark) {
      this.count = mark.count;
      this.record = mark.record;
    }
  }
  close(): void {
    this.src.close();
  }
}

// The v2 reader: every record's type, length and CRC32C checked before its payload is used, every
// count checked against the bytes the stream really has, each run of pages checked by its CRC.

import { PAGE_SIZE } from '../../kernel/constants.js';
import type { ErrnoName } from '../../kernel/errno.js';
import { CrError, type RecordRef } from '../errors.js';
import type { ImageReader } from '../io.js';
import { ShortRead, type ImageSource } from '../source.js';
import {
  CR_TAIL_MAGIC, writeAddr, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma,
} from '../v1/format.js';
import { crc32cUpdate } from './crc32c.js';
import {
  V2_FORMAT_VERSION, V2_HDR, V2_WARNING_MAX, V2_LITTLE_ENDIAN, V2_MAGIC, V2_RUN_SIZE, V2_RUN_TRAILER, V2_SIZEOF, V2_TAIL_MAGIC,
  V2_WORD_SIZE, decodeV2Head, decodeV2Hdr, decodeV2Mm, decodeV2MmContext, decodeV2Runs, decodeV2Tail, decodeV2Task,
  decodeV2Vma, recordCrc, v2HdrName, type PageRun, type V2Hdr,
} from './format.js';

const SKIP_CHUNK = 1 << 16;

/** Where the reader is in the pages of the current VMA. */
interface VmaState {
  index: number;
  npages: number;
  runs: PageRun[] | null;
  /** Address cursor: run and page within it. */
  aRun: number;
  aPage: number;
  /** Contents cursor. */
  dRun: number;
  dPage: number;
  crc: number;
}

/** What a seek back restores: the reader's counters as they were at a record's start. */
interface Snapshot {
  record: RecordRef | null;
  count: number;
  pages: number;
  vmas: number;
}

export class V2Reader implements ImageReader {
  readonly format = 'v2' as const;
  record: RecordRef | null = null;
  private count = 0;
  private pages = 0;
  private vmas = 0;
  private cur: VmaState | null = null;
  private ldt: Buffer | null = null;
  private ldtNext = 0;
  private readonly snapshots = new Map<number, Snapshot>();
  constructor(private readonly src: ImageSource) {}

  get offset(): number {
    return this.src.offset;
  }
  get size(): number {
    return this.src.size;
  }
  /** Bytes between the read position and the end of the stream. */
  get remaining(): number {
    return this.src.size - this.src.offset;
  }

  fail(errno: ErrnoName, fn: string, check: string, field: string | null = null, at = this.src.offset): never {
    throw new CrError(errno, fn, check, this.record, at, field);
  }

  /** cr_kread: a short read is -EIO */
  private kread(target: Buffer, off: number, len: number, fn: string): void {
    try {
      this.src.readInto(target, off, len);
    } catch (e) {
      if (e instanceof ShortRead) {
        throw new CrError('EIO', fn, `image ends at byte ${e.offset + e.got}, ${e.wanted - e.got} of ${e.wanted} bytes missing (truncated)`,
          this.record, e.offset + e.got);
      }
      throw e;
    }
  }

  /** Reads the next record's header, remembering where it starts (a validation pass seeks back to it). */
  private header(fn: string): { h: V2Hdr; hb: Buffer; offset: number } {
    const offset = this.src.offset;
    if (!this.snapshots.has(offset)) this.snapshots.set(offset, { record: this.record, count: this.count, pages: this.pages, vmas: this.vmas });
    this.record = { kind: 'header', index: this.count++, offset };
    const hb = Buffer.alloc(V2_SIZEOF.hdr);
    this.kread(hb, 0, hb.length, fn);
    const h = decodeV2Hdr(hb);
    this.record = { kind: v2HdrName(h.type), index: this.record.index, offset };
    return { h, hb, offset };
  }

  /** The next record's header, its length bounded by the stream, its payload read and its CRC checked. */
  private obj(fn: string, want: number | null, len: { exact?: number; max?: number }): { h: V2Hdr; payload: Buffer } {
    const { h, offset } = this.header(fn);
    const name = v2HdrName(h.type);
    if (want !== null && h.type !== want) this.fail('EINVAL', fn, `expected ${v2HdrName(want)}, found ${name}`, 'type', offset);
    if (len.exact !== undefined && h.len !== len.exact) this.fail('EINVAL', fn, `${name} len ${h.len}, expected ${len.exact}`, 'len', offset + 4);
    if (len.max !== undefined && h.len > len.max) this.fail('EINVAL', fn, `${name} len ${h.len} exceeds ${len.max}`, 'len', offset + 4);
    if (h.len > this.remaining) {
      this.fail('EIO', fn, `${name} len ${h.len} but only ${this.remaining} bytes remain (truncated)`, 'len', offset + 4);
    }
    const payload = Buffer.alloc(h.len);
    this.kread(payload, 0, h.len, fn);
    const crc = recordCrc(h.type, h.len, h.id, payload);
    if (crc !== h.crc) {
      this.fail('EBADMSG', fn, `${name} checksum 0x${h.crc.toString(16)}, computed 0x${crc.toString(16)}`, 'crc', offset + 12);
    }
    return { h, payload };
  }

  head(fn: string): CrHdrHead {
    const { payload } = this.obj(fn, V2_HDR.HEAD, { exact: V2_SIZEOF.head });
    const { prologue: p, head } = decodeV2Head(payload);
    const at = this.record!.offset + V2_SIZEOF.hdr;
    if (p.magic !== V2_MAGIC) this.fail('EINVAL', fn, `bad v2 magic 0x${p.magic.toString(16)}`, 'magic', at);
    if (p.formatVersion !== V2_FORMAT_VERSION) this.fail('EINVAL', fn, `format version ${p.formatVersion}, this reads ${V2_FORMAT_VERSION}`, 'format_version', at + 8);
    if (p.pageSize !== PAGE_SIZE) this.fail('EINVAL', fn, `page size ${p.pageSize}, this kernel's is ${PAGE_SIZE}`, 'page_size', at + 12);
    if (p.wordSize !== V2_WORD_SIZE) this.fail('EINVAL', fn, `word size ${p.wordSize}, this kernel's is ${V2_WORD_SIZE}`, 'word_size', at + 16);
    if (p.endian !== V2_LITTLE_ENDIAN) this.fail('EINVAL', fn, `endianness ${p.endian}, this kernel is little endian (1)`, 'endian', at + 17);
    return head;
  }
  task(fn: string): CrHdrTask {
    return decodeV2Task(this.obj(fn, V2_HDR.TASK, { exact: V2_SIZEOF.task }).payload);
  }
  /** cr_read_str */
  string(n: number, fn: string): Buffer {
    return this.obj(fn, V2_HDR.STRING, { max: n }).payload;
  }
  mm(fn: string): CrHdrMm {
    const m = decodeV2Mm(this.obj(fn, V2_HDR.MM, { exact: V2_SIZEOF.mm }).payload);
    const at = this.record!.offset + V2_SIZEOF.hdr;
    if (m.saved & ~1) this.fail('EINVAL', fn, `unknown bits 0x${m.saved.toString(16)} in saved`, 'saved', at + 4);
    // map_count VMA records of at least a header and a VMA each must fit in what remains
    const least = m.mapCount * (V2_SIZEOF.hdr + V2_SIZEOF.vma);
    if (least > this.remaining) {
      this.fail('EIO', fn, `map_count ${m.mapCount} needs at least ${least} bytes, ${this.remaining} remain (truncated)`, 'map_count', at + 96);
    }
    const { saved: _s, reserved: _r, ...hdr } = m;
    return hdr;
  }
  vma(fn: string): CrHdrVma {
    if (this.cur) this.fail('EINVAL', fn, `VMA #${this.cur.index}'s pages not all read`);
    const v = decodeV2Vma(this.obj(fn, V2_HDR.VMA, { exact: V2_SIZEOF.vma }).payload);
    const at = this.record!.offset + V2_SIZEOF.hdr;
    if (v.namelen > PAGE_SIZE) this.fail('EINVAL', fn, `namelen ${v.namelen} exceeds ${PAGE_SIZE}`, 'namelen', at + 4);
    const least = v.npages * PAGE_SIZE;
    if (least > this.remaining) {
      this.fail('EIO', fn, `npages ${v.npages} needs ${least} bytes, ${this.remaining} remain (truncated)`, 'npages', at + 48);
    }
    const index = this.vmas++;
    if (v.npages > 0) this.cur = { index, npages: v.npages, runs: null, aRun: 0, aPage: 0, dRun: 0, dPage: 0, crc: 0 };
    return v;
  }

  /** The PAGE_RUNS record of the current VMA, read at its first page address. */
  private runs(fn: string): VmaState {
    const c = this.cur;
    if (!c) this.fail('EINVAL', fn, 'page addresses read with no VMA that has pages');
    if (c.runs) return c;
    const { payload } = this.obj(fn, V2_HDR.PAGE_RUNS, {});
    const at = this.record!.offset + V2_SIZEOF.hdr;
    if (payload.length < V2_SIZEOF.page_runs) this.fail('EINVAL', fn, `PAGE_RUNS len ${payload.length} < ${V2_SIZEOF.page_runs}`, 'len');
    const nruns = payload.readUInt32LE(0);
    if (payload.length !== V2_SIZEOF.page_runs + nruns * V2_RUN_SIZE) {
      this.fail('EINVAL', fn, `PAGE_RUNS of ${nruns} runs needs len ${V2_SIZEOF.page_runs + nruns * V2_RUN_SIZE}, has ${payload.length}`, 'nruns', at);
    }
    const runs = decodeV2Runs(payload);
    let total = 0;
    for (const [i, r] of runs.entries()) {
      if (!(r.nrPages >= 1)) this.fail('EINVAL', fn, `VMA #${c.index} run ${i}: nr_pages ${r.nrPages}`, 'nr_pages', at + 8 + i * V2_RUN_SIZE + 8);
      if (!Number.isFinite(r.vaddr)) this.fail('EINVAL', fn, `VMA #${c.index} run ${i}: vaddr beyond 2^53`, 'vaddr', at + 8 + i * V2_RUN_SIZE);
      total += r.nrPages;
    }
    if (total !== c.npages) this.fail('EINVAL', fn, `VMA #${c.index}: runs hold ${total} pages, npages is ${c.npages}`, 'nr_pages', at);
    const need = total * PAGE_SIZE + runs.length * V2_RUN_TRAILER;
    if (need > this.remaining) this.fail('EIO', fn, `VMA #${c.index}: ${runs.length} runs of ${total} pages need ${need} bytes, ${this.remaining} remain (truncated)`, 'nr_pages', at);
    c.runs = runs;
    return c;
  }

  pageAddrs(target: Buffer, count: number, fn: string): void {
    if (count === 0) return;
    const c = this.runs(fn);
    const runs = c.runs!;
    for (let i = 0; i < count; i++) {
      const r = runs[c.aRun];
      if (!r) this.fail('EINVAL', fn, `VMA #${c.index}: more page addresses asked than its runs hold`);
      writeAddr(target, i * 8, r.vaddr + c.aPage * PAGE_SIZE);
      if (++c.aPage === r.nrPages) {
        c.aRun++;
        c.aPage = 0;
      }
    }
  }

  pageData(target: Buffer, fn: string): void {
    const c = this.cur;
    if (!c || !c.runs) this.fail('EINVAL', fn, 'page contents before their addresses');
    const r = c.runs[c.dRun];
    if (!r) this.fail('EINVAL', fn, `VMA #${c.index}: more pages asked than its runs hold`);
    this.kread(target, 0, target.length, fn);
    this.pages++;
    c.crc = crc32cUpdate(c.crc, target);
    if (++c.dPage < r.nrPages) return;
    const at = this.src.offset;
    const t = Buffer.alloc(V2_RUN_TRAILER);
    this.kread(t, 0, t.length, fn);
    const crc = t.readUInt32LE(0);
    const index = t.readUInt32LE(4);
    if (index !== c.dRun) this.fail('EINVAL', fn, `VMA #${c.index}: run trailer says run ${index}, expected ${c.dRun}`, 'run_index', at + 4);
    if (crc !== c.crc) {
      this.fail('EBADMSG', fn, `VMA #${c.index} run ${c.dRun} (0x${r.vaddr.toString(16)}, ${r.nrPages} pages): contents checksum 0x${crc.toString(16)}, computed 0x${c.crc.toString(16)}`, 'crc', at);
    }
    c.crc = 0;
    c.dPage = 0;
    if (++c.dRun === c.runs.length) this.cur = null;
  }

  /** The WARNING records read so far, by offset. */
  private readonly warningAt = new Map<number, string>();

  get warnings(): readonly string[] {
    return [...this.warningAt.values()];
  }

  skipOptional(fn: string): void {
    for (;;) {
      if (this.remaining < V2_SIZEOF.hdr) return;
      const at = this.src.offset;
      const h = decodeV2Hdr(this.src.read(V2_SIZEOF.hdr));
      this.src.seek(at);
      if (h.type === V2_HDR.WARNING) {
        if (h.len > V2_WARNING_MAX) this.fail('EINVAL', fn, `CR_HDR_WARNING len ${h.len} exceeds ${V2_WARNING_MAX}`, 'len', at + 4);
        const parts: Buffer[] = [];
        this.optional(fn, (chunk) => parts.push(Buffer.from(chunk)));
        this.warningAt.set(at, Buffer.concat(parts).toString('utf8')); // by offset: a validation pass reads it too
        continue;
      }
      if (h.type !== V2_HDR.THREAD && h.type !== V2_HDR.CPU) return;
      this.optional(fn, () => {});
    }
  }

  /** A THREAD or CPU record, its payload handed over in chunks, its CRC checked at the end. */
  optional(fn: string, onChunk: (chunk: Buffer) => void): V2Hdr {
    const { h, hb, offset } = this.header(fn);
    if (h.len > this.remaining) this.fail('EIO', fn, `${v2HdrName(h.type)} len ${h.len} but only ${this.remaining} bytes remain (truncated)`, 'len', offset + 4);
    const head = Buffer.alloc(12);
    hb.copy(head, 0, 0, 12);
    let crc = crc32cUpdate(0, head);
    const chunk = Buffer.alloc(Math.min(SKIP_CHUNK, h.len));
    for (let done = 0; done < h.len;) {
      const n = Math.min(chunk.length, h.len - done);
      this.kread(chunk, 0, n, fn);
      crc = crc32cUpdate(crc, chunk.subarray(0, n));
      onChunk(chunk.subarray(0, n));
      done += n;
    }
    if (crc !== h.crc) this.fail('EBADMSG', fn, `${v2HdrName(h.type)} checksum 0x${h.crc.toString(16)}, computed 0x${crc.toString(16)}`, 'crc', offset + 12);
    return h;
  }

  mmContext(fn: string): CrHdrMmContext {
    const { payload } = this.obj(fn, V2_HDR.MM_CONTEXT, { max: V2_SIZEOF.mm_context + 8192 * 8 });
    const at = this.record!.offset + V2_SIZEOF.hdr;
    if (payload.length < V2_SIZEOF.mm_context) this.fail('EINVAL', fn, `MM_CONTEXT len ${payload.length} < ${V2_SIZEOF.mm_context}`, 'len');
    const c = decodeV2MmContext(payload);
    if (c.ldtEntrySize === 8 && payload.length !== V2_SIZEOF.mm_context + c.nldt * 8) {
      this.fail('EINVAL', fn, `nldt ${c.nldt} needs len ${V2_SIZEOF.mm_context + c.nldt * 8}, has ${payload.length}`, 'nldt', at + 4);
    }
    this.ldt = payload.subarray(V2_SIZEOF.mm_context);
    this.ldtNext = 0;
    return c;
  }
  ldtEntry(target: Buffer, fn: string): void {
    if (!this.ldt || this.ldtNext + target.length > this.ldt.length) this.fail('EINVAL', fn, 'more LDT entries asked than MM_CONTEXT holds');
    this.ldt.copy(target, 0, this.ldtNext, this.ldtNext + target.length);
    this.ldtNext += target.length;
  }
  tail(fn: string): { magic: bigint } {
    const before = this.count;
    const offset = this.src.offset;
    const t = decodeV2Tail(this.obj(fn, V2_HDR.TAIL, { exact: V2_SIZEOF.tail }).payload);
    const at = offset + V2_SIZEOF.hdr;
    if (t.magic !== V2_TAIL_MAGIC) this.fail('EINVAL', fn, `bad v2 tail magic 0x${t.magic.toString(16)}`, 'magic', at);
    if (t.records !== before) this.fail('EINVAL', fn, `tail counts ${t.records} records, the image has ${before}`, 'records', at + 8);
    if (t.pages !== this.pages) this.fail('EINVAL', fn, `tail counts ${t.pages} pages, the image has ${this.pages}`, 'pages', at + 16);
    if (t.bytes !== offset) this.fail('EINVAL', fn, `tail says it starts at byte ${t.bytes}, it is at ${offset}`, 'bytes', at + 24);
    if (this.remaining) this.fail('EINVAL', fn, `${this.remaining} bytes after the tail`);
    return { magic: CR_TAIL_MAGIC };
  }
  seek(offset: number): void {
    this.src.seek(offset);
    const s = this.snapshots.get(offset);
    if (s) {
      this.record = s.record;
      this.count = s.count;
      this.pages = s.pages;
      this.vmas = s.vmas;
    }
    this.cur = null;
    this.ldt = null;
  }
  close(): void {
    this.src.close();
  }
}

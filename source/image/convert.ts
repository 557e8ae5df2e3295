// The userspace conversion program the seed promised: v1 <-> v2, as a stream. Records are read
// one at a time, a VMA's addresses at most one VMA at a time, page contents one page at a time,
// so a 1 GiB image converts in bounded memory. Lossless where the target can hold the image;
// where it cannot (a VMA of more than 32767 pages into v1, ...) it stops with an error naming
// what and the limit, and the sink is aborted: nothing is written.

import { PAGE_SIZE } from '../kernel/constants.js';
import type { ErrnoName } from '../kernel/errno.js';
import { isKernelError } from '../kernel/errno.js';
import { CrError, type RecordRef } from './errors.js';
import type { FormatName } from './io.js';
import type { ImageSink } from './sink.js';
import { ShortRead, type ImageSource } from './source.js';
import {
  CR_HDR, CR_HEAD_MAGIC, CR_TAIL_MAGIC, SIZEOF, crHdrName, decodeHdr, decodeHead, decodeMm, decodeMmContext,
  decodeTail, decodeTask, decodeVma, encodeHdr, encodeHead, encodeMm, encodeMmContext, encodeTail, encodeTask,
  encodeVma, readAddr, writeAddr, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask, type CrHdrVma,
} from './v1/format.js';
import { crc32cUpdate } from './v2/crc32c.js';
import {
  V2_FORMAT_VERSION, V2_HDR, V2_LITTLE_ENDIAN, V2_MAGIC, V2_RUN_SIZE, V2_RUN_TRAILER, V2_SIZEOF, V2_TAIL_MAGIC,
  V2_WORD_SIZE, addToRuns, decodeV2Head, decodeV2Hdr, decodeV2Mm, decodeV2MmContext, decodeV2Runs, decodeV2Tail,
  decodeV2Task, decodeV2Vma, encodeRunTrailer, encodeV2Head, encodeV2Mm, encodeV2MmContext, encodeV2Record,
  encodeV2Runs, encodeV2Tail, encodeV2Task, encodeV2Vma, recordCrc, v2HdrName, type PageRun,
} from './v2/format.js';

const FN = 'ckpt_convert';
const S16_MAX = 0x7fff;
const hex = (n: number | bigint) => '0x' + n.toString(16);

export interface ConvertResult {
  from: FormatName;
  to: FormatName;
  records: number;
  pages: number;
  bytes: number;
}

/** What a converted image is made of, in the seed's order; ids are each record's own. */
interface Emitter {
  head(id: number, h: CrHdrHead): void;
  task(id: number, t: CrHdrTask, commId: number, comm: Buffer): void;
  mm(id: number, m: CrHdrMm): void;
  /** A VMA with its name and its pages as runs; page() follows once per page. */
  vma(index: number, id: number, v: CrHdrVma, nameId: number, name: Buffer | null, runs: PageRun[], runsId: number): void;
  page(p: Buffer): void;
  mmContext(id: number, c: CrHdrMmContext, ldt: Buffer): void;
  optional(type: number, id: number, payload: Buffer): void;
  tail(id: number): void;
  readonly records: number;
  readonly pages: number;
}

/** Reading side: exact reads, every failure a CrError naming the record and the byte offset. */
class In {
  record: RecordRef | null = null;
  /** The VMA record being converted: what a refusal about a VMA names. */
  vma: RecordRef | null = null;
  count = 0;
  constructor(readonly src: ImageSource) {}
  get remaining(): number {
    return this.src.size - this.src.offset;
  }
  fail(errno: ErrnoName, check: string, field: string | null = null, at = this.src.offset): never {
    throw new CrError(errno, FN, check, this.record, at, field);
  }
  read(n: number, what: string): Buffer {
    if (n > this.remaining) this.fail('EIO', `${what} needs ${n} bytes, the image ends ${this.remaining} bytes later (truncated)`);
    try {
      return this.src.read(n);
    } catch (e) {
      if (e instanceof ShortRead) this.fail('EIO', `image ends at byte ${e.offset + e.got}: ${what} needs ${n} bytes`);
      throw e;
    }
  }
  /** Reads n bytes into target (a scratch buffer reused page after page). */
  readInto(target: Buffer, what: string): Buffer {
    if (target.length > this.remaining) this.fail('EIO', `${what} needs ${target.length} bytes, the image ends ${this.remaining} bytes later (truncated)`);
    this.src.readInto(target, 0, target.length);
    return target;
  }
  begin(kind: string): number {
    const offset = this.src.offset;
    this.record = { kind, index: this.count++, offset };
    return offset;
  }
}

/** Reads a v1 image strictly: canonical record lengths only, so that converting back gives the same bytes. */
function readV1(i: In, out: Emitter): void {
  const obj = (type: number, exact: number | null, max = S16_MAX): { id: number; payload: Buffer; offset: number } => {
    const offset = i.begin(crHdrName(type));
    const h = decodeHdr(i.read(SIZEOF.cr_hdr, 'record header'));
    i.record = { kind: crHdrName(h.type), index: i.record!.index, offset };
    if (h.type !== type) i.fail('EINVAL', `expected ${crHdrName(type)}, found ${crHdrName(h.type)}`, 'type', offset);
    if (h.len < 0 || h.len > max) i.fail('EINVAL', `${crHdrName(type)} len ${h.len} not in 0..${max}`, 'len', offset + 2);
    if (exact !== null && h.len !== exact) i.fail('EINVAL', `${crHdrName(type)} len ${h.len}, not the ${exact} bytes of its struct: not converted (it would not come back byte for byte)`, 'len', offset + 2);
    return { id: h.id, payload: i.read(h.len, crHdrName(type)), offset };
  };
  const head = obj(CR_HDR.HEAD, SIZEOF.cr_hdr_head);
  const hh = decodeHead(head.payload);
  if (hh.magic !== CR_HEAD_MAGIC) i.fail('EINVAL', `bad head magic ${hex(hh.magic)}`, 'magic', head.offset + 8);
  out.head(head.id, hh);
  const task = obj(CR_HDR.TASK, SIZEOF.cr_hdr_task);
  const th = decodeTask(task.payload);
  if (th.taskCommLen < 0 || th.taskCommLen > S16_MAX) i.fail('EINVAL', `task_comm_len ${th.taskCommLen}`, 'task_comm_len', task.offset + 24);
  const comm = obj(CR_HDR.STRING, th.taskCommLen);
  out.task(task.id, th, comm.id, comm.payload);
  const mmr = obj(CR_HDR.MM, SIZEOF.cr_hdr_mm);
  const mm = decodeMm(mmr.payload);
  if (mm.mapCount < 0) i.fail('EINVAL', `map_count ${mm.mapCount} < 0`, 'map_count', mmr.offset + 8 + 96);
  out.mm(mmr.id, mm);
  for (let v = 0; v < mm.mapCount; v++) {
    const vr = obj(CR_HDR.VMA, SIZEOF.cr_hdr_vma);
    i.vma = i.record;
    const vh = decodeVma(vr.payload);
    if (vh.npages < 0) i.fail('EINVAL', `VMA #${v}: npages ${vh.npages} < 0 (a count above 32767 wrapped in __s16): the image cannot be read`, 'npages', vr.offset + 8 + 48);
    if (vh.namelen < 0) i.fail('EINVAL', `VMA #${v}: namelen ${vh.namelen} < 0`, 'namelen', vr.offset + 8 + 50);
    let name: { id: number; payload: Buffer } | null = null;
    if (vh.namelen) {
      name = obj(CR_HDR.STRING, vh.namelen);
    }
    const addrs = i.read(vh.npages * 8, `VMA #${v}'s ${vh.npages} page addresses`);
    if (vh.npages * PAGE_SIZE > i.remaining) i.fail('EIO', `VMA #${v}: ${vh.npages} pages need ${vh.npages * PAGE_SIZE} bytes, ${i.remaining} remain (truncated)`, 'npages');
    const runs: PageRun[] = [];
    for (let k = 0; k < vh.npages; k++) addToRuns(runs, readAddr(addrs, k * 8), PAGE_SIZE);
    out.vma(v, vr.id, vh, name?.id ?? vr.id, name?.payload ?? null, runs, vr.id);
    const page = Buffer.alloc(PAGE_SIZE);
    for (let k = 0; k < vh.npages; k++) out.page(i.readInto(page, `VMA #${v} page ${k} of ${vh.npages}`));
  }
  const cr = obj(CR_HDR.MM_CONTEXT, SIZEOF.cr_hdr_mm_context);
  const ch = decodeMmContext(cr.payload);
  if (ch.nldt < 0 || ch.ldtEntrySize !== 8) i.fail('EINVAL', `nldt ${ch.nldt}, ldt_entry_size ${ch.ldtEntrySize}`, 'nldt', cr.offset + 8);
  out.mmContext(cr.id, ch, i.read(ch.nldt * 8, `${ch.nldt} LDT entries`));
  for (;;) {
    if (i.remaining < SIZEOF.cr_hdr) break;
    const at = i.src.offset;
    const h = decodeHdr(i.src.read(SIZEOF.cr_hdr));
    i.src.seek(at);
    if (h.type !== CR_HDR.THREAD && h.type !== CR_HDR.CPU) break;
    const r = obj(h.type, null);
    out.optional(h.type, r.id, r.payload);
  }
  const t = obj(CR_HDR.TAIL, SIZEOF.cr_hdr_tail);
  if (decodeTail(t.payload).magic !== CR_TAIL_MAGIC) i.fail('EINVAL', 'bad tail magic', 'magic', t.offset + 8);
  if (i.remaining) i.fail('EINVAL', `${i.remaining} bytes after the tail`);
  out.tail(t.id);
}

/** Reads a v2 image, every record's and every run's checksum checked. */
function readV2(i: In, out: Emitter): void {
  let pages = 0;
  const obj = (type: number, exact: number | null, max = Infinity): { id: number; payload: Buffer; offset: number } => {
    const offset = i.begin(v2HdrName(type));
    const h = decodeV2Hdr(i.read(V2_SIZEOF.hdr, 'record header'));
    i.record = { kind: v2HdrName(h.type), index: i.record!.index, offset };
    if (h.type !== type) i.fail('EINVAL', `expected ${v2HdrName(type)}, found ${v2HdrName(h.type)}`, 'type', offset);
    if (exact !== null && h.len !== exact) i.fail('EINVAL', `${v2HdrName(type)} len ${h.len}, expected ${exact}`, 'len', offset + 4);
    if (h.len > max) i.fail('EINVAL', `${v2HdrName(type)} len ${h.len} exceeds ${max}`, 'len', offset + 4);
    const payload = i.read(h.len, v2HdrName(type));
    const crc = recordCrc(h.type, h.len, h.id, payload);
    if (crc !== h.crc) i.fail('EBADMSG', `${v2HdrName(type)} checksum ${hex(h.crc)}, computed ${hex(crc)}`, 'crc', offset + 12);
    return { id: h.id, payload, offset };
  };
  const head = obj(V2_HDR.HEAD, V2_SIZEOF.head);
  const { prologue: p, head: hh } = decodeV2Head(head.payload);
  if (p.magic !== V2_MAGIC || p.formatVersion !== V2_FORMAT_VERSION || p.pageSize !== PAGE_SIZE || p.wordSize !== V2_WORD_SIZE || p.endian !== V2_LITTLE_ENDIAN) {
    i.fail('EINVAL', `v2 head: version ${p.formatVersion}, page size ${p.pageSize}, word size ${p.wordSize}, endianness ${p.endian}: this converts version 2, 4096, 8, little`, 'format_version', head.offset + 16);
  }
  out.head(head.id, hh);
  const task = obj(V2_HDR.TASK, V2_SIZEOF.task);
  const th = decodeV2Task(task.payload);
  const comm = obj(V2_HDR.STRING, null, Math.max(0, th.taskCommLen));
  out.task(task.id, th, comm.id, comm.payload);
  const mmr = obj(V2_HDR.MM, V2_SIZEOF.mm);
  const { saved: _s, reserved: _r, ...mm } = decodeV2Mm(mmr.payload);
  if (mm.mapCount * (V2_SIZEOF.hdr + V2_SIZEOF.vma) > i.remaining) i.fail('EIO', `map_count ${mm.mapCount} cannot fit in the ${i.remaining} bytes left (truncated)`, 'map_count', mmr.offset + 16 + 96);
  out.mm(mmr.id, mm);
  for (let v = 0; v < mm.mapCount; v++) {
    const vr = obj(V2_HDR.VMA, V2_SIZEOF.vma);
    i.vma = i.record;
    const vh = decodeV2Vma(vr.payload);
    if (vh.npages * PAGE_SIZE > i.remaining) i.fail('EIO', `VMA #${v}: npages ${vh.npages} cannot fit in the ${i.remaining} bytes left (truncated)`, 'npages', vr.offset + 16 + 48);
    if (vh.namelen > PAGE_SIZE) i.fail('EINVAL', `VMA #${v}: namelen ${vh.namelen} exceeds ${PAGE_SIZE}`, 'namelen', vr.offset + 16 + 4);
    const name = vh.namelen ? obj(V2_HDR.STRING, vh.namelen) : null;
    let runs: PageRun[] = [];
    let runsId = vr.id;
    if (vh.npages) {
      const rr = obj(V2_HDR.PAGE_RUNS, null);
      const nruns = rr.payload.length >= 8 ? rr.payload.readUInt32LE(0) : -1;
      if (rr.payload.length !== V2_SIZEOF.page_runs + nruns * V2_RUN_SIZE) i.fail('EINVAL', `VMA #${v}: PAGE_RUNS len ${rr.payload.length} does not hold ${nruns} runs`, 'nruns', rr.offset + 16);
      runs = decodeV2Runs(rr.payload);
      const total = runs.reduce((s, r) => s + r.nrPages, 0);
      if (total !== vh.npages || runs.some((r) => !(r.nrPages >= 1) || !Number.isFinite(r.vaddr))) {
        i.fail('EINVAL', `VMA #${v}: runs hold ${total} pages, npages is ${vh.npages}`, 'nr_pages', rr.offset + 16);
      }
      runsId = rr.id;
    }
    out.vma(v, vr.id, vh, name?.id ?? vr.id, name?.payload ?? null, runs, runsId);
    const scratch = Buffer.alloc(PAGE_SIZE);
    for (const [k, r] of runs.entries()) {
      let crc = 0;
      for (let n = 0; n < r.nrPages; n++) {
        const page = i.readInto(scratch, `VMA #${v} run ${k} page ${n} of ${r.nrPages}`);
        crc = crc32cUpdate(crc, page);
        out.page(page);
      }
      const at = i.src.offset;
      const t = i.read(V2_RUN_TRAILER, `VMA #${v} run ${k} trailer`);
      if (t.readUInt32LE(4) !== k) i.fail('EINVAL', `VMA #${v}: run trailer says run ${t.readUInt32LE(4)}, expected ${k}`, 'run_index', at + 4);
      if (t.readUInt32LE(0) !== crc) i.fail('EBADMSG', `VMA #${v} run ${k} (${hex(r.vaddr)}, ${r.nrPages} pages): checksum ${hex(t.readUInt32LE(0))}, computed ${hex(crc)}`, 'crc', at);
      pages += r.nrPages;
    }
  }
  const cr = obj(V2_HDR.MM_CONTEXT, null, V2_SIZEOF.mm_context + 8192 * 8);
  if (cr.payload.length < V2_SIZEOF.mm_context) i.fail('EINVAL', `MM_CONTEXT len ${cr.payload.length}`, 'len', cr.offset + 4);
  const ch = decodeV2MmContext(cr.payload);
  if (ch.ldtEntrySize !== 8 || cr.payload.length !== V2_SIZEOF.mm_context + ch.nldt * 8) i.fail('EINVAL', `nldt ${ch.nldt} / ldt_entry_size ${ch.ldtEntrySize} do not match len ${cr.payload.length}`, 'nldt', cr.offset + 16);
  out.mmContext(cr.id, ch, cr.payload.subarray(V2_SIZEOF.mm_context));
  for (;;) {
    if (i.remaining < V2_SIZEOF.hdr) break;
    const at = i.src.offset;
    const h = decodeV2Hdr(i.src.read(V2_SIZEOF.hdr));
    i.src.seek(at);
    if (h.type === V2_HDR.WARNING) {
      i.record = { kind: v2HdrName(h.type), index: i.count, offset: at };
      i.fail('EOVERFLOW', 'the image carries warnings (CR_HDR_WARNING): v1 has no record for them', 'type', at);
    }
    if (h.type !== V2_HDR.THREAD && h.type !== V2_HDR.CPU) break;
    if (h.len > S16_MAX) {
      i.record = { kind: v2HdrName(h.type), index: i.count, offset: at };
      i.fail('EOVERFLOW', `${v2HdrName(h.type)} of ${h.len} bytes: v1's cr_hdr.len is __s16 (max ${S16_MAX})`, 'len', at + 4);
    }
    const r = obj(h.type, null);
    out.optional(h.type, r.id, r.payload);
  }
  const before = i.count;
  const t = obj(V2_HDR.TAIL, V2_SIZEOF.tail);
  const tt = decodeV2Tail(t.payload);
  if (tt.magic !== V2_TAIL_MAGIC) i.fail('EINVAL', `bad tail magic ${hex(tt.magic)}`, 'magic', t.offset + 16);
  if (tt.records !== before || tt.pages !== pages || tt.bytes !== t.offset) {
    i.fail('EINVAL', `tail counts ${tt.records} records, ${tt.pages} pages, ${tt.bytes} bytes; the image has ${before}, ${pages}, ${t.offset}`, 'records', t.offset + 16);
  }
  if (i.remaining) i.fail('EINVAL', `${i.remaining} bytes after the tail`);
  out.tail(t.id);
}

/** Writing side: bytes to the sink, every failure (a full disk) a CrError. */
class Out {
  constructor(readonly sink: ImageSink, readonly input: In) {}
  write(b: Uint8Array): void {
    try {
      this.sink.write(b);
    } catch (e) {
      if (isKernelError(e)) throw new CrError(e.errno, FN, `writing the converted image: ${e.check}`, this.input.record, this.sink.offset);
      throw e;
    }
  }
  /** The target cannot hold this: stop, naming what and the limit (and the record it is in). */
  refuse(check: string, field: string, at: RecordRef | null = this.input.record): never {
    throw new CrError('EOVERFLOW', FN, check, at, at?.offset ?? this.input.src.offset, field);
  }
}

function v1Emitter(o: Out): Emitter {
  let records = 0;
  let pages = 0;
  const obj = (type: number, id: number, payload: Buffer) => {
    o.write(encodeHdr({ type, len: payload.length, id }));
    o.write(payload);
    records++;
  };
  const s16 = (what: string, n: number, field: string, at?: RecordRef | null) => {
    if (n > S16_MAX) o.refuse(`${what} is ${n}: v1 stores it in an __s16 (max ${S16_MAX}); keep this image in v2`, field, at);
  };
  return {
    get records() { return records; },
    get pages() { return pages; },
    head: (id, h) => obj(CR_HDR.HEAD, id, encodeHead(h)),
    task: (id, t, commId, comm) => {
      s16('the comm string length', comm.length, 'task_comm_len');
      obj(CR_HDR.TASK, id, encodeTask(t));
      obj(CR_HDR.STRING, commId, comm);
    },
    mm: (id, m) => {
      s16('map_count', m.mapCount, 'map_count');
      if (m.mmFlags !== undefined && m.mmFlags !== 0n) o.refuse(`mm->flags ${hex(m.mmFlags)}: v1 has no field for mm->flags (defect 8); keep this image in v2`, 'mm_flags');
      obj(CR_HDR.MM, id, encodeMm({ tag: m.tag, fields: m.fields, mapCount: m.mapCount }));
    },
    vma: (index, id, v, nameId, name, runs, runsId) => {
      const what = `VMA #${index} ${hex(v.vmStart)}-${hex(v.vmEnd)}`;
      s16(`${what}: npages`, v.npages, 'npages', o.input.vma);
      s16(`${what}: namelen`, v.namelen, 'namelen', o.input.vma);
      if (runs.length && runsId !== id) o.refuse(`${what}: PAGE_RUNS id ${runsId} differs from the VMA's ${id}; v1 has no header for page addresses`, 'id');
      obj(CR_HDR.VMA, id, encodeVma(v));
      if (v.namelen && name) obj(CR_HDR.STRING, nameId, name);
      const addrs = Buffer.alloc(v.npages * 8);
      let k = 0;
      for (const r of runs) for (let n = 0; n < r.nrPages; n++) writeAddr(addrs, 8 * k++, r.vaddr + n * PAGE_SIZE);
      o.write(addrs);
    },
    page: (p) => {
      o.write(p);
      pages++;
    },
    mmContext: (id, c, ldt) => {
      s16('nldt', c.nldt, 'nldt');
      obj(CR_HDR.MM_CONTEXT, id, encodeMmContext(c));
      o.write(ldt);
    },
    optional: (type, id, payload) => {
      s16(`${crHdrName(type)} len`, payload.length, 'len');
      obj(type, id, payload);
    },
    tail: (id) => obj(CR_HDR.TAIL, id, encodeTail()),
  };
}

function v2Emitter(o: Out): Emitter {
  let records = 0;
  let pages = 0;
  let run: { runs: PageRun[]; index: number; left: number; crc: number } | null = null;
  const obj = (type: number, id: number, payload: Buffer) => {
    o.write(encodeV2Record(type, id, payload));
    records++;
  };
  return {
    get records() { return records; },
    get pages() { return pages; },
    head: (id, h) => obj(V2_HDR.HEAD, id, encodeV2Head(h)),
    task: (id, t, commId, comm) => {
      obj(V2_HDR.TASK, id, encodeV2Task(t));
      obj(V2_HDR.STRING, commId, comm);
    },
    mm: (id, m) => obj(V2_HDR.MM, id, encodeV2Mm(m)),
    vma: (_index, id, v, nameId, name, runs, runsId) => {
      obj(V2_HDR.VMA, id, encodeV2Vma(v));
      if (v.namelen && name) obj(V2_HDR.STRING, nameId, name);
      if (runs.length) {
        obj(V2_HDR.PAGE_RUNS, runsId, encodeV2Runs(runs));
        run = { runs, index: 0, left: runs[0]!.nrPages, crc: 0 };
      }
    },
    page: (p) => {
      o.write(p);
      pages++;
      const r = run!;
      r.crc = crc32cUpdate(r.crc, p);
      if (--r.left === 0) {
        o.write(encodeRunTrailer(r.crc, r.index));
        r.crc = 0;
        r.index++;
        if (r.index === r.runs.length) run = null;
        else r.left = r.runs[r.index]!.nrPages;
      }
    },
    mmContext: (id, c, ldt) => obj(V2_HDR.MM_CONTEXT, id, encodeV2MmContext(c, ldt)),
    optional: (type, id, payload) => obj(type, id, payload),
    tail: (id) => obj(V2_HDR.TAIL, id, encodeV2Tail({ records, pages, bytes: o.sink.offset })),
  };
}

/** Converts the image src (format from) into sink in format to; aborts the sink on any failure. */
export function convertImage(src: ImageSource, from: FormatName, sink: ImageSink, to: FormatName): ConvertResult {
  const input = new In(src);
  const out = new Out(sink, input);
  const emitter = to === 'v1' ? v1Emitter(out) : v2Emitter(out);
  try {
    if (from === 'v1') readV1(input, emitter);
    else readV2(input, emitter);
    sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  }
  return { from, to, records: emitter.records, pages: emitter.pages, bytes: sink.offset };
}

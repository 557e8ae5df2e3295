// Decodes a v2 image record by record, with the byte offset of each: every record's CRC and
// length are checked, runs of page contents are checked by their CRC and summarised, and
// decoding stops at the first bad byte with the reason.

import { PAGE_SIZE } from '../../kernel/constants.js';
import type { ImageSource } from '../source.js';
import { DecodeWalk, cstr, type Decoded, type DecodedRecord, type FieldValue } from '../decode.js';
import { CR_HEAD_MAGIC, type CrHdr } from '../v1/format.js';
import { crc32cUpdate } from './crc32c.js';
import {
  V2_FORMAT_VERSION, V2_HDR, V2_WARNING_MAX, V2_MAGIC, V2_RUN_SIZE, V2_RUN_TRAILER, V2_SIZEOF, V2_TAIL_MAGIC, decodeV2Head,
  decodeV2Hdr, decodeV2Mm, decodeV2MmContext, decodeV2Runs, decodeV2Tail, decodeV2Task, decodeV2Vma, recordCrc,
  v2HdrName, type V2Hdr,
} from './format.js';

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** Walks a v2 image in the seed's order; on[record] is called as each record is decoded. */
export function decodeV2(src: ImageSource, on: (r: DecodedRecord) => void = () => {}): Decoded {
  const walk = new DecodeWalk(src, on, ' (truncated)');
  const { emit, stop, read } = walk;
  let nrec = 0;
  let pages = 0;
  const asHdr = (h: V2Hdr): CrHdr => ({ type: h.type, len: h.len, id: h.id });
  const record = (want: number, exact: number | null, max = Infinity): { h: V2Hdr; payload: Buffer; offset: number } => {
    const offset = src.offset;
    const h = decodeV2Hdr(read(V2_SIZEOF.hdr, 'record header'));
    const name = v2HdrName(h.type);
    if (h.type !== want) stop(offset, name, 'EINVAL', `expected ${v2HdrName(want)} at byte ${offset}, found ${name}`);
    if (exact !== null && h.len !== exact) stop(offset + 4, name, 'EINVAL', `${name} at byte ${offset}: len ${h.len}, expected ${exact}`);
    if (h.len > max) stop(offset + 4, name, 'EINVAL', `${name} at byte ${offset}: len ${h.len} exceeds ${max}`);
    if (h.len > src.size - src.offset) stop(offset + 4, name, 'EIO', `${name} at byte ${offset}: len ${h.len}, only ${src.size - src.offset} bytes remain (truncated)`);
    const payload = read(h.len, name);
    const crc = recordCrc(h.type, h.len, h.id, payload);
    if (crc !== h.crc) stop(offset + 12, name, 'EBADMSG', `${name} at byte ${offset}: checksum ${hex(h.crc)}, computed ${hex(crc)}`);
    nrec++;
    return { h, payload, offset };
  };

  return walk.run(() => {
    const head = record(V2_HDR.HEAD, V2_SIZEOF.head);
    const { prologue: p, head: hh } = decodeV2Head(head.payload);
    emit({ offset: head.offset, kind: 'CR_HDR_HEAD', hdr: asHdr(head.h), length: 16 + head.h.len, fields: {
      format: `v${p.formatVersion}`, page_size: p.pageSize, word_size: p.wordSize, endian: p.endian === 1 ? 'little' : `unknown ${p.endian}`,
      magic: hex(hh.magic), version: `${hh.major}.${hh.minor}.${hh.patch}`, rev: hh.rev, time: Number(hh.time),
      flags: hex(hh.flags), release: hh.release, machine: hh.machine,
    } });
    if (p.magic !== V2_MAGIC) stop(head.offset + 16, 'CR_HDR_HEAD', 'EINVAL', `bad v2 magic ${hex(p.magic)}`);
    if (p.formatVersion !== V2_FORMAT_VERSION) stop(head.offset + 24, 'CR_HDR_HEAD', 'EINVAL', `format version ${p.formatVersion}, expected ${V2_FORMAT_VERSION}`);
    if (p.pageSize !== PAGE_SIZE) stop(head.offset + 28, 'CR_HDR_HEAD', 'EINVAL', `page size ${p.pageSize}, expected ${PAGE_SIZE}`);
    if (p.wordSize !== 8 || p.endian !== 1) stop(head.offset + 32, 'CR_HDR_HEAD', 'EINVAL', `word size ${p.wordSize} / endianness ${p.endian}: this reads 8 / little (1)`);
    if (hh.magic !== CR_HEAD_MAGIC) stop(head.offset + 40, 'CR_HDR_HEAD', 'EINVAL', `bad head magic ${hex(hh.magic)}`);

    const task = record(V2_HDR.TASK, V2_SIZEOF.task);
    const th = decodeV2Task(task.payload);
    emit({ offset: task.offset, kind: 'CR_HDR_TASK', hdr: asHdr(task.h), length: 16 + task.h.len, fields: {
      state: th.state, exit_state: th.exitState, exit_code: th.exitCode, exit_signal: th.exitSignal, task_comm_len: th.taskCommLen,
    } });
    const comm = record(V2_HDR.STRING, null, Math.max(0, Math.min(th.taskCommLen, 16)));
    emit({ offset: comm.offset, kind: 'CR_HDR_STRING', hdr: asHdr(comm.h), length: 16 + comm.h.len, fields: { comm: cstr(comm.payload) } });

    const mmr = record(V2_HDR.MM, V2_SIZEOF.mm);
    const mm = decodeV2Mm(mmr.payload);
    const mmFields: Record<string, FieldValue> = { tag: mm.tag };
    for (const [k, v] of Object.entries(mm.fields)) mmFields[k] = hex(v);
    mmFields.map_count = mm.mapCount;
    mmFields.mm_flags = mm.mmFlags === undefined ? 'not saved' : hex(mm.mmFlags);
    emit({ offset: mmr.offset, kind: 'CR_HDR_MM', hdr: asHdr(mmr.h), length: 16 + mmr.h.len, fields: mmFields });
    if (mm.mapCount * (V2_SIZEOF.hdr + V2_SIZEOF.vma) > src.size - src.offset) {
      stop(mmr.offset + 16 + 96, 'CR_HDR_MM', 'EIO', `map_count ${mm.mapCount} VMAs cannot fit in the ${src.size - src.offset} bytes left (truncated)`);
    }

    for (let v = 0; v < mm.mapCount; v++) {
      const vr = record(V2_HDR.VMA, V2_SIZEOF.vma);
      const vh = decodeV2Vma(vr.payload);
      emit({ offset: vr.offset, kind: 'CR_HDR_VMA', hdr: asHdr(vr.h), length: 16 + vr.h.len, fields: {
        vma: v, how: vh.how === 1 ? 'CR_VMA_ANON' : vh.how === 2 ? 'CR_VMA_FILE' : `unknown ${vh.how}`,
        vm_start: hex(vh.vmStart), vm_end: hex(vh.vmEnd), vm_page_prot: hex(vh.vmPageProt), vm_flags: hex(vh.vmFlags),
        vm_pgoff: hex(vh.vmPgoff), npages: vh.npages, namelen: vh.namelen,
      } });
      if (vh.namelen > PAGE_SIZE) stop(vr.offset + 16 + 4, 'CR_HDR_VMA', 'EINVAL', `VMA ${v}: namelen ${vh.namelen} exceeds ${PAGE_SIZE}`);
      if (vh.npages * PAGE_SIZE > src.size - src.offset) stop(vr.offset + 16 + 48, 'CR_HDR_VMA', 'EIO', `VMA ${v}: npages ${vh.npages} cannot fit in the ${src.size - src.offset} bytes left (truncated)`);
      if (vh.namelen) {
        const s = record(V2_HDR.STRING, vh.namelen);
        emit({ offset: s.offset, kind: 'CR_HDR_STRING', hdr: asHdr(s.h), length: 16 + s.h.len, fields: { name: cstr(s.payload) } });
      }
      if (!vh.npages) continue;
      const rr = record(V2_HDR.PAGE_RUNS, null, src.size);
      const nruns = rr.payload.length >= 8 ? rr.payload.readUInt32LE(0) : -1;
      if (rr.payload.length !== V2_SIZEOF.page_runs + nruns * V2_RUN_SIZE) {
        stop(rr.offset + 16, 'CR_HDR_PAGE_RUNS', 'EINVAL', `VMA ${v}: PAGE_RUNS len ${rr.payload.length} does not hold ${nruns} runs`);
      }
      const runs = decodeV2Runs(rr.payload);
      const total = runs.reduce((s, r) => s + r.nrPages, 0);
      const start = Number(vh.vmStart);
      const end = Number(vh.vmEnd);
      let outside = 0;
      for (const r of runs) if (r.vaddr % PAGE_SIZE || r.vaddr < start || r.vaddr + r.nrPages * PAGE_SIZE > end) outside++;
      emit({ offset: rr.offset, kind: 'CR_HDR_PAGE_RUNS', hdr: asHdr(rr.h), length: 16 + rr.h.len, fields: {
        vma: v, runs: runs.length, pages: total, first: runs[0] ? hex(runs[0].vaddr) : '-', runs_outside_vma: outside,
      } });
      if (total !== vh.npages || runs.some((r) => !(r.nrPages >= 1))) stop(rr.offset + 16, 'CR_HDR_PAGE_RUNS', 'EINVAL', `VMA ${v}: runs hold ${total} pages, npages is ${vh.npages}`);
      const dataAt = src.offset;
      let zero = 0;
      const samples: string[] = [];
      for (const [i, r] of runs.entries()) {
        let crc = 0;
        for (let k = 0; k < r.nrPages; k++) {
          const page = read(PAGE_SIZE, `VMA ${v} run ${i} page ${k} of ${r.nrPages}`);
          crc = crc32cUpdate(crc, page);
          if (page.every((b) => b === 0)) zero++;
          if (samples.length < 3) samples.push(`${hex(r.vaddr + k * PAGE_SIZE)}: ${page.subarray(0, 8).toString('hex')}...`);
        }
        const at = src.offset;
        const t = read(V2_RUN_TRAILER, `VMA ${v} run ${i} trailer`);
        if (t.readUInt32LE(4) !== i) stop(at + 4, 'page contents', 'EINVAL', `VMA ${v}: run trailer says run ${t.readUInt32LE(4)}, expected ${i}`);
        if (t.readUInt32LE(0) !== crc) stop(at, 'page contents', 'EBADMSG', `VMA ${v} run ${i} (${hex(r.vaddr)}, ${r.nrPages} pages): checksum ${hex(t.readUInt32LE(0))}, computed ${hex(crc)}`);
      }
      pages += total;
      emit({ offset: dataAt, kind: 'raw', hdr: null, length: src.offset - dataAt, fields: {
        what: 'page contents', vma: v, runs: runs.length, pages: total, bytes: total * PAGE_SIZE, all_zero: zero,
        checksums: 'ok', first_bytes: samples.join(' | '),
      } });
    }

    const cr = record(V2_HDR.MM_CONTEXT, null, V2_SIZEOF.mm_context + 8192 * 8);
    if (cr.payload.length < V2_SIZEOF.mm_context) stop(cr.offset + 4, 'CR_HDR_MM_CONTEXT', 'EINVAL', `len ${cr.payload.length} < ${V2_SIZEOF.mm_context}`);
    const ch = decodeV2MmContext(cr.payload);
    let used = 0;
    for (let i = 0; i < ch.nldt && 8 + i * 8 + 8 <= cr.payload.length; i++) if (cr.payload.readBigUInt64LE(8 + i * 8) !== 0n) used++;
    emit({ offset: cr.offset, kind: 'CR_HDR_MM_CONTEXT', hdr: asHdr(cr.h), length: 16 + cr.h.len, fields: { ldt_entry_size: ch.ldtEntrySize, nldt: ch.nldt, non_empty: used } });
    if (ch.ldtEntrySize !== 8) stop(cr.offset + 16, 'CR_HDR_MM_CONTEXT', 'EINVAL', `ldt_entry_size ${ch.ldtEntrySize} != 8`);
    if (cr.payload.length !== V2_SIZEOF.mm_context + ch.nldt * 8) stop(cr.offset + 20, 'CR_HDR_MM_CONTEXT', 'EINVAL', `nldt ${ch.nldt} does not match len ${cr.payload.length}`);

    for (;;) {
      const offset = src.offset;
      const h = decodeV2Hdr(read(V2_SIZEOF.hdr, 'record header'));
      src.seek(offset);
      if (h.type !== V2_HDR.THREAD && h.type !== V2_HDR.CPU && h.type !== V2_HDR.WARNING) break;
      const r = record(h.type, null, h.type === V2_HDR.WARNING ? V2_WARNING_MAX : src.size);
      const fields: Record<string, FieldValue> = h.type === V2_HDR.WARNING ? { text: r.payload.toString('utf8') } : { skipped: 'not simulated' };
      emit({ offset: r.offset, kind: v2HdrName(h.type), hdr: asHdr(r.h), length: 16 + r.h.len, fields });
    }
    const before = nrec;
    const t = record(V2_HDR.TAIL, V2_SIZEOF.tail);
    const tt = decodeV2Tail(t.payload);
    emit({ offset: t.offset, kind: 'CR_HDR_TAIL', hdr: asHdr(t.h), length: 16 + t.h.len, fields: { magic: hex(tt.magic), records: tt.records, pages: tt.pages, bytes: tt.bytes } });
    if (tt.magic !== V2_TAIL_MAGIC) stop(t.offset + 16, 'CR_HDR_TAIL', 'EINVAL', `bad tail magic ${hex(tt.magic)}`);
    if (tt.records !== before) stop(t.offset + 24, 'CR_HDR_TAIL', 'EINVAL', `tail counts ${tt.records} records, the image has ${before}`);
    if (tt.pages !== pages) stop(t.offset + 32, 'CR_HDR_TAIL', 'EINVAL', `tail counts ${tt.pages} pages, the image has ${pages}`);
    if (tt.bytes !== t.offset) stop(t.offset + 40, 'CR_HDR_TAIL', 'EINVAL', `tail says it starts at byte ${tt.bytes}, it is at ${t.offset}`);
    if (src.offset !== src.size) stop(src.offset, 'trailing bytes', 'EINVAL', `${src.size - src.offset} bytes after CR_HDR_TAIL`);
  });
}

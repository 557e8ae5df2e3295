// Decodes a v1 image record by record, with the byte offset of each, as `crit show` does for
// CRIU: raw data (addresses, pages, LDT) is summarised, and decoding stops at the first bad byte.

import { PAGE_SIZE } from '../../kernel/constants.js';
import type { ImageSource } from '../source.js';
import { DecodeWalk, cstr, type Decoded, type DecodedRecord, type FieldValue } from '../decode.js';
import {
  CR_HDR, CR_HEAD_MAGIC, CR_TAIL_MAGIC, SIZEOF, crHdrName, decodeHdr, decodeHead, decodeMm, decodeMmContext,
  decodeTail, decodeTask, decodeVma, readAddr, type CrHdr,
} from './format.js';

export type { Decoded, DecodedRecord, DecodeFailure, FieldValue } from '../decode.js';

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** Walks the image in the seed's order; on[record] is called as each record is decoded. */
export function decodeV1(src: ImageSource, on: (r: DecodedRecord) => void = () => {}, maxPageSummaries = Infinity): Decoded {
  const walk = new DecodeWalk(src, on);
  const { emit, stop, read } = walk;
  const record = (want: number | null, size: number): { h: CrHdr; payload: Buffer; offset: number } => {
    const offset = src.offset;
    const h = decodeHdr(read(SIZEOF.cr_hdr, 'record header'));
    const name = crHdrName(h.type);
    if (want !== null && h.type !== want) stop(offset, name, 'EINVAL', `expected ${crHdrName(want)} at byte ${offset}, found ${name}`);
    if (h.len < 0 || h.len > size) stop(offset, name, 'EINVAL', `${name} at byte ${offset}: len ${h.len} not in 0..${size}`);
    const payload = Buffer.alloc(size);
    read(h.len, name).copy(payload);
    return { h, payload, offset };
  };

  return walk.run(() => {
    const head = record(CR_HDR.HEAD, SIZEOF.cr_hdr_head);
    const hh = decodeHead(head.payload);
    emit({ offset: head.offset, kind: 'CR_HDR_HEAD', hdr: head.h, length: 8 + head.h.len, fields: {
      magic: hex(hh.magic), version: `${hh.major}.${hh.minor}.${hh.patch}`, rev: hh.rev, time: Number(hh.time),
      flags: hex(hh.flags), release: hh.release, machine: hh.machine,
    } });
    if (hh.magic !== CR_HEAD_MAGIC) stop(head.offset, 'CR_HDR_HEAD', 'EINVAL', `bad head magic ${hex(hh.magic)} at byte ${head.offset + 8}`);

    const task = record(CR_HDR.TASK, SIZEOF.cr_hdr_task);
    const th = decodeTask(task.payload);
    emit({ offset: task.offset, kind: 'CR_HDR_TASK', hdr: task.h, length: 8 + task.h.len, fields: {
      state: th.state, exit_state: th.exitState, exit_code: th.exitCode, exit_signal: th.exitSignal, task_comm_len: th.taskCommLen,
    } });
    const comm = record(CR_HDR.STRING, Math.max(0, Math.min(th.taskCommLen, 16)));
    emit({ offset: comm.offset, kind: 'CR_HDR_STRING', hdr: comm.h, length: 8 + comm.h.len, fields: { comm: cstr(comm.payload) } });

    const mmr = record(CR_HDR.MM, SIZEOF.cr_hdr_mm);
    const mm = decodeMm(mmr.payload);
    const mmFields: Record<string, FieldValue> = { tag: mm.tag };
    for (const [k, v] of Object.entries(mm.fields)) mmFields[k] = hex(v);
    mmFields.map_count = mm.mapCount;
    emit({ offset: mmr.offset, kind: 'CR_HDR_MM', hdr: mmr.h, length: 8 + mmr.h.len, fields: mmFields });
    if (mm.mapCount < 0) stop(mmr.offset, 'CR_HDR_MM', 'EINVAL', `map_count ${mm.mapCount} < 0`);

    for (let v = 0; v < mm.mapCount; v++) {
      const vr = record(CR_HDR.VMA, SIZEOF.cr_hdr_vma);
      const vh = decodeVma(vr.payload);
      emit({ offset: vr.offset, kind: 'CR_HDR_VMA', hdr: vr.h, length: 8 + vr.h.len, fields: {
        vma: v, how: vh.how === 1 ? 'CR_VMA_ANON' : vh.how === 2 ? 'CR_VMA_FILE' : `unknown ${vh.how}`,
        vm_start: hex(vh.vmStart), vm_end: hex(vh.vmEnd), vm_page_prot: hex(vh.vmPageProt), vm_flags: hex(vh.vmFlags),
        vm_pgoff: hex(vh.vmPgoff), npages: vh.npages, namelen: vh.namelen,
      } });
      if (vh.npages < 0) stop(vr.offset + 8 + 48, 'CR_HDR_VMA', 'EINVAL', `VMA ${v}: npages ${vh.npages} < 0 (a count above 32767 wrapped in __s16)`);
      if (vh.namelen < 0) stop(vr.offset + 8 + 50, 'CR_HDR_VMA', 'EINVAL', `VMA ${v}: namelen ${vh.namelen} < 0`);
      if (vh.namelen) {
        const s = record(CR_HDR.STRING, PAGE_SIZE);
        emit({ offset: s.offset, kind: 'CR_HDR_STRING', hdr: s.h, length: 8 + s.h.len, fields: { name: cstr(s.payload.subarray(0, s.h.len)) } });
      }
      if (vh.npages) {
        const at = src.offset;
        const addrs = read(vh.npages * 8, `VMA ${v} page addresses`);
        const first = readAddr(addrs, 0);
        const last = readAddr(addrs, (vh.npages - 1) * 8);
        let outside = 0;
        for (let i = 0; i < vh.npages; i++) {
          const a = readAddr(addrs, i * 8);
          if (a < Number(vh.vmStart) || a >= Number(vh.vmEnd) || a % PAGE_SIZE) outside++;
        }
        emit({ offset: at, kind: 'raw', hdr: null, length: vh.npages * 8, fields: {
          what: 'page addresses', vma: v, count: vh.npages, first: hex(first), last: hex(last), outside_vma: outside,
        } });
        const dataAt = src.offset;
        let zero = 0;
        const samples: string[] = [];
        for (let i = 0; i < vh.npages; i++) {
          const page = read(PAGE_SIZE, `VMA ${v} page ${i} of ${vh.npages}`);
          if (page.every((b) => b === 0)) zero++;
          if (samples.length < Math.min(3, maxPageSummaries)) samples.push(`${hex(readAddr(addrs, i * 8))}: ${page.subarray(0, 8).toString('hex')}...`);
        }
        emit({ offset: dataAt, kind: 'raw', hdr: null, length: vh.npages * PAGE_SIZE, fields: {
          what: 'page contents', vma: v, pages: vh.npages, bytes: vh.npages * PAGE_SIZE, all_zero: zero, first_bytes: samples.join(' | '),
        } });
      }
    }

    const cr = record(CR_HDR.MM_CONTEXT, SIZEOF.cr_hdr_mm_context);
    const ch = decodeMmContext(cr.payload);
    emit({ offset: cr.offset, kind: 'CR_HDR_MM_CONTEXT', hdr: cr.h, length: 8 + cr.h.len, fields: { ldt_entry_size: ch.ldtEntrySize, nldt: ch.nldt } });
    if (ch.nldt < 0) stop(cr.offset + 10, 'CR_HDR_MM_CONTEXT', 'EINVAL', `nldt ${ch.nldt} < 0`);
    if (ch.ldtEntrySize !== 8) stop(cr.offset + 8, 'CR_HDR_MM_CONTEXT', 'EINVAL', `ldt_entry_size ${ch.ldtEntrySize} != 8`);
    if (ch.nldt) {
      const at = src.offset;
      const ldt = read(ch.nldt * 8, 'LDT entries');
      let used = 0;
      for (let i = 0; i < ch.nldt; i++) if (readAddr(ldt, i * 8) !== 0) used++;
      emit({ offset: at, kind: 'raw', hdr: null, length: ch.nldt * 8, fields: { what: 'LDT entries', count: ch.nldt, non_empty: used } });
    }

    for (;;) {
      const offset = src.offset;
      const h = decodeHdr(read(SIZEOF.cr_hdr, 'record header'));
      src.seek(offset);
      if (h.type === CR_HDR.THREAD || h.type === CR_HDR.CPU) {
        const r = record(h.type, Math.max(h.len, 0));
        emit({ offset: r.offset, kind: crHdrName(h.type), hdr: r.h, length: 8 + r.h.len, fields: { skipped: 'not simulated' } });
        continue;
      }
      break;
    }
    const t = record(CR_HDR.TAIL, SIZEOF.cr_hdr_tail);
    const th2 = decodeTail(t.payload);
    emit({ offset: t.offset, kind: 'CR_HDR_TAIL', hdr: t.h, length: 8 + t.h.len, fields: { magic: hex(th2.magic) } });
    if (th2.magic !== CR_TAIL_MAGIC) stop(t.offset + 8, 'CR_HDR_TAIL', 'EINVAL', `bad tail magic ${hex(th2.magic)}`);
    if (src.offset !== src.size) stop(src.offset, 'trailing bytes', 'EINVAL', `${src.size - src.offset} bytes after CR_HDR_TAIL`);
  });
}

// Format v2: ckpt's own revision of the image. Every record has a 16-byte header
// { u32 type; u32 len; u32 id; u32 crc32c } and a CRC32C over the header's first 12 bytes and
// the payload; counts are u32 / u64; pages travel as runs {vaddr, nr_pages} followed by their
// contents and a CRC per run; a tail with totals tells a truncated image from a whole one.

import {
  CR_HDR, SIZEOF as V1_SIZEOF, decodeHead as decodeV1Head, decodeTask as decodeV1Task, encodeHead as encodeV1Head,
  encodeTask as encodeV1Task, MM_FIELDS, type CrHdrHead, type CrHdrMm, type CrHdrMmContext, type CrHdrTask,
  type CrHdrVma, type MmFieldName,
} from '../v1/format.js';
import { crc32c, crc32cUpdate } from './crc32c.js';

/** Record types: v1's numbers where v1 has the record, plus PAGE_RUNS. */
export const V2_HDR = {
  HEAD: CR_HDR.HEAD,
  STRING: CR_HDR.STRING,
  TASK: CR_HDR.TASK,
  THREAD: CR_HDR.THREAD,
  CPU: CR_HDR.CPU,
  MM: CR_HDR.MM,
  VMA: CR_HDR.VMA,
  MM_CONTEXT: CR_HDR.MM_CONTEXT,
  PAGE_RUNS: 210,
  /** A warning the checkpoint carries (e.g. a VMA a capture left out): UTF-8 text, before TAIL. */
  WARNING: 211,
  TAIL: CR_HDR.TAIL,
} as const;

/** The C-style name of a v2 record type. */
export function v2HdrName(type: number): string {
  for (const [k, v] of Object.entries(V2_HDR)) if (v === type) return `CR_HDR_${k}`;
  return `type ${type}`;
}

/** "ckpt-v2\n" read as a little-endian u64: the first 8 bytes of the HEAD payload. */
export const V2_MAGIC = Buffer.from('ckpt-v2\n', 'latin1').readBigUInt64LE(0);
/** "ckpt-end" as a little-endian u64: the first 8 bytes of the TAIL payload. */
export const V2_TAIL_MAGIC = Buffer.from('ckpt-end', 'latin1').readBigUInt64LE(0);
export const V2_FORMAT_VERSION = 2;
/** The longest warning text a WARNING record holds. */
export const V2_WARNING_MAX = 4096;
export const V2_WORD_SIZE = 8;
export const V2_LITTLE_ENDIAN = 1;
/** The largest count v2 holds (map_count, nruns, nldt are u32; npages is u64 but kept below this). */
export const V2_MAX_COUNT = 0xffffffff;
/** Bytes of the trailer after each run's contents: { u32 crc32c; u32 run_index }. */
export const V2_RUN_TRAILER = 8;
/** Bytes of one run in a PAGE_RUNS payload: { u64 vaddr; u64 nr_pages }. */
export const V2_RUN_SIZE = 16;

export const V2_SIZEOF = {
  hdr: 16,
  /** v2 prologue (24 bytes) then v1's cr_hdr_head (224 bytes). */
  head: 24 + V1_SIZEOF.cr_hdr_head,
  task: V1_SIZEOF.cr_hdr_task,
  mm: 112,
  vma: 64,
  /** Fixed part of MM_CONTEXT; nldt * 8 bytes of descriptors follow inside the payload. */
  mm_context: 8,
  /** Fixed part of PAGE_RUNS; nruns * 16 bytes follow. */
  page_runs: 8,
  tail: 32,
} as const;

/** Where the v2 magic sits in a file: right after the HEAD record's header. */
export const V2_MAGIC_OFFSET = V2_SIZEOF.hdr;

export interface V2Hdr {
  type: number;
  len: number;
  id: number;
  crc: number;
}

/** The CRC a record's header carries: over type, len, id and then the payload. */
export function recordCrc(type: number, len: number, id: number, payload: Uint8Array): number {
  const h = Buffer.alloc(12);
  h.writeUInt32LE(type >>> 0, 0);
  h.writeUInt32LE(len >>> 0, 4);
  h.writeUInt32LE(id >>> 0, 8);
  return crc32cUpdate(crc32c(h), payload);
}

export function encodeV2Record(type: number, id: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.hdr + payload.length);
  b.writeUInt32LE(type >>> 0, 0);
  b.writeUInt32LE(payload.length >>> 0, 4);
  b.writeUInt32LE(id >>> 0, 8);
  b.writeUInt32LE(recordCrc(type, payload.length, id, payload), 12);
  payload.copy(b, V2_SIZEOF.hdr);
  return b;
}

export function decodeV2Hdr(b: Buffer): V2Hdr {
  return { type: b.readUInt32LE(0), len: b.readUInt32LE(4), id: b.readUInt32LE(8), crc: b.readUInt32LE(12) };
}

/** The v2 prologue of HEAD: what a reader must agree with before it reads anything else. */
export interface V2Prologue {
  magic: bigint;
  formatVersion: number;
  pageSize: number;
  wordSize: number;
  endian: number;
}

export function encodeV2Head(h: CrHdrHead, pageSize = 4096): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.head);
  b.writeBigUInt64LE(V2_MAGIC, 0);
  b.writeUInt32LE(V2_FORMAT_VERSION, 8);
  b.writeUInt32LE(pageSize, 12);
  b.writeUInt8(V2_WORD_SIZE, 16);
  b.writeUInt8(V2_LITTLE_ENDIAN, 17);
  encodeV1Head(h).copy(b, 24);
  return b;
}

export function decodeV2Head(b: Buffer): { prologue: V2Prologue; head: CrHdrHead } {
  return {
    prologue: {
      magic: b.readBigUInt64LE(0), formatVersion: b.readUInt32LE(8), pageSize: b.readUInt32LE(12),
      wordSize: b.readUInt8(16), endian: b.readUInt8(17),
    },
    head: decodeV1Head(b.subarray(24, 24 + V1_SIZEOF.cr_hdr_head)),
  };
}

export function encodeV2Task(t: CrHdrTask): Buffer {
  return encodeV1Task(t);
}
export function decodeV2Task(b: Buffer): CrHdrTask {
  return decodeV1Task(b);
}

/** MM: u32 tag; u32 saved (bit 0: mm_flags is saved); 11 x u64 layout; u32 map_count; u32 0; u64 mm_flags. */
export const V2_MM_SAVED_FLAGS = 1;

export function encodeV2Mm(m: CrHdrMm): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.mm);
  b.writeUInt32LE(m.tag >>> 0, 0);
  b.writeUInt32LE(m.mmFlags !== undefined ? V2_MM_SAVED_FLAGS : 0, 4);
  MM_FIELDS.forEach((f, i) => b.writeBigUInt64LE(BigInt.asUintN(64, m.fields[f]), 8 + 8 * i));
  b.writeUInt32LE(m.mapCount >>> 0, 96);
  b.writeBigUInt64LE(BigInt.asUintN(64, m.mmFlags ?? 0n), 104);
  return b;
}

export function decodeV2Mm(b: Buffer): CrHdrMm & { saved: number; reserved: number } {
  const fields = {} as Record<MmFieldName, bigint>;
  MM_FIELDS.forEach((f, i) => (fields[f] = b.readBigUInt64LE(8 + 8 * i)));
  const saved = b.readUInt32LE(4);
  const m: CrHdrMm & { saved: number; reserved: number } = {
    tag: b.readUInt32LE(0), fields, mapCount: b.readUInt32LE(96), saved, reserved: b.readUInt32LE(100),
  };
  if (saved & V2_MM_SAVED_FLAGS) m.mmFlags = b.readBigUInt64LE(104);
  return m;
}

/** VMA: u32 how; u32 namelen; u64 vm_start, vm_end, vm_page_prot, vm_flags, vm_pgoff, npages; u64 0. */
export function encodeV2Vma(v: CrHdrVma): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.vma);
  b.writeUInt32LE(v.how >>> 0, 0);
  b.writeUInt32LE(v.namelen >>> 0, 4);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmStart), 8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmEnd), 16);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmPageProt), 24);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmFlags), 32);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmPgoff), 40);
  b.writeBigUInt64LE(BigInt(v.npages), 48);
  return b;
}

/** npages comes back as a number; a u64 beyond 2^53 becomes Infinity so every bound check rejects it. */
export function decodeV2Vma(b: Buffer): CrHdrVma {
  const np = b.readBigUInt64LE(48);
  return {
    how: b.readUInt32LE(0), namelen: b.readUInt32LE(4), vmStart: b.readBigUInt64LE(8), vmEnd: b.readBigUInt64LE(16),
    vmPageProt: b.readBigUInt64LE(24), vmFlags: b.readBigUInt64LE(32), vmPgoff: b.readBigUInt64LE(40),
    npages: np > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(np),
  };
}

/** MM_CONTEXT: u32 ldt_entry_size; u32 nldt; then nldt descriptors of 8 bytes. */
export function encodeV2MmContext(c: CrHdrMmContext, ldt: Buffer): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.mm_context + ldt.length);
  b.writeUInt32LE(c.ldtEntrySize >>> 0, 0);
  b.writeUInt32LE(c.nldt >>> 0, 4);
  ldt.copy(b, V2_SIZEOF.mm_context);
  return b;
}

export function decodeV2MmContext(b: Buffer): CrHdrMmContext {
  return { ldtEntrySize: b.readUInt32LE(0), nldt: b.readUInt32LE(4) };
}

/** A run of pages: nrPages pages from vaddr on, their contents in the same order. */
export interface PageRun {
  vaddr: number;
  nrPages: number;
}

/** PAGE_RUNS: u32 nruns; u32 0; then nruns x { u64 vaddr; u64 nr_pages }. */
export function encodeV2Runs(runs: readonly PageRun[]): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.page_runs + runs.length * V2_RUN_SIZE);
  b.writeUInt32LE(runs.length, 0);
  runs.forEach((r, i) => {
    const off = V2_SIZEOF.page_runs + i * V2_RUN_SIZE;
    writeU64(b, off, r.vaddr);
    writeU64(b, off + 8, r.nrPages);
  });
  return b;
}

/** Decodes the runs; u64 values beyond 2^53 become Infinity, which every check rejects. */
export function decodeV2Runs(b: Buffer): PageRun[] {
  const n = b.readUInt32LE(0);
  const runs: PageRun[] = [];
  for (let i = 0; i < n; i++) {
    const off = V2_SIZEOF.page_runs + i * V2_RUN_SIZE;
    runs.push({ vaddr: readU64(b, off), nrPages: readU64(b, off + 8) });
  }
  return runs;
}

/** Appends page addresses to a list of runs, extending the last run when the page follows it. */
export function addToRuns(runs: PageRun[], addr: number, pageSize = 4096): void {
  const last = runs[runs.length - 1];
  if (last && last.vaddr + last.nrPages * pageSize === addr) last.nrPages++;
  else runs.push({ vaddr: addr, nrPages: 1 });
}

/** TAIL: u64 magic; u64 records (before the tail); u64 pages; u64 bytes (the tail's own offset). */
export interface V2Tail {
  magic: bigint;
  records: number;
  pages: number;
  bytes: number;
}

export function encodeV2Tail(t: Omit<V2Tail, 'magic'>): Buffer {
  const b = Buffer.alloc(V2_SIZEOF.tail);
  b.writeBigUInt64LE(V2_TAIL_MAGIC, 0);
  writeU64(b, 8, t.records);
  writeU64(b, 16, t.pages);
  writeU64(b, 24, t.bytes);
  return b;
}

export function decodeV2Tail(b: Buffer): V2Tail {
  return { magic: b.readBigUInt64LE(0), records: readU64(b, 8), pages: readU64(b, 16), bytes: readU64(b, 24) };
}

export function encodeRunTrailer(crc: number, index: number): Buffer {
  const b = Buffer.alloc(V2_RUN_TRAILER);
  b.writeUInt32LE(crc >>> 0, 0);
  b.writeUInt32LE(index >>> 0, 4);
  return b;
}

/** A u64 as a number: exact below 2^53, Infinity above (so that no bound check can pass). */
export function readU64(b: Buffer, off: number): number {
  const v = b.readBigUInt64LE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
}

export function writeU64(b: Buffer, off: number, n: number): void {
  b.writeBigUInt64LE(BigInt(n), off);
}

// The v1 image ("July 2008", x86_64, little endian): ckpt_hdr.h's records, byte for byte.

/** enum cr_hdr_type, with the numbers of the July 2008 series. */
export const CR_HDR = {
  HEAD: 1,
  STRING: 2,
  TASK: 101,
  THREAD: 102,
  CPU: 103,
  MM: 201,
  VMA: 202,
  MM_CONTEXT: 203,
  TAIL: 5001,
} as const;
export type CrHdrType = (typeof CR_HDR)[keyof typeof CR_HDR];

/** The C name of a record type, as users read it. */
export function crHdrName(type: number): string {
  for (const [k, v] of Object.entries(CR_HDR)) if (v === type) return `CR_HDR_${k}`;
  return `type ${type}`;
}

export const CR_HEAD_MAGIC = 0x00feed0cc0a2d200n;
export const CR_TAIL_MAGIC = 0x002d2a0cc0deef00n;
export const CR_VERSION = 1;
export const CR_VMA_ANON = 1;
export const CR_VMA_FILE = 2;

/** sizeof() of each struct on x86_64 with gcc's layout. */
export const SIZEOF = {
  cr_hdr: 8,
  cr_hdr_head: 224,
  cr_hdr_task: 24,
  cr_hdr_mm: 104,
  cr_hdr_vma: 56,
  cr_hdr_mm_context: 4,
  cr_hdr_tail: 8,
} as const;

/** struct cr_hdr { __s16 type; __s16 len; __u32 id; } */
export interface CrHdr {
  type: number;
  len: number;
  id: number;
}

export function encodeHdr(h: CrHdr): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr);
  b.writeInt16LE(wrapS16(h.type), 0);
  b.writeInt16LE(wrapS16(h.len), 2);
  b.writeUInt32LE(h.id >>> 0, 4);
  return b;
}

export function decodeHdr(b: Buffer): CrHdr {
  return { type: b.readInt16LE(0), len: b.readInt16LE(2), id: b.readUInt32LE(4) };
}

/** What C does when an int is stored into an __s16: keep the low 16 bits, signed. */
export function wrapS16(n: number): number {
  return ((n & 0xffff) << 16) >> 16;
}

/** struct cr_hdr_head */
export interface CrHdrHead {
  magic: bigint;
  major: number;
  minor: number;
  patch: number;
  rev: number;
  time: bigint;
  flags: bigint;
  release: string;
  version: string;
  machine: string;
}

function putCString(b: Buffer, off: number, size: number, s: string): void {
  b.write(s.slice(0, size - 1), off, size - 1, 'latin1');
}

function getCString(b: Buffer, off: number, size: number): string {
  const raw = b.subarray(off, off + size);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? size : nul).toString('latin1');
}

export function encodeHead(h: CrHdrHead): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_head);
  b.writeBigUInt64LE(h.magic, 0);
  b.writeUInt16LE(h.major, 8);
  b.writeUInt16LE(h.minor, 10);
  b.writeUInt16LE(h.patch, 12);
  b.writeUInt16LE(h.rev, 14);
  b.writeBigUInt64LE(h.time, 16);
  b.writeBigUInt64LE(h.flags, 24);
  putCString(b, 32, 64, h.release);
  putCString(b, 96, 64, h.version);
  putCString(b, 160, 64, h.machine);
  return b;
}

export function decodeHead(b: Buffer): CrHdrHead {
  return {
    magic: b.readBigUInt64LE(0), major: b.readUInt16LE(8), minor: b.readUInt16LE(10),
    patch: b.readUInt16LE(12), rev: b.readUInt16LE(14), time: b.readBigUInt64LE(16),
    flags: b.readBigUInt64LE(24), release: getCString(b, 32, 64), version: getCString(b, 96, 64),
    machine: getCString(b, 160, 64),
  };
}

/** struct cr_hdr_task */
export interface CrHdrTask {
  state: number;
  exitState: number;
  exitCode: number;
  exitSignal: number;
  taskCommLen: number;
}

export function encodeTask(t: CrHdrTask): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_task);
  b.writeUInt32LE(t.state >>> 0, 0);
  b.writeUInt32LE(t.exitState >>> 0, 4);
  b.writeUInt32LE(t.exitCode >>> 0, 8);
  b.writeUInt32LE(t.exitSignal >>> 0, 12);
  b.writeInt32LE(t.taskCommLen, 16);
  return b;
}

export function decodeTask(b: Buffer): CrHdrTask {
  return {
    state: b.readUInt32LE(0), exitState: b.readUInt32LE(4), exitCode: b.readUInt32LE(8),
    exitSignal: b.readUInt32LE(12), taskCommLen: b.readInt32LE(16),
  };
}

/** The eleven u64 layout fields of cr_hdr_mm, in their order in the struct. */
export const MM_FIELDS = [
  'start_code', 'end_code', 'start_data', 'end_data', 'start_brk', 'brk', 'start_stack',
  'arg_start', 'arg_end', 'env_start', 'env_end',
] as const;
export type MmFieldName = (typeof MM_FIELDS)[number];

/** struct cr_hdr_mm: u64 fields are bigint, so a hostile image cannot lose bits on the way in. */
export interface CrHdrMm {
  tag: number;
  fields: Record<MmFieldName, bigint>;
  mapCount: number;
  /** mm->flags: format v2 only (v1 has no field for it, defect 8); absent when not saved. */
  mmFlags?: bigint;
}

export function encodeMm(m: CrHdrMm): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_mm);
  b.writeUInt32LE(m.tag >>> 0, 0);
  MM_FIELDS.forEach((f, i) => b.writeBigUInt64LE(BigInt.asUintN(64, m.fields[f]), 8 + 8 * i));
  b.writeInt16LE(wrapS16(m.mapCount), 96);
  return b;
}

export function decodeMm(b: Buffer): CrHdrMm {
  const fields = {} as Record<MmFieldName, bigint>;
  MM_FIELDS.forEach((f, i) => (fields[f] = b.readBigUInt64LE(8 + 8 * i)));
  return { tag: b.readUInt32LE(0), fields, mapCount: b.readInt16LE(96) };
}

/** struct cr_hdr_vma */
export interface CrHdrVma {
  how: number;
  vmStart: bigint;
  vmEnd: bigint;
  vmPageProt: bigint;
  vmFlags: bigint;
  vmPgoff: bigint;
  npages: number;
  namelen: number;
}

export function encodeVma(v: CrHdrVma): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_vma);
  b.writeUInt32LE(v.how >>> 0, 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmStart), 8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmEnd), 16);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmPageProt), 24);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmFlags), 32);
  b.writeBigUInt64LE(BigInt.asUintN(64, v.vmPgoff), 40);
  b.writeInt16LE(wrapS16(v.npages), 48);
  b.writeInt16LE(wrapS16(v.namelen), 50);
  return b;
}

export function decodeVma(b: Buffer): CrHdrVma {
  return {
    how: b.readUInt32LE(0), vmStart: b.readBigUInt64LE(8), vmEnd: b.readBigUInt64LE(16),
    vmPageProt: b.readBigUInt64LE(24), vmFlags: b.readBigUInt64LE(32), vmPgoff: b.readBigUInt64LE(40),
    npages: b.readInt16LE(48), namelen: b.readInt16LE(50),
  };
}

/** struct cr_hdr_mm_context */
export interface CrHdrMmContext {
  ldtEntrySize: number;
  nldt: number;
}

export function encodeMmContext(c: CrHdrMmContext): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_mm_context);
  b.writeInt16LE(wrapS16(c.ldtEntrySize), 0);
  b.writeInt16LE(wrapS16(c.nldt), 2);
  return b;
}

export function decodeMmContext(b: Buffer): CrHdrMmContext {
  return { ldtEntrySize: b.readInt16LE(0), nldt: b.readInt16LE(2) };
}

export function encodeTail(magic: bigint = CR_TAIL_MAGIC): Buffer {
  const b = Buffer.alloc(SIZEOF.cr_hdr_tail);
  b.writeBigUInt64LE(magic, 0);
  return b;
}

export function decodeTail(b: Buffer): { magic: bigint } {
  return { magic: b.readBigUInt64LE(0) };
}

/** A u64 page address read from the image, as a JS number (exact below 2^53; beyond, still above TASK_SIZE). */
export function readAddr(b: Buffer, off: number): number {
  return b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x100000000;
}

export function writeAddr(b: Buffer, off: number, addr: number): void {
  b.writeUInt32LE(addr % 0x100000000, off);
  b.writeUInt32LE(Math.floor(addr / 0x100000000), off + 4);
}

// Where each field of each v1 struct sits, so that a record can be shown field by field with
// the bytes of each (the failure pane marks the offending one).

import { CR_HDR, SIZEOF, crHdrName } from './format.js';

export type FieldType = 'u16' | 's16' | 'u32' | 's32' | 'u64' | 'char[64]';

export interface FieldLayout {
  name: string;
  offset: number;
  type: FieldType;
}

const SIZE: Record<FieldType, number> = { u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, 'char[64]': 64 };

export function fieldSize(t: FieldType): number {
  return SIZE[t];
}

/** struct cr_hdr */
export const HDR_LAYOUT: readonly FieldLayout[] = [
  { name: 'type', offset: 0, type: 's16' },
  { name: 'len', offset: 2, type: 's16' },
  { name: 'id', offset: 4, type: 'u32' },
];

const MM_U64 = ['start_code', 'end_code', 'start_data', 'end_data', 'start_brk', 'brk', 'start_stack', 'arg_start', 'arg_end', 'env_start', 'env_end'];

/** The payload layout of each record type, by its cr_hdr type. */
export const PAYLOAD_LAYOUT: Readonly<Record<number, readonly FieldLayout[]>> = {
  [CR_HDR.HEAD]: [
    { name: 'magic', offset: 0, type: 'u64' }, { name: 'major', offset: 8, type: 'u16' },
    { name: 'minor', offset: 10, type: 'u16' }, { name: 'patch', offset: 12, type: 'u16' },
    { name: 'rev', offset: 14, type: 'u16' }, { name: 'time', offset: 16, type: 'u64' },
    { name: 'flags', offset: 24, type: 'u64' }, { name: 'release', offset: 32, type: 'char[64]' },
    { name: 'version', offset: 96, type: 'char[64]' }, { name: 'machine', offset: 160, type: 'char[64]' },
  ],
  [CR_HDR.TASK]: [
    { name: 'state', offset: 0, type: 'u32' }, { name: 'exit_state', offset: 4, type: 'u32' },
    { name: 'exit_code', offset: 8, type: 'u32' }, { name: 'exit_signal', offset: 12, type: 'u32' },
    { name: 'task_comm_len', offset: 16, type: 's32' },
  ],
  [CR_HDR.MM]: [
    { name: 'tag', offset: 0, type: 'u32' },
    ...MM_U64.map((name, i) => ({ name, offset: 8 + 8 * i, type: 'u64' as const })),
    { name: 'map_count', offset: 96, type: 's16' },
  ],
  [CR_HDR.VMA]: [
    { name: 'how', offset: 0, type: 'u32' }, { name: 'vm_start', offset: 8, type: 'u64' },
    { name: 'vm_end', offset: 16, type: 'u64' }, { name: 'vm_page_prot', offset: 24, type: 'u64' },
    { name: 'vm_flags', offset: 32, type: 'u64' }, { name: 'vm_pgoff', offset: 40, type: 'u64' },
    { name: 'npages', offset: 48, type: 's16' }, { name: 'namelen', offset: 50, type: 's16' },
  ],
  [CR_HDR.MM_CONTEXT]: [
    { name: 'ldt_entry_size', offset: 0, type: 's16' }, { name: 'nldt', offset: 2, type: 's16' },
  ],
  [CR_HDR.TAIL]: [{ name: 'magic', offset: 0, type: 'u64' }],
};

export interface DecodedField {
  name: string;
  /** Absolute byte offset of the field in the image. */
  offset: number;
  size: number;
  value: string;
  /** Part of the record header rather than the payload. */
  inHeader: boolean;
}

function readField(b: Buffer, off: number, t: FieldType): string | null {
  if (off + SIZE[t] > b.length) return null;
  switch (t) {
    case 'u16': return String(b.readUInt16LE(off));
    case 's16': return String(b.readInt16LE(off));
    case 'u32': return String(b.readUInt32LE(off));
    case 's32': return String(b.readInt32LE(off));
    case 'u64': return '0x' + b.readBigUInt64LE(off).toString(16);
    case 'char[64]': {
      const raw = b.subarray(off, off + 64);
      const nul = raw.indexOf(0);
      return JSON.stringify(raw.subarray(0, nul < 0 ? 64 : nul).toString('latin1'));
    }
  }
}

/**
 * Decodes the record whose header starts at `offset`, given `bytes` read from there on.
 * Fields past the end of the bytes are left out (a truncated record shows what it has).
 */
export function decodeRecordAt(bytes: Buffer, offset: number): { kind: string; fields: DecodedField[] } {
  const fields: DecodedField[] = [];
  for (const f of HDR_LAYOUT) {
    const v = readField(bytes, f.offset, f.type);
    if (v !== null) fields.push({ name: f.name, offset: offset + f.offset, size: SIZE[f.type], value: v, inHeader: true });
  }
  if (bytes.length < SIZEOF.cr_hdr) return { kind: 'truncated header', fields };
  const type = bytes.readInt16LE(0);
  const kind = crHdrName(type);
  const layout = PAYLOAD_LAYOUT[type];
  if (type === CR_HDR.STRING) {
    const len = Math.max(0, Math.min(bytes.readInt16LE(2), bytes.length - 8));
    const s = bytes.subarray(8, 8 + len);
    const nul = s.indexOf(0);
    fields.push({ name: 'string', offset: offset + 8, size: len, value: JSON.stringify(s.subarray(0, nul < 0 ? len : nul).toString('latin1')), inHeader: false });
  }
  for (const f of layout ?? []) {
    const v = readField(bytes, SIZEOF.cr_hdr + f.offset, f.type);
    if (v !== null) fields.push({ name: f.name, offset: offset + SIZEOF.cr_hdr + f.offset, size: SIZE[f.type], value: v, inHeader: false });
  }
  return { kind, fields };
}

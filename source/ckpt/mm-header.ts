// cr_hdr_mm from an mm_struct, and back: the eleven layout fields, the tag and map_count.

import { MM_LAYOUT_FIELDS, type MmLayout, type MmStruct } from '../kernel/mm.js';
import { vaddr } from '../kernel/types.js';
import { MM_FIELDS, type CrHdrMm, type MmFieldName } from '../image/v1/format.js';

/** MM_FIELDS[i] (the C name) is MM_LAYOUT_FIELDS[i] (the TS name). */
export function mmHeaderOf(mm: MmStruct): CrHdrMm {
  const fields = {} as Record<MmFieldName, bigint>;
  MM_FIELDS.forEach((f, i) => (fields[f] = BigInt(mm[MM_LAYOUT_FIELDS[i]!])));
  return { tag: 1, fields, mapCount: mm.mapCount }; // tag 1: first time encounter
}

/** Sets mm's layout fields from a header, as cr_read_mm does after the point of no return. */
export function applyMmHeader(mm: MmLayout, hh: CrHdrMm): void {
  MM_FIELDS.forEach((f, i) => {
    mm[MM_LAYOUT_FIELDS[i]!] = vaddr(Number(hh.fields[f]));
  });
}

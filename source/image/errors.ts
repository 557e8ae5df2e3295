// A failed checkpoint or restart: the errno, the C function and check, and where in the image.

import type { ErrnoName } from '../kernel/errno.js';

/** A record of the image: its C type name, its index in the stream and its header's offset. */
export interface RecordRef {
  kind: string;
  index: number;
  offset: number;
}

export class CrError extends Error {
  constructor(
    readonly errno: ErrnoName,
    readonly fn: string,
    readonly check: string,
    /** The record being read or written when it failed. */
    readonly record: RecordRef | null,
    /** The byte offset in the image where the failure was found. */
    readonly offset: number,
    /** The field of the record at fault, e.g. "npages". */
    readonly field: string | null = null,
    /** The bytes at fault when they are not a field of the record (a page address in the raw data). */
    readonly span: { offset: number; size: number } | null = null,
  ) {
    super(`${fn}: -${errno}: ${check}`);
    this.name = 'CrError';
  }

  /** One line naming what and where: errno, function, check, record and byte offset. */
  describe(): string {
    const rec = this.record ? `, record ${this.record.kind} #${this.record.index} at byte ${this.record.offset}` : '';
    return printable(`-${this.errno} in ${this.fn}: ${this.check}${rec} (image offset ${this.offset})`);
  }
}

/** Text from an image (a file name) made safe for one line: control characters become \xNN. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

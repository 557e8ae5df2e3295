// What both writers (v1, v2) share: cr_kwrite onto a sink, turning a full disk into a CrError
// that names the record, and the bookkeeping of which record is being written.

import { isKernelError } from '../kernel/errno.js';
import { CrError, type RecordRef } from './errors.js';
import type { ImageSink } from './sink.js';

export abstract class RecordWriter {
  /** The record being written. */
  record: RecordRef | null = null;
  private count = 0;

  constructor(protected readonly sink: ImageSink, protected readonly id: number) {}

  /** Records begun so far. */
  protected get recordsWritten(): number {
    return this.count;
  }

  get offset(): number {
    return this.sink.offset;
  }

  /** cr_kwrite */
  protected kwrite(bytes: Uint8Array, fn: string): void {
    try {
      this.sink.write(bytes);
    } catch (e) {
      if (isKernelError(e)) throw new CrError(e.errno, fn, e.check, this.record, this.sink.offset);
      throw e;
    }
  }

  /** A new record of this kind starts at the current offset. */
  protected begin(kind: string): void {
    this.record = { kind, index: this.count++, offset: this.sink.offset };
  }

  /** cr_write_str's payload: len bytes, the string and its NUL. */
  protected static cstring(s: string, len: number): Buffer {
    const b = Buffer.alloc(len);
    b.write(s, 0, Math.max(0, len - 1), 'latin1');
    return b;
  }

  commit(): void {
    this.sink.commit();
  }

  abort(): void {
    this.sink.abort();
  }
}

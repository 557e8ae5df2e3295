// What the engine asks of an image format: one call per record kind, whatever the layout.

import type { RecordRef } from './errors.js';
import type { CrHdrHead, CrHdrMm, CrHdrMmContext, CrHdrTask, CrHdrVma } from './v1/format.js';

export type FormatName = 'v1' | 'v2';

/** Writes the records of one checkpoint, in the seed's order. */
export interface ImageWriter {
  readonly format: FormatName;
  /** Bytes written so far. */
  readonly offset: number;
  /** The record being written. */
  readonly record: RecordRef | null;
  /** The largest npages / map_count the format holds exactly. */
  readonly maxCount: number;
  head(h: CrHdrHead, fn: string): void;
  task(t: CrHdrTask, comm: string, fn: string): void;
  mm(m: CrHdrMm, fn: string): void;
  /** The VMA record and, if namelen, its name (namelen bytes with the NUL). */
  vma(v: CrHdrVma, name: string | null, fn: string): void;
  /** count u64 addresses, laid out as in a page-array. Called per array, after vma(). */
  pageAddrs(addrs: Buffer, count: number, fn: string): void;
  /** One page of contents, in the same order as the addresses. */
  pageData(page: Buffer, fn: string): void;
  mmContext(c: CrHdrMmContext, ldt: Buffer, fn: string): void;
  tail(fn: string): void;
  commit(): void;
  abort(): void;
}

/** Reads the records of one image, in the seed's order; each call throws a CrError on bad input. */
export interface ImageReader {
  readonly format: FormatName;
  readonly offset: number;
  /** The stream's real size. */
  readonly size: number;
  readonly record: RecordRef | null;
  head(fn: string): CrHdrHead;
  task(fn: string): CrHdrTask;
  /** The STRING that follows TASK: comm, at most n bytes. */
  string(n: number, fn: string): Buffer;
  mm(fn: string): CrHdrMm;
  vma(fn: string): CrHdrVma;
  /** count addresses into target (u64 little endian), as cr_vma_read_pages_addr does. */
  pageAddrs(target: Buffer, count: number, fn: string): void;
  /** One page of contents into target. */
  pageData(target: Buffer, fn: string): void;
  /** The warnings the image carries (v2 WARNING records), once read. */
  readonly warnings: readonly string[];
  /** Skips THREAD and CPU records, which this simulation does not restore (v2: collects warnings). */
  skipOptional(fn: string): void;
  mmContext(fn: string): CrHdrMmContext;
  ldtEntry(target: Buffer, fn: string): void;
  tail(fn: string): { magic: bigint };
  /** Moves back to an offset (validation reads ahead, then returns). */
  seek(offset: number): void;
  close(): void;
}

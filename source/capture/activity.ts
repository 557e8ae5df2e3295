// The sample's activity list for a captured VMA: the read and write ops that rebuild each page's
// state through the simulated fault paths, adjacent pages merged into one op.

import { PAGE_SIZE } from '../kernel/constants.js';
import type { Activity } from '../sample/schema.js';

/** Pages one write op (and one mem read batch) may cover. */
export const BATCH_PAGES = 256;

/** The activity list, merging adjacent runs: reads by page count, writes by contiguous blob ranges. */
export class ActivityBuilder {
  readonly ops: Activity[] = [];
  private last: Activity | null = null;
  private lastEnd = 0;
  private lastBlobEnd = -1;

  read(addr: number): void {
    const l = this.last;
    if (l && l.op === 'read' && this.lastEnd === addr) {
      l.pages++;
    } else {
      this.last = { op: 'read', start: addr, pages: 1 };
      this.ops.push(this.last);
    }
    this.lastEnd = addr + PAGE_SIZE;
  }

  write(addr: number, blob: { file: string; offset: number; length: number }, force: boolean): void {
    const l = this.last;
    if (l && l.op === 'write' && l.contents && 'blob' in l.contents && this.lastEnd === addr &&
        this.lastBlobEnd === blob.offset && l.contents.blob.length < BATCH_PAGES * PAGE_SIZE && !!l.force === force) {
      l.contents.blob.length += blob.length;
    } else {
      this.last = { op: 'write', start: addr, contents: { blob: { ...blob } }, ...(force ? { force: true } : {}) };
      this.ops.push(this.last);
    }
    this.lastEnd = addr + blob.length;
    this.lastBlobEnd = blob.offset + blob.length;
  }
}


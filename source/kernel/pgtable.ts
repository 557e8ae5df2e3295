// The page table of an mm, by virtual page number. A pte that maps its own frame is one Map
// entry; a pte that maps ZERO_PAGE read-only (what a read fault on anonymous memory leaves) is
// not: consecutive ones are kept as sorted, merged [first, end) runs. A process that reserves
// 16 GiB or 1 TiB and has it scanned by a checkpoint would otherwise cost one Map entry per
// page (hundreds of MB, or more entries than a Map can hold). Callers see one page table:
// get() answers { page: ZERO_PAGE, writable: false } for a page inside a run.

import type { Page } from './page.js';

/** A page-table entry: the frame mapped at a page and whether writes go straight to it. */
export interface Pte {
  page: Page;
  writable: boolean;
}

// A directory above the frames, as the x86_64 page table's upper levels: how many frames each
// PMD (512 ptes, 2 MiB) and each PUD (512 PMDs, 1 GiB) holds. It lets nextFrame() step over an
// empty GiB or 2 MiB in one lookup instead of probing every page in it.
const PTRS_PER_PMD_SPAN = 512;
const PTRS_PER_PUD_SPAN = 512 * 512;

export class PageTable {
  /** Ptes that map a frame of their own (or, should anyone map it writable, ZERO_PAGE). */
  private readonly frames = new Map<number, Pte>();
  private readonly pmdFrames = new Map<number, number>();
  private readonly pudFrames = new Map<number, number>();
  /** The zero runs: [runStart[i], runEnd[i]) sorted, disjoint, never adjacent, never empty. */
  private readonly runStart: number[] = [];
  private readonly runEnd: number[] = [];
  private zeroPages = 0;
  /** The run the last lookup landed in: scans and faults go up page by page. */
  private hint = 0;

  constructor(readonly zeroPage: Page) {}

  /** Ptes in the table, zero-page ones included (Map.size). */
  get size(): number {
    return this.frames.size + this.zeroPages;
  }

  /** Ptes that map ZERO_PAGE read-only, held in runs. */
  get zeroCount(): number {
    return this.zeroPages;
  }

  /** Ptes that map a frame of their own. */
  get frameCount(): number {
    return this.frames.size;
  }

  /** The zero runs as [first, end) pairs of page numbers, for tests and debugging. */
  zeroRuns(): [number, number][] {
    return this.runStart.map((s, i) => [s, this.runEnd[i]!]);
  }

  /** How many pages of [first, end) map ZERO_PAGE from a run (a binary search, not a walk). */
  zeroIn(first: number, end: number): number {
    let lo = 0;
    let hi = this.runStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runEnd[mid]! <= first) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let i = lo; i < this.runStart.length && this.runStart[i]! < end; i++) {
      n += Math.min(end, this.runEnd[i]!) - Math.max(first, this.runStart[i]!);
    }
    return n;
  }

  get(vpn: number): Pte | undefined {
    const pte = this.frames.get(vpn);
    if (pte) return pte;
    // a new object each time: a zero pte has no state of its own to change
    return this.inZeroRun(vpn) ? { page: this.zeroPage, writable: false } : undefined;
  }

  has(vpn: number): boolean {
    return this.frames.has(vpn) || this.inZeroRun(vpn);
  }

  set(vpn: number, pte: Pte): void {
    if (pte.page === this.zeroPage && !pte.writable) {
      this.deleteFrame(vpn);
      this.addZeroRange(vpn, vpn + 1);
      return;
    }
    this.removeZeroRange(vpn, vpn + 1);
    const before = this.frames.size;
    this.frames.set(vpn, pte);
    if (this.frames.size !== before) this.countFrame(vpn, 1);
  }

  delete(vpn: number): boolean {
    return this.deleteFrame(vpn) || this.removeZeroRange(vpn, vpn + 1) > 0;
  }

  /**
   * Maps ZERO_PAGE read-only at every page of [first, end) that has no pte; returns how many
   * it mapped. The range must hold no frame (see nextFrame): a frame is never replaced here.
   */
  mapZeroRange(first: number, end: number): number {
    if (this.nextFrame(first, end) !== end) throw new Error(`mapZeroRange: a frame is mapped inside [${first}, ${end})`);
    return this.addZeroRange(first, end);
  }

  /** The first page in [vpn, limit) that maps a frame, or limit: the end of a stretch of zero or absent ptes. */
  nextFrame(vpn: number, limit: number): number {
    if (this.frames.size === 0) return limit;
    while (vpn < limit) {
      const pud = Math.floor(vpn / PTRS_PER_PUD_SPAN);
      if (!this.pudFrames.has(pud)) {
        vpn = (pud + 1) * PTRS_PER_PUD_SPAN;
        continue;
      }
      const pmd = Math.floor(vpn / PTRS_PER_PMD_SPAN);
      if (!this.pmdFrames.has(pmd)) {
        vpn = (pmd + 1) * PTRS_PER_PMD_SPAN;
        continue;
      }
      if (this.frames.has(vpn)) return vpn;
      vpn++;
    }
    return limit;
  }

  /** The frames mapped in [first, end), for zap and write-protect: walks whichever is smaller, the range or the table. */
  *framesIn(first: number, end: number): Generator<[number, Pte]> {
    if (end - first > this.frames.size) {
      for (const entry of this.frames) if (entry[0] >= first && entry[0] < end) yield entry;
      return;
    }
    for (let vpn = first; vpn < end; vpn++) {
      const pte = this.frames.get(vpn);
      if (pte) yield [vpn, pte];
    }
  }

  /** Drops every pte of [first, end); calls put for each frame dropped (not for ZERO_PAGE: see zapRange). */
  zap(first: number, end: number, put: (page: Page) => void): void {
    for (const [vpn, pte] of [...this.framesIn(first, end)]) {
      put(pte.page);
      this.deleteFrame(vpn);
    }
    this.removeZeroRange(first, end);
  }

  /** Drops every pte; calls put for each frame. */
  clear(put: (page: Page) => void): void {
    for (const pte of this.frames.values()) put(pte.page);
    this.frames.clear();
    this.pmdFrames.clear();
    this.pudFrames.clear();
    this.runStart.length = 0;
    this.runEnd.length = 0;
    this.zeroPages = 0;
    this.hint = 0;
  }

  // Map's iteration, for callers that list the whole table (the fuzzer's snapshot): frames
  // first, then the zero runs page by page. A zero run of a TiB yields 2^28 entries: do not.
  *entries(): Generator<[number, Pte]> {
    yield* this.frames;
    for (let i = 0; i < this.runStart.length; i++) {
      for (let vpn = this.runStart[i]!; vpn < this.runEnd[i]!; vpn++) yield [vpn, { page: this.zeroPage, writable: false }];
    }
  }

  *keys(): Generator<number> {
    for (const [vpn] of this.entries()) yield vpn;
  }

  *values(): Generator<Pte> {
    for (const [, pte] of this.entries()) yield pte;
  }

  [Symbol.iterator](): Generator<[number, Pte]> {
    return this.entries();
  }

  private deleteFrame(vpn: number): boolean {
    if (!this.frames.delete(vpn)) return false;
    this.countFrame(vpn, -1);
    return true;
  }

  private countFrame(vpn: number, delta: number): void {
    bump(this.pmdFrames, Math.floor(vpn / PTRS_PER_PMD_SPAN), delta);
    bump(this.pudFrames, Math.floor(vpn / PTRS_PER_PUD_SPAN), delta);
  }

  private inZeroRun(vpn: number): boolean {
    const i = this.runAtOrBelow(vpn);
    return i >= 0 && this.runEnd[i]! > vpn;
  }

  /** The index of the last run that starts at or below vpn, or -1. */
  private runAtOrBelow(vpn: number): number {
    const n = this.runStart.length;
    if (n === 0) return -1;
    const h = this.hint;
    if (h < n && this.runStart[h]! <= vpn && (h + 1 === n || this.runStart[h + 1]! > vpn)) return h;
    let lo = 0;
    let hi = n; // answer: lo - 1 where runStart[lo] is the first start above vpn
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runStart[mid]! <= vpn) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) this.hint = lo - 1;
    return lo - 1;
  }

  /** Adds [first, end) to the zero runs, merging with the runs it overlaps or touches; returns the pages it added. */
  private addZeroRange(first: number, end: number): number {
    const n = this.runStart.length;
    let lo = this.runAtOrBelow(first);
    if (lo < 0 || this.runEnd[lo]! < first) lo++; // that run ends before first, not even touching it
    let hi = lo;
    let covered = 0;
    while (hi < n && this.runStart[hi]! <= end) {
      covered += Math.max(0, Math.min(end, this.runEnd[hi]!) - Math.max(first, this.runStart[hi]!));
      hi++;
    }
    const start = lo < hi ? Math.min(first, this.runStart[lo]!) : first;
    const stop = lo < hi ? Math.max(end, this.runEnd[hi - 1]!) : end;
    if (hi - lo === 1) {
      this.runStart[lo] = start;
      this.runEnd[lo] = stop;
    } else {
      this.runStart.splice(lo, hi - lo, start);
      this.runEnd.splice(lo, hi - lo, stop);
    }
    this.hint = lo;
    const added = end - first - covered;
    this.zeroPages += added;
    return added;
  }

  /** Removes [first, end) from the zero runs, splitting a run it cuts; returns the pages it removed. */
  private removeZeroRange(first: number, end: number): number {
    const n = this.runStart.length;
    if (n === 0) return 0;
    let lo = this.runAtOrBelow(first);
    if (lo < 0 || this.runEnd[lo]! <= first) lo++;
    let hi = lo;
    let removed = 0;
    while (hi < n && this.runStart[hi]! < end) {
      removed += Math.min(end, this.runEnd[hi]!) - Math.max(first, this.runStart[hi]!);
      hi++;
    }
    if (removed === 0) return 0;
    const starts: number[] = [];
    const ends: number[] = [];
    if (this.runStart[lo]! < first) {
      starts.push(this.runStart[lo]!);
      ends.push(first);
    }
    if (this.runEnd[hi - 1]! > end) {
      starts.push(end);
      ends.push(this.runEnd[hi - 1]!);
    }
    this.runStart.splice(lo, hi - lo, ...starts);
    this.runEnd.splice(lo, hi - lo, ...ends);
    this.hint = Math.min(lo, Math.max(0, this.runStart.length - 1));
    this.zeroPages -= removed;
    return removed;
  }
}

function bump(counts: Map<number, number>, key: number, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}

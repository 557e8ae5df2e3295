// struct cr_ctx: the state of one checkpoint or restart, and what the debugger reads of it.

import type { Task } from '../kernel/task.js';
import type { Vfs } from '../kernel/vfs.js';
import type { ImageReader, ImageWriter } from '../image/io.js';
import type { CrHdrMm } from '../image/v1/format.js';
import type { DefectId } from './defects.js';
import type { EngineEvent, Phase } from './events.js';
import { CrError, type RecordRef } from './errors.js';
import type { ErrnoName } from '../kernel/errno.js';
import type { Profile } from './profile.js';
import type { CrPgarr } from './pgarr.js';

export const CR_CTX_CKPT = 0x1;
export const CR_CTX_RSTR = 0x2;

export type VmaState =
  | 'pending' | 'scanning' | 'dumping' | 'freeing' | 'dumped' | 'refused'
  | 'mapping' | 'reading' | 'restored' | 'failed';

/** One VMA as the engine has seen it so far, with what became of its pages. */
export interface VmaProgress {
  index: number;
  start: number;
  end: number;
  flags: number;
  pgoff: number;
  file: string | null;
  state: VmaState;
  /** Pages listed for dumping (checkpoint) or read back (restart). */
  dumped: number;
  /** Pages skipped because they map ZERO_PAGE. */
  zero: number;
  /** Pages skipped because they are clean page-cache pages of a file VMA. */
  clean: number;
  /** The npages written to / read from the image (after any s16 wrap). */
  npagesInImage: number | null;
}

export interface RestartProgress {
  /** The VMA being restored, 0-based; map_count from the image. */
  vmaIndex: number;
  mapCount: number | null;
  pagesRead: number;
  /** Bytes of the image consumed, of `source.size`. */
  step: Phase | null;
}

/** A defect as it fired: which, where, and what it did here. */
export interface DefectReport {
  defect: DefectId;
  fn: string;
  message: string;
}

export class CrCtx {
  /** ctx->pgarr: the head of the page-array chain. */
  pgarr: CrPgarr | null = null;
  /** ctx->pgcur: the array being filled. */
  pgcur: CrPgarr | null = null;
  /** Page-arrays ever allocated, for numbering them in the debugger. */
  pgarrSerial = 0;
  /** The chain's growth past idle arrays (defect 5) was reported since the last cr_pgarr_release. */
  growthReported = false;
  /** Outstanding cr_hbuf_get() bytes: nonzero after a return that skipped cr_hbuf_put. */
  hbufHeld = 0;
  /** The C function running now, and the phase. */
  fn = '';
  phase: Phase | null = null;
  readonly vmas: VmaProgress[] = [];
  /** The cr_hdr_mm written (checkpoint) or read (restart). */
  mmHeader: CrHdrMm | null = null;
  readonly defects: DefectReport[] = [];
  readonly warnings: string[] = [];
  /** Restart, v1: where the current VMA's page addresses start in the image (to point at a bad one). */
  addrsAt: number | null = null;
  /** Restart only: the old mm has been destroyed. */
  pastPointOfNoReturn = false;
  readonly restart: RestartProgress = { vmaIndex: -1, mapCount: null, pagesRead: 0, step: null };
  error: CrError | null = null;
  /**
   * Announce every page scanned, written or read. A driver that does not step page by page
   * turns this off: a page event passes through every generator up to the driver.
   */
  tracePages = true;
  finished = false;

  constructor(
    readonly flags: number,
    readonly pid: number,
    /** The checkpointed task, or the restarting one. */
    readonly task: Task,
    /** ctx->vfsroot: names are written relative to it and opened inside it. */
    readonly vfsroot: Vfs,
    readonly profile: Profile,
    readonly writer: ImageWriter | null,
    readonly reader: ImageReader | null,
  ) {}

  /** The record being read or written. */
  get record(): RecordRef | null {
    return this.writer?.record ?? this.reader?.record ?? null;
  }

  get isCheckpoint(): boolean {
    return (this.flags & CR_CTX_CKPT) !== 0;
  }

  /** The byte offset in the image: written so far, or read so far. */
  get imageOffset(): number {
    return this.writer?.offset ?? this.reader?.offset ?? 0;
  }

  /** Records a defect that fired and returns the event that announces it. */
  defect(defect: DefectId, fn: string, message: string): EngineEvent {
    this.defects.push({ defect, fn, message });
    return { kind: 'defect', defect, fn, message };
  }

  warn(fn: string, message: string): EngineEvent {
    this.warnings.push(message);
    return { kind: 'warning', fn, message };
  }

  /** Fails the current C function: -errno, with the check that failed and the field at fault. */
  fail(errno: ErrnoName, fn: string, check: string, field: string | null = null, span: CrError['span'] = null): never {
    // a checkpoint fails on the task's state, not on a record: the last record written is not at fault
    throw new CrError(errno, fn, check, this.isCheckpoint ? null : this.record, this.imageOffset, field, span);
  }

  /** Enters a C function: the debugger shows it as current. */
  enter(fn: string, detail?: string): EngineEvent {
    this.fn = fn;
    return detail === undefined ? { kind: 'call', fn } : { kind: 'call', fn, detail };
  }

  /** A phase boundary: the driver may pause here before the phase runs. */
  boundary(phase: Phase, fn: string, vma: number | null): EngineEvent {
    this.phase = phase;
    this.fn = fn;
    if (!this.isCheckpoint) this.restart.step = phase;
    return { kind: 'phase', phase, fn, vma };
  }
}

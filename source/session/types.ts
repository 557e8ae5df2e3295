// The snapshot: everything the UI shows, as plain data. The UI reads nothing else.

import type { DefectId } from '../ckpt/defects.js';
import type { Phase } from '../ckpt/events.js';
import type { VmaState } from '../ckpt/context.js';
import type { ErrnoName } from '../kernel/errno.js';
import type { Breakpoint } from './breakpoints.js';
import type { LogEntry } from './log.js';
import type { StageKind } from './stage.js';

export type RunState = 'paused' | 'running' | 'finished' | 'failed';

export interface MmField {
  /** The C name, as in cr_hdr_mm. */
  name: string;
  value: string;
}

export interface VmaRow {
  index: number;
  start: number;
  end: number;
  /** Size in pages. */
  pages: number;
  /** rwxp / rwxs as /proc/PID/maps prints them. */
  perms: string;
  kind: 'ANON' | 'FILE';
  file: string | null;
  pgoff: number;
  flags: number;
  dumped: number;
  zero: number;
  clean: number;
  npagesInImage: number | null;
  state: VmaState;
}

export interface PgarrBar {
  serial: number;
  nused: number;
  nleft: number;
  isCur: boolean;
}

export interface ChainView {
  arrays: PgarrBar[];
  /** Arrays allocated in the chain, and those holding entries now. */
  allocated: number;
  inUse: number;
  /** Pages the chain holds a reference on (checkpoint) or addresses it lists (restart). */
  pinned: number;
  total: number;
}

export interface RestartView {
  vmaIndex: number;
  mapCount: number | null;
  pagesRead: number;
  bytesRead: number;
  totalBytes: number | null;
  step: Phase | null;
  pastPointOfNoReturn: boolean;
}

export interface FailureField {
  name: string;
  offset: number;
  size: number;
  value: string;
  offending: boolean;
}

export interface HexLine {
  offset: number;
  bytes: number[];
  /** Indexes within bytes that belong to the offending field or the failing byte. */
  marked: number[];
}

/** The VMA a checkpoint failed on, with its vm_flags by name and the ones at fault. */
export interface FailedVma {
  index: number;
  start: number;
  end: number;
  file: string | null;
  flags: number;
  flagNames: string[];
  offending: string[];
  /** VMAs written completely before it. */
  doneBefore: number;
}

export interface Failure {
  stage: StageKind;
  errno: ErrnoName;
  errnoValue: number;
  fn: string;
  check: string;
  field: string | null;
  offset: number;
  record: { kind: string; index: number; offset: number } | null;
  recordFields: FailureField[];
  hex: HexLine[];
  restoredVmas: number[];
  /** Checkpoint only: the VMA it failed on. */
  vma: FailedVma | null;
  pastPointOfNoReturn: boolean;
  /** The restarting task still has its old memory (failure before the point of no return). */
  taskUnchanged: boolean;
  summary: string;
}

export interface DefectView {
  defect: DefectId;
  name: string;
  fn: string;
  message: string;
}

export interface Snapshot {
  /** Increments with every change the UI should draw. */
  version: number;
  stage: { index: number; count: number; kind: StageKind; label: string };
  state: RunState;
  /** Why the session last stopped, in a few words. */
  stopReason: string;
  fn: string;
  phase: Phase | null;
  currentVma: number | null;
  imageOffset: number;
  imageSize: number | null;
  profile: string;
  format: string;
  comm: string;
  pid: number;
  mm: MmField[] | null;
  vmas: VmaRow[];
  chain: ChainView;
  restart: RestartView | null;
  log: LogEntry[];
  logTotal: number;
  defects: DefectView[];
  failure: Failure | null;
  breakpoints: Breakpoint[];
  /** Per-stage results of finished stages, e.g. "checkpoint: 11 pages, 46,168 bytes". */
  results: string[];
}

export type PageCell = 'absent' | 'zero' | 'clean' | 'dirty' | 'listed' | 'dumped' | 'restored' | 'none';

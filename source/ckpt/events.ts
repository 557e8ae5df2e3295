// What the engine tells its driver as it runs: every C function it enters, every phase
// boundary, every page-array and page, every warning and seed defect. A driver stops where it likes.

import type { DefectId } from './defects.js';

/** Phase boundaries: the engine pauses before each. */
export type CheckpointPhase = 'head' | 'task' | 'mm' | 'scan' | 'dump' | 'free' | 'mm_context' | 'tail';
export type RestartPhase =
  | 'head' | 'task' | 'mm' | 'destroy' | 'mmap' | 'writable' | 'read_addrs' | 'read_data' | 'protect'
  | 'flush_icache' | 'mm_context' | 'tail';
export type Phase = CheckpointPhase | RestartPhase;

/** How finely a driver steps: phase boundaries, page-arrays, or single pages. */
export type Granularity = 'phase' | 'pgarr' | 'page';

export type PageOutcome = 'dumped' | 'zero' | 'clean' | 'written' | 'read';

export type EngineEvent =
  | { kind: 'call'; fn: string; detail?: string }
  | { kind: 'phase'; phase: Phase; fn: string; vma: number | null }
  | { kind: 'pgarr'; fn: string; index: number; vma: number | null }
  | { kind: 'page'; fn: string; addr: number; outcome: PageOutcome; vma: number }
  | { kind: 'ponr' }
  | { kind: 'defect'; defect: DefectId; fn: string; message: string }
  | { kind: 'warning'; fn: string; message: string };

/** The engine's functions are generators of events that return what the C returns. */
export type Engine<T> = Generator<EngineEvent, T, void>;

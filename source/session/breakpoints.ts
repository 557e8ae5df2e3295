// Breakpoints: a phase kind (scan, dump, free, or any other phase), a VMA, or any error.

import type { EngineEvent, Phase } from '../ckpt/events.js';

export type Breakpoint =
  | { kind: 'phase'; phase: Phase }
  | { kind: 'vma'; index: number }
  | { kind: 'error' };

export const PHASE_NAMES: readonly Phase[] = [
  'head', 'task', 'mm', 'scan', 'dump', 'free', 'mm_context', 'tail', 'destroy', 'mmap', 'writable', 'read_addrs',
  'read_data', 'protect', 'flush_icache',
];

export class BreakpointSyntaxError extends Error {}

/** Parses --break's argument: scan | dump | free | <phase> | vma:N | error. */
export function parseBreakpoint(text: string): Breakpoint {
  if (text === 'error') return { kind: 'error' };
  const vma = /^vma:(\d+)$/.exec(text);
  if (vma) return { kind: 'vma', index: Number(vma[1]) };
  if ((PHASE_NAMES as readonly string[]).includes(text)) return { kind: 'phase', phase: text as Phase };
  throw new BreakpointSyntaxError(`--break takes scan, dump, free, another phase (${PHASE_NAMES.filter((p) => !['scan', 'dump', 'free'].includes(p)).join(', ')}), vma:N or error; not '${text}'`);
}

export function breakpointLabel(b: Breakpoint): string {
  return b.kind === 'phase' ? b.phase : b.kind === 'vma' ? `vma:${b.index}` : 'error';
}

export function sameBreakpoint(a: Breakpoint, b: Breakpoint): boolean {
  return breakpointLabel(a) === breakpointLabel(b);
}

/** True when the event hits the breakpoint. */
export function hits(b: Breakpoint, ev: EngineEvent): boolean {
  switch (b.kind) {
    case 'phase':
      return ev.kind === 'phase' && ev.phase === b.phase;
    case 'vma':
      return ev.kind === 'phase' && ev.vma === b.index && (ev.phase === 'scan' || ev.phase === 'mmap');
    case 'error':
      return ev.kind === 'defect' || ev.kind === 'warning';
  }
}

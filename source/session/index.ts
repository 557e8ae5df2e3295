// The debugger session: what the UI may use.

export { DebugSession, type SessionOptions } from './session.js';
export type { Stage, StageKind } from './stage.js';
export * from './types.js';
export type { PageStrip } from './page-strip.js';
export type { LogEntry, LogLevel } from './log.js';
export { parseBreakpoint, breakpointLabel, BreakpointSyntaxError, PHASE_NAMES, type Breakpoint } from './breakpoints.js';
export { demoJob, debugCheckpointJob, debugRestartJob, type JobOptions } from './jobs.js';
export type { Granularity, Phase } from '../ckpt/events.js';

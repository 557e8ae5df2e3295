// The debugger session: drives the engine's stages, stops where asked (phase boundaries,
// page-arrays, pages, VMAs, breakpoints, failures), and publishes snapshots to subscribers,
// at most every notifyMs while running and at once when it stops.

import type { CrCtx } from '../ckpt/context.js';
import { DEFECTS } from '../ckpt/defects.js';
import type { Outcome, Run } from '../ckpt/engine.js';
import type { EngineEvent, Granularity } from '../ckpt/events.js';
import { hits, sameBreakpoint, type Breakpoint } from './breakpoints.js';
import { failureOf } from './forensics.js';
import { EventLog, type LogEntry } from './log.js';
import { pageStrip, type PageStrip } from './page-strip.js';
import { chainView, defectViews, mmFields, restartView, vmaRows } from './snapshot.js';
import type { Stage } from './stage.js';
import type { Failure, RunState, Snapshot } from './types.js';

type Until = Granularity | 'vma' | 'end';

interface Target {
  until: Until;
  /** The VMA current when the step began (for 'vma'). */
  fromVma: number | null;
}

export interface SessionOptions {
  breakpoints?: Breakpoint[];
  /** How long one slice of engine work may run before yielding to input and rendering. */
  sliceMs?: number;
  /** The least time between two snapshots while running. */
  notifyMs?: number;
  /** Called with an error the engine did not expect (a bug): the UI restores the terminal and prints it. */
  onCrash?: (e: unknown) => void;
}

const RANK: Record<Until, number> = { page: 0, pgarr: 1, phase: 2, vma: 3, end: 4 };

export class DebugSession {
  private stageIndex = -1;
  private run: Run | null = null;
  private target: Target | null = null;
  private state: RunState = 'paused';
  private stopReason = 'not started';
  private currentVma: number | null = null;
  private failure: Failure | null = null;
  private readonly results: string[] = [];
  private readonly log = new EventLog();
  private readonly breakpoints: Breakpoint[];
  private readonly listeners = new Set<() => void>();
  private readonly logListeners = new Set<(e: LogEntry) => void>();
  private readonly doneListeners = new Set<(state: RunState) => void>();
  private snapshot: Snapshot | null = null;
  private version = 0;
  private notifyTimer: NodeJS.Timeout | null = null;
  private disposed = false;
  private readonly sliceMs: number;
  private readonly notifyMs: number;

  constructor(private readonly stages: readonly Stage[], private readonly opts: SessionOptions = {}) {
    this.breakpoints = [...(opts.breakpoints ?? [])];
    this.sliceMs = opts.sliceMs ?? 12;
    this.notifyMs = opts.notifyMs ?? 40;
  }

  // --- subscribing (useSyncExternalStore's contract) ---

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): Snapshot => {
    if (!this.snapshot) this.snapshot = this.build();
    return this.snapshot;
  };

  /** Every log entry as it is written (the plain, non-drawing mode prints these). */
  onLog(listener: (e: LogEntry) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Called once when every stage has finished or one has failed. */
  onDone(listener: (state: RunState) => void): () => void {
    this.doneListeners.add(listener);
    return () => this.doneListeners.delete(listener);
  }

  // --- commands ---

  /** Begins the first stage: paused at its first phase boundary, or running to a breakpoint. */
  start(running: boolean): void {
    this.nextStage();
    this.go(running ? { until: 'end', fromVma: null } : { until: 'phase', fromVma: null });
  }

  /** n: to the next phase boundary. */
  next(): void {
    this.go({ until: 'phase', fromVma: this.currentVma });
  }

  /** s (and finer): to the next page-array, or the next page. */
  step(granularity: Granularity): void {
    this.go({ until: granularity, fromVma: this.currentVma });
  }

  /** v: to the first boundary of the next VMA (or the end of the VMAs). */
  nextVma(): void {
    this.go({ until: 'vma', fromVma: this.currentVma });
  }

  /** c / space: run to the next breakpoint, failure or the end. */
  resume(): void {
    this.go({ until: 'end', fromVma: this.currentVma });
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.target = null;
    this.setState('paused', 'paused by you');
  }

  togglePause(): void {
    if (this.state === 'running') this.pause();
    else this.resume();
  }

  /** b: a breakpoint on the current phase kind; again to remove it. Returns whether it is now set. */
  toggleBreakpointHere(): boolean | null {
    const phase = this.run?.ctx.phase;
    if (!phase) return null;
    return this.toggleBreakpoint({ kind: 'phase', phase });
  }

  toggleBreakpoint(b: Breakpoint): boolean {
    const i = this.breakpoints.findIndex((x) => sameBreakpoint(x, b));
    if (i >= 0) this.breakpoints.splice(i, 1);
    else this.breakpoints.push(b);
    this.changed(true);
    return i < 0;
  }

  /** The pages of VMA index of the current stage, in at most `cells` cells. */
  pageStrip(index: number, cells: number): PageStrip | null {
    return this.run ? pageStrip(this.run.ctx, index, cells) : null;
  }

  /** The current stage's engine context (read-only, for tests and the plain printer). */
  get ctx(): CrCtx | null {
    return this.run?.ctx ?? null;
  }

  dispose(): void {
    this.disposed = true;
    this.target = null;
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
  }

  // --- driving ---

  private go(target: Target): void {
    if (this.state === 'finished' || this.state === 'failed' || this.disposed) return;
    this.target = target;
    this.setState('running', 'running');
    if (this.run) this.run.ctx.tracePages = target.until === 'page';
    this.pump();
  }

  private nextStage(): boolean {
    const stage = this.stages[this.stageIndex + 1];
    if (!stage) return false;
    this.stageIndex++;
    this.run = stage.start();
    this.run.ctx.tracePages = this.target?.until === 'page';
    this.currentVma = null;
    this.log.add('info', '', `stage ${this.stageIndex + 1}/${this.stages.length}: ${stage.label} [profile ${this.run.ctx.profile.name}]`);
    this.emitLog();
    return true;
  }

  private pump = (): void => {
    if (!this.target || !this.run || this.disposed) return;
    const deadline = performance.now() + this.sliceMs;
    let n = 0;
    try {
      while (this.target) {
        const r = this.run.events.next();
        if (r.done) {
          if (this.stageDone(r.value)) return;
          continue;
        }
        const stop = this.observe(r.value);
        if (stop) {
          this.target = null;
          this.setState('paused', stop);
          return;
        }
        if ((++n & 255) === 0 && performance.now() > deadline) break;
      }
    } catch (e) {
      this.target = null;
      this.setState('failed', `internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (this.opts.onCrash) this.opts.onCrash(e);
      else throw e;
      return;
    }
    if (this.target) {
      setImmediate(this.pump);
      this.changed(false);
    }
  };

  /** A stage returned: record its result; returns true when the session stops here. */
  private stageDone(outcome: Outcome): boolean {
    const stage = this.stages[this.stageIndex]!;
    const ctx = this.run!.ctx;
    if (!outcome.ok) {
      this.failure = failureOf(ctx, outcome.error, stage);
      if (this.failure.vma) this.currentVma = this.failure.vma.index; // the VMA at fault, not the last boundary
      this.log.add('error', outcome.error.fn, `${stage.kind} failed: ${outcome.error.describe()}`);
      this.emitLog();
      this.target = null;
      this.setState('failed', `${stage.kind} failed: -${outcome.error.errno}`);
      this.done();
      return true;
    }
    const summary = stageSummary(ctx, stage);
    this.results.push(summary);
    this.log.add('info', '', summary);
    for (const w of ctx.reader?.warnings ?? []) this.log.add('warning', 'cr_read_tail', `the image carries a warning: ${w}`);
    this.emitLog();
    if (this.nextStage()) return false;
    this.target = null;
    this.setState('finished', 'finished');
    this.done();
    return true;
  }

  /** Logs the event; returns why to stop here, or null to go on. */
  private observe(ev: EngineEvent): string | null {
    const t = this.target!;
    switch (ev.kind) {
      case 'call':
        this.log.add('call', ev.fn, ev.detail ? `${ev.fn} ${ev.detail}` : ev.fn);
        break;
      case 'phase':
        this.currentVma = ev.vma;
        this.log.add('phase', ev.fn, `${ev.phase}${ev.vma !== null ? ` VMA #${ev.vma}` : ''} (${ev.fn})`);
        break;
      case 'pgarr':
        if (RANK[t.until] <= RANK.pgarr) this.log.add('pgarr', ev.fn, `page-array #${ev.index} (${ev.fn})`);
        break;
      case 'page':
        if (t.until === 'page') this.log.add('page', ev.fn, `page 0x${ev.addr.toString(16)} ${ev.outcome} (${ev.fn})`);
        break;
      case 'ponr':
        this.log.add('warning', 'cr_read_mm', 'point of no return: the restarting task\'s old mm is destroyed');
        break;
      case 'defect':
        this.log.add('defect', ev.fn, `defect ${ev.defect} (${DEFECTS[ev.defect].name}): ${ev.message}`);
        break;
      case 'warning':
        this.log.add('warning', ev.fn, ev.message);
        break;
    }
    this.emitLog();

    for (const b of this.breakpoints) {
      if (hits(b, ev)) return `breakpoint ${b.kind === 'phase' ? b.phase : b.kind === 'vma' ? `vma:${b.index}` : 'error'}`;
    }
    switch (t.until) {
      case 'end':
        return null;
      case 'vma':
        if (ev.kind !== 'phase') return null;
        if (ev.vma !== null && ev.vma !== t.fromVma) return `VMA #${ev.vma}`;
        return ev.phase === 'mm_context' || ev.phase === 'tail' ? ev.phase : null;
      case 'phase':
        return ev.kind === 'phase' ? `${ev.phase} boundary` : null;
      case 'pgarr':
        return ev.kind === 'phase' ? `${ev.phase} boundary` : ev.kind === 'pgarr' ? `page-array #${ev.index}` : null;
      case 'page':
        return ev.kind === 'phase' ? `${ev.phase} boundary` : ev.kind === 'pgarr' ? `page-array #${ev.index}`
          : ev.kind === 'page' ? `page 0x${ev.addr.toString(16)}` : null;
    }
  }

  private emitLog(): void {
    if (!this.logListeners.size) return;
    for (const e of this.log.tail(this.log.total - this.lastEmitted)) for (const l of this.logListeners) l(e);
    this.lastEmitted = this.log.total;
  }
  private lastEmitted = 0;

  private done(): void {
    for (const l of this.doneListeners) l(this.state);
  }

  private setState(state: RunState, reason: string): void {
    this.state = state;
    this.stopReason = reason;
    this.changed(state !== 'running');
  }

  /** Marks the snapshot stale; listeners hear at once, or within notifyMs while running. */
  private changed(now: boolean): void {
    this.snapshot = null;
    if (now) {
      if (this.notifyTimer) clearTimeout(this.notifyTimer);
      this.notifyTimer = null;
      this.notify();
    } else if (!this.notifyTimer) {
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = null;
        this.notify();
      }, this.notifyMs);
    }
  }

  private notify(): void {
    this.version++;
    this.snapshot = null;
    for (const l of this.listeners) l();
  }

  private build(): Snapshot {
    const stage = this.stages[Math.max(0, this.stageIndex)]!;
    const ctx = this.run?.ctx ?? null;
    return {
      version: this.version,
      stage: { index: Math.max(0, this.stageIndex), count: this.stages.length, kind: stage.kind, label: stage.label },
      state: this.state,
      stopReason: this.stopReason,
      fn: this.failure?.fn ?? ctx?.fn ?? '', // after a failure, the function that failed, not cr_ctx_free
      phase: ctx?.phase ?? null,
      currentVma: this.currentVma,
      imageOffset: ctx?.imageOffset ?? 0,
      imageSize: stage.kind === 'restart' ? stage.imageSize() : null,
      profile: ctx?.profile.name ?? '',
      format: ctx?.writer?.format ?? ctx?.reader?.format ?? '',
      comm: ctx?.task.comm ?? '',
      pid: ctx?.pid ?? 0,
      mm: ctx ? mmFields(ctx) : null,
      vmas: ctx ? vmaRows(ctx) : [],
      chain: ctx ? chainView(ctx) : { arrays: [], allocated: 0, inUse: 0, pinned: 0, total: 0 },
      restart: ctx ? restartView(ctx) : null,
      log: this.log.tail(200),
      logTotal: this.log.total,
      defects: ctx ? defectViews(ctx) : [],
      failure: this.failure,
      breakpoints: [...this.breakpoints],
      results: [...this.results],
    };
  }
}

function stageSummary(ctx: CrCtx, stage: Stage): string {
  if (stage.kind === 'checkpoint') {
    const dumped = ctx.vmas.reduce((s, v) => s + v.dumped, 0);
    const skipped = ctx.vmas.reduce((s, v) => s + v.zero + v.clean, 0);
    return `checkpoint done: ${ctx.vmas.length} VMAs, ${dumped} pages dumped, ${skipped} skipped, ${ctx.writer?.offset ?? 0} bytes`;
  }
  const restored = ctx.vmas.filter((v) => v.state === 'restored').length;
  return `restart done: ${restored} of ${ctx.vmas.length} VMAs restored, ${ctx.restart.pagesRead} pages read`;
}

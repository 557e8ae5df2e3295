// sys_checkpoint / sys_restart: the engine's entry points. Each returns the context (a read-only
// view for the debugger) and a generator that runs the algorithm, pausable at every event.

import type { Task } from '../kernel/task.js';
import type { Vfs } from '../kernel/vfs.js';
import type { ImageReader, ImageWriter } from '../image/io.js';
import { CR_CTX_CKPT, CR_CTX_RSTR, CrCtx } from './context.js';
import { CrError } from './errors.js';
import type { Engine } from './events.js';
import { RFC2008, type Profile } from './profile.js';
import { doCheckpoint } from './checkpoint.js';
import { doRestart } from './restart.js';
import type { Preflight } from './rstr-mem.js';
import { crCtxAlloc, crCtxFree } from './sys.js';

export type Outcome = { ok: true } | { ok: false; error: CrError };

export interface Run {
  readonly ctx: CrCtx;
  readonly events: Engine<Outcome>;
}

export interface CheckpointOptions {
  profile?: Profile;
  /** The head's time field, seconds since the epoch (fixed in golden tests). */
  time?: bigint;
  /** Yield an event for every page (default); a driver that never stops at pages turns it off. */
  tracePages?: boolean;
  /** Warnings the process description carries (e.g. VMAs a capture left out), announced first. */
  warnings?: readonly string[];
}

export interface RestartOptions {
  profile?: Profile;
  /** ctx->vfsroot for restart: where file names are opened. Defaults to the task's root. */
  root?: Vfs;
  /** Run before the point of no return when the profile validates first. */
  preflight?: Preflight;
  /** As for checkpoint. */
  tracePages?: boolean;
}

/** Runs body between cr_ctx_alloc and cr_ctx_free, and turns a CrError into an Outcome. */
function* withCtx(ctx: CrCtx, body: Engine<void>, onFail: () => void, onOk: () => void): Engine<Outcome> {
  let outcome: Outcome = { ok: true };
  try {
    yield* crCtxAlloc(ctx);
    yield* body;
  } catch (e) {
    if (!(e instanceof CrError)) throw e;
    outcome = { ok: false, error: e };
    ctx.error = e;
  }
  yield* crCtxFree(ctx);
  if (outcome.ok) onOk();
  else onFail();
  ctx.finished = true;
  return outcome;
}

/** sys_checkpoint: saves task's memory through writer */
export function checkpoint(task: Task, writer: ImageWriter, opts: CheckpointOptions = {}): Run {
  const ctx = new CrCtx(CR_CTX_CKPT, task.pid, task, task.root, opts.profile ?? RFC2008, writer, null);
  const time = opts.time ?? BigInt(Math.floor(Date.now() / 1000));
  ctx.tracePages = opts.tracePages ?? true;
  const body = withWarnings(ctx, opts.warnings ?? [], doCheckpoint(ctx, time));
  return { ctx, events: withCtx(ctx, body, () => writer.abort(), () => writer.commit()) };
}

/** sys_restart: rebuilds task's memory from reader, in place */
export function restart(task: Task, reader: ImageReader, opts: RestartOptions = {}): Run {
  const ctx = new CrCtx(CR_CTX_RSTR, task.pid, task, opts.root ?? task.root, opts.profile ?? RFC2008, null, reader);
  ctx.tracePages = opts.tracePages ?? true;
  const events = withCtx(ctx, doRestartTraced(ctx, opts.preflight ?? null), () => reader.close(), () => reader.close());
  return { ctx, events };
}

function* doRestartTraced(ctx: CrCtx, preflight: Preflight | null): Engine<void> {
  try {
    yield* doRestart(ctx, preflight);
  } catch (e) {
    if (e instanceof CrError && ctx.pastPointOfNoReturn) {
      const done = ctx.vmas.filter((v) => v.state === 'restored').length;
      yield ctx.defect(9, e.fn, `restart failed after the point of no return: the task is half-built (${done} of ${ctx.vmas.length} VMAs restored, old mm gone)`);
    }
    throw e;
  }
}

function* withWarnings(ctx: CrCtx, warnings: readonly string[], body: Engine<void>): Engine<void> {
  for (const w of warnings) yield ctx.warn('sys_checkpoint', w);
  yield* body;
}

/** Runs an engine to its end without pausing: what the headless commands do. */
export function runToEnd<T>(events: Engine<T>): T {
  for (;;) {
    const r = events.next();
    if (r.done) return r.value;
  }
}

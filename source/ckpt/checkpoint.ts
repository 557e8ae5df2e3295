// checkpoint.c: the image's head, the task, its memory, and the tail.

import { TASK_COMM_LEN } from '../kernel/task.js';
import { CR_HEAD_MAGIC, CR_VERSION } from '../image/v1/format.js';
import type { CrCtx } from './context.js';
import type { Engine } from './events.js';
import { writeMm } from './ckpt-mem.js';

/** The kernel the simulated images claim to come from. */
export const KERNEL_RELEASE = { major: 2, minor: 6, patch: 26, release: '2.6.26-ckpt', version: '#1 SMP', machine: 'x86_64' };

/** cr_write_head */
function* writeHead(ctx: CrCtx, time: bigint): Engine<void> {
  yield ctx.boundary('head', 'cr_write_head', null);
  ctx.writer!.head({
    magic: CR_HEAD_MAGIC, major: KERNEL_RELEASE.major, minor: KERNEL_RELEASE.minor, patch: KERNEL_RELEASE.patch,
    rev: CR_VERSION, time, flags: 0n, release: KERNEL_RELEASE.release, version: KERNEL_RELEASE.version,
    machine: KERNEL_RELEASE.machine,
  }, 'cr_write_head');
}

/** cr_write_task: cr_write_task_struct (the task record and comm), then cr_write_mm */
function* writeTask(ctx: CrCtx): Engine<void> {
  yield ctx.boundary('task', 'cr_write_task_struct', null);
  const t = ctx.task;
  ctx.writer!.task({
    state: t.state, exitState: t.exitState, exitCode: t.exitCode, exitSignal: t.exitSignal, taskCommLen: TASK_COMM_LEN,
  }, t.comm, 'cr_write_task_struct');
  yield* writeMm(ctx);
}

/** cr_write_tail */
function* writeTail(ctx: CrCtx): Engine<void> {
  yield ctx.boundary('tail', 'cr_write_tail', null);
  ctx.writer!.tail('cr_write_tail');
}

/** do_checkpoint */
export function* doCheckpoint(ctx: CrCtx, time: bigint): Engine<void> {
  yield* writeHead(ctx, time);
  yield* writeTask(ctx);
  yield* writeTail(ctx);
}

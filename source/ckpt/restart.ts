// restart.c: read the head, the task, its memory, and the tail.

import { TASK_COMM_LEN } from '../kernel/task.js';
import { CR_HEAD_MAGIC, CR_TAIL_MAGIC, CR_VERSION } from '../image/v1/format.js';
import type { CrCtx } from './context.js';
import type { Engine } from './events.js';
import { KERNEL_RELEASE } from './checkpoint.js';
import { readMm, type Preflight } from './rstr-mem.js';

/** cr_read_head: the magic, the kernel version and the format revision */
function* readHead(ctx: CrCtx): Engine<void> {
  const fn = 'cr_read_head';
  yield ctx.boundary('head', fn, null);
  const hh = ctx.reader!.head(fn);
  if (hh.magic !== CR_HEAD_MAGIC) ctx.fail('EINVAL', fn, `bad magic 0x${hh.magic.toString(16)}`, 'magic');
  if (hh.major !== KERNEL_RELEASE.major || hh.minor !== KERNEL_RELEASE.minor || hh.patch !== KERNEL_RELEASE.patch) {
    ctx.fail('EINVAL', fn, `image from kernel ${hh.major}.${hh.minor}.${hh.patch}, this is ${KERNEL_RELEASE.release}`, 'major');
  }
  if (hh.rev !== CR_VERSION) ctx.fail('EINVAL', fn, `format revision ${hh.rev}, expected ${CR_VERSION}`, 'rev');
}

/** cr_read_task_struct: the task record and its comm string (returned instead of set when deferred) */
function* readTaskStruct(ctx: CrCtx): Engine<string | null> {
  const fn = 'cr_read_task_struct';
  yield ctx.boundary('task', fn, null);
  const hh = ctx.reader!.task(fn);
  if (hh.taskCommLen < 0 || hh.taskCommLen > TASK_COMM_LEN) {
    ctx.fail('EINVAL', fn, `task_comm_len ${hh.taskCommLen} not in 0..${TASK_COMM_LEN}`, 'task_comm_len');
  }
  const comm = ctx.reader!.string(hh.taskCommLen, fn);
  const nul = comm.indexOf(0);
  const name = comm.subarray(0, nul < 0 ? comm.length : nul).toString('latin1');
  // hardened (defect 9): nothing of the task changes before the point of no return
  if (ctx.profile.fixes(9)) return name;
  ctx.task.comm = name;
  return null;
}

/** cr_read_task: task_struct, then mm; thread and cpu records are skipped */
function* readTask(ctx: CrCtx, preflight: Preflight | null): Engine<void> {
  const deferredComm = yield* readTaskStruct(ctx);
  yield* readMm(ctx, preflight, deferredComm === null ? undefined : () => (ctx.task.comm = deferredComm));
  ctx.reader!.skipOptional('cr_read_task');
}

/** cr_read_tail */
function* readTail(ctx: CrCtx): Engine<void> {
  const fn = 'cr_read_tail';
  yield ctx.boundary('tail', fn, null);
  const t = ctx.reader!.tail(fn);
  if (t.magic !== CR_TAIL_MAGIC) ctx.fail('EINVAL', fn, `bad magic 0x${t.magic.toString(16)}`, 'magic');
}

/** do_restart */
export function* doRestart(ctx: CrCtx, preflight: Preflight | null): Engine<void> {
  yield* readHead(ctx);
  yield* readTask(ctx, preflight);
  yield* readTail(ctx);
}

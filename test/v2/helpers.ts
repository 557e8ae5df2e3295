// Shared helpers for the v2, convert, hardened and fuzz tests: build samples, checkpoint them in
// memory, restart them, and compare the restarting task before and after.

import { checkpoint, restart, runToEnd, type Outcome } from '../../source/ckpt/engine.js';
import type { CrCtx } from '../../source/ckpt/context.js';
import { PROFILES, type ProfileName } from '../../source/ckpt/profile.js';
import { preflight } from '../../source/ckpt/preflight.js';
import type { FormatName } from '../../source/image/io.js';
import { readerFor, writerFor } from '../../source/image/open.js';
import { MemorySink } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { Kernel, type Task } from '../../source/kernel/task.js';
import { buildTask, loadSample, RESTARTER, type Sample } from '../../source/sample/index.js';

export function sampleTask(sample: Sample | string): Task {
  return buildTask(new Kernel(), typeof sample === 'string' ? loadSample(sample) : sample);
}

/** Checkpoints a task into memory; throws when the checkpoint fails. */
export function imageOf(task: Task, format: FormatName, profile: ProfileName = 'rfc2008'): Buffer {
  const sink = new MemorySink();
  const run = checkpoint(task, writerFor(format, sink, task.pid), { profile: PROFILES[profile], time: 1217444400n });
  const out = runToEnd(run.events);
  if (!out.ok) throw new Error(`checkpoint failed: ${out.error.describe()}`);
  return sink.image!;
}

/** The restarting task: the built-in one, with the files of `files` added to its root. */
export function restartingTask(files: Sample | null = null): Task {
  const kernel = new Kernel();
  const task = buildTask(kernel, RESTARTER);
  if (files) for (const f of buildTask(kernel, files).root.list()) task.root.addFile(f.path, f.data);
  return task;
}

export function restartImage(task: Task, image: Buffer, profile: ProfileName = 'rfc2008'): { outcome: Outcome; ctx: CrCtx } {
  const reader = readerFor(new BufferSource(image), 'image');
  const run = restart(task, reader, { profile: PROFILES[profile], preflight });
  return { outcome: runToEnd(run.events), ctx: run.ctx };
}

/** Everything of a task a restart may change (shared with the fuzzer). */
export { snapshotTask } from '../../bench/fuzz.js';

// Loading what commands are given: samples into tasks, images into readers.

import { Kernel, type Task } from '../kernel/task.js';
import { buildTask, buildVfs, loadSample, RESTARTER, type Sample } from '../sample/index.js';

/** The task a sample describes, in a new kernel. */
export function taskOfSample(file: string): { task: Task; sample: Sample } {
  const sample = loadSample(file);
  return { task: buildTask(new Kernel(), sample), sample };
}

/**
 * The restarting task: --into's sample, or the built-in one. Files of the --verify sample that
 * its root lacks are added, as the machine a restart runs on has the checkpointed program's files.
 */
export function restartingTask(into: string | undefined, verify: Sample | null): Task {
  const kernel = new Kernel();
  const task = buildTask(kernel, into ? loadSample(into) : RESTARTER);
  if (verify) {
    const extra = buildVfs(kernel, verify);
    for (const inode of extra.list()) if (!task.root.lookup(inode.path)) task.root.addFile(inode.path, inode.data);
  }
  return task;
}

// task_struct, reduced to what cr_hdr_task and the memory code need.

import { MmStruct } from './mm.js';
import { PageAllocator } from './page.js';
import { Vfs } from './vfs.js';

export const TASK_COMM_LEN = 16;

/** struct task_struct */
export class Task {
  state = 0;
  exitState = 0;
  exitCode = 0;
  exitSignal = 17; // SIGCHLD
  readonly mm: MmStruct;
  constructor(readonly kernel: Kernel, public pid: number, public comm: string, readonly root: Vfs) {
    this.mm = new MmStruct(kernel.allocator);
  }
}

/** The simulated machine: one page allocator (with ZERO_PAGE) shared by every task. */
export class Kernel {
  readonly allocator = new PageAllocator();

  newVfs(): Vfs {
    return new Vfs(this.allocator);
  }

  newTask(pid: number, comm: string, root: Vfs = this.newVfs()): Task {
    return new Task(this, pid, comm.slice(0, TASK_COMM_LEN - 1), root);
  }
}

// Stopping the process for a consistent picture: SIGSTOP, then wait until /proc says it stopped.

import type { CaptureOptions, CaptureResult } from './capture.js';
import { CaptureError, readProc } from './proc.js';
import { parseStat, type ProcStat } from './stat.js';

/** Blocks for ms milliseconds: capture is synchronous, and the process needs a moment to stop. */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** /proc/PID/stat, parsed. */
export function statOf(pid: number): ProcStat {
  return parseStat(readProc(pid, 'stat'));
}

/** Sends SIGSTOP and waits for the stop; returns how the process came to be stopped. */
export function stopProcess(pid: number, opts: CaptureOptions): CaptureResult['stoppedBy'] {
  if (opts.stopped) return 'caller';
  const state = statOf(pid).state;
  if (state === 'T' || state === 't') return 'already';
  try {
    process.kill(pid, 'SIGSTOP');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EPERM';
    throw new CaptureError(`kill(${pid}, SIGSTOP)`, code, code === 'ESRCH' ? 'no such process' : 'cannot stop the process: capture needs the right to signal it (root or the same user)');
  }
  const deadline = Date.now() + (opts.stopTimeoutMs ?? 5000);
  for (;;) {
    const s = statOf(pid).state;
    if (s === 'T' || s === 't') return 'capture';
    if (s === 'Z' || s === 'X') throw new CaptureError(`/proc/${pid}/stat`, 'ESRCH', 'the process exited');
    if (Date.now() > deadline) throw new CaptureError(`/proc/${pid}/stat`, 'ETIMEDOUT', `the process did not stop after SIGSTOP (state ${s})`);
    sleepMs(1);
  }
}


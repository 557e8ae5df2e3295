// Reading /proc/PID/*: every failure becomes one CaptureError naming the file, the errno and why.

import * as fs from 'node:fs';

/** A capture that cannot go on: `file` could not be read, `code` is the errno name. */
export class CaptureError extends Error {
  constructor(readonly file: string, readonly code: string, readonly why: string) {
    super(`${file}: ${code} (${why})`);
    this.name = 'CaptureError';
  }
}

const WHY: Record<string, string> = {
  ENOENT: 'no such process, or it exited',
  ESRCH: 'the process exited during the capture',
  EACCES: 'permission denied: capture needs ptrace access to the process (root, or the same user with ptrace allowed)',
  EPERM: 'operation not permitted: capture needs ptrace access to the process (root, or the same user with ptrace allowed)',
  EIO: 'the kernel could not read that memory',
};

/** Turns a node fs error on `file` into a CaptureError. */
export function procError(file: string, e: unknown, pid?: number): CaptureError {
  const code = (e as NodeJS.ErrnoException)?.code ?? 'EIO';
  let why = WHY[code] ?? ((e as Error)?.message ?? String(e));
  if (pid !== undefined && !processExists(pid) && code !== 'EACCES') {
    return new CaptureError(file, code === 'ENOENT' ? 'ENOENT' : 'ESRCH', code === 'ENOENT' ? WHY.ENOENT! : WHY.ESRCH!);
  }
  if (code === 'ENOENT' && /\/proc\/\d+\//.test(file)) why = WHY.ENOENT!;
  return new CaptureError(file, code, why);
}

export function processExists(pid: number): boolean {
  try {
    fs.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** The whole text of a /proc file. */
export function readProc(pid: number | 'self', name: string): string {
  const file = `/proc/${pid}/${name}`;
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw procError(file, e, typeof pid === 'number' ? pid : undefined);
  }
}

/** Opens a /proc file for positioned reads. */
export function openProc(pid: number | 'self', name: string): { fd: number; file: string } {
  const file = `/proc/${pid}/${name}`;
  try {
    return { fd: fs.openSync(file, 'r'), file };
  } catch (e) {
    throw procError(file, e, typeof pid === 'number' ? pid : undefined);
  }
}

/** pread that fills buf as far as the file allows; returns the bytes read. */
export function preadFull(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

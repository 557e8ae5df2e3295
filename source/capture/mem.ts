// /proc/PID/mem: positioned reads of the process's memory (FOLL_FORCE, as ptrace reads it).

import * as fs from 'node:fs';
import { openProc, procError } from './proc.js';

export class MemReader {
  private readonly fd: number;
  readonly file: string;

  constructor(private readonly pid: number) {
    const o = openProc(pid, 'mem');
    this.fd = o.fd;
    this.file = o.file;
  }

  /** Reads length bytes at addr into buf (at offset); a short read or a failure is a CaptureError. */
  read(addr: number, buf: Buffer, length: number, offset = 0): void {
    let done = 0;
    try {
      while (done < length) {
        const n = fs.readSync(this.fd, buf, offset + done, length - done, addr + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      const err = procError(this.file, e, this.pid);
      throw Object.assign(err, { message: `${err.message} at 0x${(addr + done).toString(16)}` });
    }
    if (done < length) {
      throw procError(this.file, Object.assign(new Error('short read'), { code: 'EIO' }), this.pid);
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

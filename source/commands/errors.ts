// One line for any error a command can meet; a stack trace only when CKPT_DEBUG is set.

import { CrError } from '../image/errors.js';
import { ImageOpenError } from '../image/open.js';
import { SampleError } from '../sample/parse.js';

export function describeError(e: unknown): string {
  if (e instanceof SampleError) return `sample ${e.message}`;
  if (e instanceof ImageOpenError) return `image ${e.message}`;
  if (e instanceof CrError) return e.describe();
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.path === 'string') {
    return `${err.path}: ${err.code} (${err.syscall ?? 'io'})`;
  }
  if (process.env.CKPT_DEBUG && e instanceof Error && e.stack) return e.stack;
  return `internal error: ${e instanceof Error ? e.message : String(e)} (set CKPT_DEBUG=1 for a stack trace)`;
}

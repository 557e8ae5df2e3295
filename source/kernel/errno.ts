// errno values of Linux x86_64, and the error a kernel function fails with.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  EOVERFLOW: 75,
  EBADMSG: 74,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export function errnoValue(name: ErrnoName): number {
  return ERRNO[name];
}

/** A kernel function's failure: what C would return as -errno. */
export class KernelError extends Error {
  constructor(
    readonly errno: ErrnoName,
    /** The C function that failed, e.g. "do_mmap_pgoff". */
    readonly fn: string,
    /** Which check failed, in a few words. */
    readonly check: string,
  ) {
    super(`${fn}: -${errno}: ${check}`);
    this.name = 'KernelError';
  }
}

export function isKernelError(e: unknown): e is KernelError {
  return e instanceof KernelError;
}

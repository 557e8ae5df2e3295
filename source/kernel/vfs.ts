// A VFS root: regular files with contents, path resolution confined to the root, filp_open.

import { KernelError } from './errno.js';
import { O_RDWR, O_WRONLY } from './constants.js';
import { AddressSpace } from './pagecache.js';
import type { PageAllocator } from './page.js';

/** struct inode of a regular file, with its page cache. */
export class Inode {
  readonly mapping: AddressSpace;
  constructor(readonly path: string, readonly data: Buffer, allocator: PageAllocator) {
    this.mapping = new AddressSpace(this, allocator);
  }
}

/** struct file: an open file, as a VMA holds it. */
export interface File {
  readonly inode: Inode;
  /** f_path as d_path() prints it, relative to the task's root. */
  readonly path: string;
  readonly readable: boolean;
  readonly writable: boolean;
}

export const PATH_MAX = 4096;

/**
 * Normalises a path the way a chrooted lookup does: "." and ".." are followed, and ".." at
 * the root stays at the root, so no name can reach outside it.
 */
export function resolveInRoot(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** A mounted root: the files a task can open. */
export class Vfs {
  private readonly files = new Map<string, Inode>();
  constructor(private readonly allocator: PageAllocator) {}

  addFile(path: string, data: Buffer): Inode {
    const canonical = resolveInRoot(path);
    const inode = new Inode(canonical, data, this.allocator);
    this.files.set(canonical, inode);
    return inode;
  }

  lookup(path: string): Inode | undefined {
    return this.files.get(resolveInRoot(path));
  }

  list(): Inode[] {
    return [...this.files.values()];
  }

  /** filp_open(): -ENOENT for a missing file, -ENAMETOOLONG past PATH_MAX. */
  filpOpen(path: string, flags: number): File {
    if (path.length >= PATH_MAX) throw new KernelError('ENAMETOOLONG', 'filp_open', `name of ${path.length} bytes`);
    const inode = this.lookup(path);
    if (!inode) throw new KernelError('ENOENT', 'filp_open', `no such file: ${path}`);
    const acc = flags & 3;
    return { inode, path: inode.path, readable: acc !== O_WRONLY, writable: acc === O_RDWR || acc === O_WRONLY };
  }
}


// The simulated kernel's public face, for the layers above.

export * from './constants.js';
export * from './errno.js';
export * from './types.js';
export { Page, PageAllocator } from './page.js';
export { AddressSpace } from './pagecache.js';
export { Vfs, Inode, resolveInRoot, PATH_MAX, type File } from './vfs.js';
export { MmStruct, VmArea, MM_LAYOUT_FIELDS, pageIndex, type MmLayout, type Pte, type MmContext } from './mm.js';
export { followPage, handleMmFault, handleMmFaultZeroRun } from './fault.js';
export { PageTable } from './pgtable.js';
export { doMmapPgoff, doMunmap, mprotectFixup, pageAlign, calcVmProtBits } from './mmap.js';
export * from './ldt.js';
export * from './uaccess.js';
export { Task, Kernel, TASK_COMM_LEN } from './task.js';

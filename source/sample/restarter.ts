// The restarting task used when no --into sample is given: a small program whose memory the
// restart destroys at the point of no return.

import type { Sample } from './schema.js';

export const RESTARTER: Sample = {
  format: 'ckpt-sample',
  version: 1,
  description: 'the restarting task: a tiny program that called sys_restart',
  comm: 'restart',
  pid: 4000,
  files: [{ path: '/sbin/restart', size: 8192, contents: { generate: 'code', seed: 99 } }],
  mm: {
    start_code: 0x400000, end_code: 0x402000, start_data: 0x602000, end_data: 0x603000, start_brk: 0x604000,
    brk: 0x606000, start_stack: 0x7fffffffe000, arg_start: 0x7fffffffe100, arg_end: 0x7fffffffe120,
    env_start: 0x7fffffffe120, env_end: 0x7fffffffeff0,
  },
  vmas: [
    { start: 0x400000, end: 0x402000, perms: 'r-xp', file: '/sbin/restart', pgoff: 0, flags: ['VM_DENYWRITE', 'VM_EXECUTABLE'], label: 'text' },
    { start: 0x602000, end: 0x603000, perms: 'rw-p', label: 'data' },
    { start: 0x604000, end: 0x606000, perms: 'rw-p', label: 'heap' },
    { start: 0x7ffffffde000, end: 0x7ffffffff000, perms: 'rw-p', flags: ['VM_GROWSDOWN'], label: 'stack' },
  ],
  ldt: [],
  activity: [
    { op: 'read', start: 0x400000, pages: 2 },
    { op: 'write', start: 0x602000, pages: 1, contents: { generate: 'pattern', seed: 4000 } },
    { op: 'write', start: 0x7fffffffe000, pages: 1, contents: { generate: 'pattern', seed: 4001 } },
  ],
  origin: 'built-in restarting task',
};

// Recipe for bench-1g.json: `node samples/make-bench-1g.mjs > samples/bench-1g.json`.
// 1 GiB resident in 16 arenas of 16,384 dirty pages: each arena stays below 32,767 dumped
// pages, so npages (__s16 in the v1 image) does not wrap and the image restarts correctly.
const ARENAS = 16;
const PAGES = 16384;
const hex = (n) => '0x' + n.toString(16);
const vmas = [
  { label: 'text', start: '0x400000', end: '0x402000', perms: 'r-xp', file: '/bin/bench', pgoff: 0, flags: ['VM_DENYWRITE', 'VM_EXECUTABLE'] },
  { label: 'data', start: '0x602000', end: '0x603000', perms: 'rw-p' },
];
const activity = [
  { op: 'read', start: '0x400000', pages: 2 },
  { op: 'write', start: '0x602000', contents: { text: 'benchmark arena' } },
];
for (let i = 0; i < ARENAS; i++) {
  // a 256 MiB hole between arenas keeps them separate VMAs
  const start = 0x100000000 + i * (PAGES * 4096 + 0x10000000);
  vmas.push({ label: `arena ${i} (${PAGES} pages)`, start: hex(start), end: hex(start + PAGES * 4096), perms: 'rw-p' });
  activity.push({ op: 'write', start: hex(start), pages: PAGES, contents: { generate: 'random', seed: 100 + i } });
}
vmas.push({ label: 'stack', start: '0x7ffffffde000', end: '0x7ffffffff000', perms: 'rw-p', flags: ['VM_GROWSDOWN'] });
activity.push({ op: 'write', start: '0x7fffffffe000', pages: 1, contents: { generate: 'pattern', seed: 99 } });

const sample = {
  format: 'ckpt-sample',
  version: 1,
  description: `The benchmark process: 1 GiB resident, in ${ARENAS} anonymous arenas of ${PAGES.toLocaleString('en-US')} dirty pages (64 MiB) each, plus text, data and stack. Each arena stays below 32,767 dumped pages so that npages (__s16) does not wrap and the image restarts correctly. Contents are generated, so the sample stays small. Made by make-bench-1g.mjs.`,
  comm: 'bench',
  pid: 4700,
  files: [{ path: '/bin/bench', size: 8192, contents: { generate: 'code', seed: 61 } }],
  mm: {
    start_code: '0x400000', end_code: '0x402000', start_data: '0x602000', end_data: '0x603000', start_brk: '0x603000',
    brk: '0x603000', start_stack: '0x7fffffffe000', arg_start: '0x7fffffffe100', arg_end: '0x7fffffffe120',
    env_start: '0x7fffffffe120', env_end: '0x7fffffffef00',
  },
  vmas,
  ldt: [],
  activity,
};
// one VMA or activity per line keeps the file short and readable
const list = (items) => '[\n' + items.map((x) => '    ' + JSON.stringify(x)).join(',\n') + '\n  ]';
const { vmas: v, activity: a, ...top } = sample;
const head = JSON.stringify(top, null, 2).replace(/\n\}$/, '');
process.stdout.write(`${head},\n  "vmas": ${list(v)},\n  "activity": ${list(a)}\n}\n`);

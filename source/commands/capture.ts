// ckpt capture PID -o SAMPLE: reads a live Linux process into a sample the simulated kernel builds.

import { captureProcess, CaptureError, type CaptureResult } from '../capture/index.js';
import { unsupportedReason } from '../capture/flags.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, str, type Command } from './command.js';

const n = (x: number) => x.toLocaleString('en-US');
const hex = (x: number) => '0x' + x.toString(16);

function summary(r: CaptureResult, pid: number, skipUnsupported: boolean): string[] {
  const s = r.sample;
  const p = r.pages;
  const fileBytes = s.files.reduce((t, f) => t + (f.ranges ?? []).reduce((u, g) => u + ('blob' in g.contents ? g.contents.blob.length : 0), 0), 0);
  const lines = [
    `captured ${s.comm} (pid ${pid}) to ${r.output} and ${r.blobPath} (${n(r.blobBytes)} bytes) in ${r.seconds.toFixed(2)} s` +
      (r.stoppedBy === 'capture' ? ' [stopped with SIGSTOP, resumed with SIGCONT]' : r.stoppedBy === 'already' ? ' [already stopped; left stopped]' : ' [stopped by the caller]'),
    `  VMAs        ${s.vmas.length} captured, ${r.skipped.length} left out`,
    `  pages       ${n(p.dirty)} dirty (${n(p.swapped)} swapped), ${n(p.zero)} zero page, ${n(p.clean)} clean page cache, ${n(p.absent)} not present, ${n(p.special)} VM_IO/VM_PFNMAP`,
    `  files       ${s.files.length} (${n(fileBytes)} bytes of mapped ranges)`,
    `  zero page   ${r.zeroPfn !== null ? `pfn ${r.zeroPfn}` : 'frame numbers hidden: told by content and sharing'}`,
  ];
  for (const k of r.skipped) lines.push(`  left out    ${k.start}-${k.end} ${k.perms} ${k.label ?? ''}: ${k.reason}`);
  const refused = s.vmas.findIndex((v) => unsupportedReason(v.vmFlags ?? 0)?.includes('-ETXTBSY'));
  if (refused >= 0) {
    const v = s.vmas[refused]!;
    lines.push(`  seed        a faithful checkpoint fails at VMA #${refused} ${hex(v.start)}-${hex(v.end)} ${v.label ?? ''}: ${unsupportedReason(v.vmFlags ?? 0)}`);
    if (!skipUnsupported) lines.push('              (--skip-unsupported leaves such VMAs out so the rest can be checkpointed)');
  }
  for (const w of s.warnings ?? []) if (!w.startsWith('--skip-unsupported')) lines.push(`  warning     ${w}`);
  return lines;
}

export const captureCommand: Command = {
  name: 'capture',
  summary: 'capture a live Linux process into a sample (needs /proc and ptrace access)',
  flags: ['output', 'skipUnsupported', 'stopped'],
  help: `Usage: ckpt capture PID -o SAMPLE [--skip-unsupported] [--stopped]

Reads the running Linux process PID (/proc/PID/maps, smaps, stat, pagemap, mem) and writes a
sample that rebuilds its address space in the simulated kernel: every VMA with its vm_flags, the
mapped ranges of its files, and per page the state it was in (not present, zero page, clean
page-cache page, or dirty, whose bytes go to SAMPLE.pages). \`ckpt checkpoint SAMPLE\` then runs the
seed on it. The process is stopped with SIGSTOP for a consistent picture and resumed with SIGCONT.
Both files are written under temporary names and renamed only when complete.

Options
  -o, --output SAMPLE    where to write the sample (required); its pages go to SAMPLE.pages
  --skip-unsupported     leave out the VMAs the seed cannot checkpoint (VM_SHARED, VM_IO, VM_HUGETLB,
                         VM_NONLINEAR, VM_MAYSHARE), each named in the sample's warnings
  --stopped              the process is already stopped: send neither SIGSTOP nor SIGCONT

Needs Linux and ptrace-level access to PID (root, or the same user with ptrace allowed).

Exit status: 0 written, 1 the capture failed (file and errno named), 2 usage or not Linux.

Example
  ckpt capture 1234 -o proc.json --skip-unsupported && ckpt checkpoint proc.json -o proc.img`,
  run(input, flags, io) {
    const [pidText, ...rest] = input;
    if (!pidText || rest.length) throw new UsageError('capture takes one PID');
    if (!/^[1-9][0-9]*$/.test(pidText)) throw new UsageError(`PID must be a process id, not '${pidText}'`);
    const output = str(flags, 'output');
    if (!output) throw new UsageError('capture needs -o SAMPLE');
    if (process.platform !== 'linux') {
      io.err(`ckpt capture: needs Linux (/proc/PID/maps, pagemap, mem); this is ${process.platform}`);
      return EXIT_USAGE;
    }
    const pid = Number(pidText);
    const skipUnsupported = flags.skipUnsupported === true;
    try {
      const r = captureProcess(pid, output, { skipUnsupported, stopped: flags.stopped === true });
      for (const line of summary(r, pid, skipUnsupported)) io.out(line);
      return EXIT_OK;
    } catch (e) {
      if (e instanceof CaptureError) {
        io.err(`ckpt capture: ${e.message}`);
        return EXIT_FAILED;
      }
      const err = e as NodeJS.ErrnoException;
      if (err && typeof err.code === 'string') {
        io.err(`ckpt capture: ${err.path ?? output}: ${err.code} (${err.syscall ?? 'io'})`);
        return EXIT_FAILED;
      }
      throw e;
    }
  },
};

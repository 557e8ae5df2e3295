// Helpers for the capture tests: real child processes, their pagemap and memory read directly,
// and an image reader of its own (the v1 layout of docs/FORMAT.md), so that checks do not go through
// the code under test.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel, type Task } from '../../source/kernel/task.js';
import { buildTask, buildVfs, loadSample, RESTARTER, verifyTask, type Sample, type VerifyReport } from '../../source/sample/index.js';
import { checkpoint, restart, runToEnd, type Outcome } from '../../source/ckpt/engine.js';
import type { CrCtx } from '../../source/ckpt/context.js';
import type { PageOutcome } from '../../source/ckpt/events.js';
import { MemorySink } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { V1Writer } from '../../source/image/v1/writer.js';
import { V1Reader } from '../../source/image/v1/reader.js';

export const PAGE = 4096;
export const onLinux = process.platform === 'linux';
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function hasCompiler(): boolean {
  return onLinux && spawnSync('cc', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const PATTERN_SOURCE = path.join(import.meta.dirname, 'fixtures/pattern.c');

/** Compiles the pattern child and writes its 4-page data file into dir (both readable by anyone). */
export function buildPattern(dir: string): { program: string; dataFile: string } {
  const dataFile = path.join(dir, 'data.bin');
  const data = Buffer.alloc(4 * PAGE);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + 5) & 0xff;
  fs.writeFileSync(dataFile, data, { mode: 0o644 });
  const program = path.join(dir, 'pattern');
  const cc = spawnSync('cc', ['-O1', '-o', program, PATTERN_SOURCE], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
  fs.chmodSync(dir, 0o755);
  return { program, dataFile };
}

/** Children started by a test, killed by killChildren() in afterEach / afterAll. */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** `sleep` from the system, once it has exec'd and mapped its libraries. */
export async function startSleep(): Promise<number> {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.add(child);
  const pid = child.pid!;
  await until('sleep to start', () => {
    try {
      return fs.readFileSync(`/proc/${pid}/maps`, 'latin1').includes('[vdso]') && fs.readlinkSync(`/proc/${pid}/exe`).endsWith('sleep');
    } catch {
      return false;
    }
  });
  await until('sleep to sleep', () => procState(pid) === 'S');
  return pid;
}

export function procState(pid: number): string {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[0]!;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts cmd, returns it with the first line it prints; waits for it to stop itself if asked. */
export async function startChild(
  cmd: string, args: string[], opts: { waitStopped?: boolean; uid?: number; gid?: number } = {},
): Promise<{ child: ChildProcess; pid: number; line: string }> {
  const ids = opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid };
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...ids });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  await until(`${cmd} to print a line`, () => out.includes('\n') || child.exitCode !== null);
  if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}`);
  const pid = child.pid!;
  if (opts.waitStopped) await until(`${cmd} to stop`, () => procState(pid) === 'T');
  return { child, pid, line: out.split('\n')[0]! };
}

export interface MapsLine {
  start: number;
  end: number;
  perms: string;
  name: string;
}

export function readMaps(pid: number): MapsLine[] {
  return fs.readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n').filter(Boolean).map((l) => {
    const f = l.split(/\s+/);
    const [a, b] = f[0]!.split('-');
    return { start: parseInt(a!, 16), end: parseInt(b!, 16), perms: f[1]!, name: f.slice(5).join(' ') };
  });
}

export interface PmEntry {
  present: boolean;
  swapped: boolean;
  file: boolean;
  exclusive: boolean;
  pfn: number;
}

export function pagemapOf(pid: number, addr: number, pages: number): PmEntry[] {
  const fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    const buf = Buffer.alloc(pages * 8);
    fs.readSync(fd, buf, 0, buf.length, (addr / PAGE) * 8);
    const out: PmEntry[] = [];
    for (let i = 0; i < pages; i++) {
      const v = buf.readBigUInt64LE(i * 8);
      out.push({
        present: (v >> 63n) === 1n, swapped: ((v >> 62n) & 1n) === 1n, file: ((v >> 61n) & 1n) === 1n,
        exclusive: ((v >> 56n) & 1n) === 1n, pfn: Number(v & ((1n << 55n) - 1n)),
      });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

export function readMem(pid: number, addr: number, len = PAGE): Buffer {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    const b = Buffer.alloc(len);
    const n = fs.readSync(fd, b, 0, len, addr);
    if (n !== len) throw new Error(`short read of /proc/${pid}/mem at 0x${addr.toString(16)}`);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The pages the seed should dump, from pagemap alone: in private VMAs that the sample keeps,
 * present (or swapped) pages that are not ZERO_PAGE and, in a file VMA, not page-cache pages.
 */
export function expectedDumped(pid: number, sample: Sample, zeroPfn: number): Set<number> {
  const kept = new Set(sample.vmas.map((v) => v.start));
  const out = new Set<number>();
  for (const m of readMaps(pid)) {
    if (!kept.has(m.start) || m.perms[3] === 's') continue;
    const anon = m.name === '' || m.name.startsWith('[');
    if (m.name.startsWith('[vvar')) continue;
    const pm = pagemapOf(pid, m.start, (m.end - m.start) / PAGE);
    pm.forEach((e, i) => {
      const addr = m.start + i * PAGE;
      if (!e.present && !e.swapped) return;
      if (anon) {
        if (e.present && !e.file && zeroPfn !== 0 && e.pfn === zeroPfn) return;
        if (e.present && !e.file && zeroPfn === 0 && !e.exclusive && readMem(pid, addr).every((b) => b === 0)) return;
        out.add(addr);
      } else if (!e.file) {
        out.add(addr);
      }
    });
  }
  return out;
}

/** The v1 image's pages, VMA by VMA: address -> contents, read with the layout of docs/FORMAT.md. */
export function imagePages(image: Buffer): Map<number, Buffer> {
  const pages = new Map<number, Buffer>();
  let off = 0;
  for (;;) {
    const type = image.readInt16LE(off);
    const len = image.readInt16LE(off + 2);
    off += 8;
    if (type === 202) {
      const npages = image.readInt16LE(off + 48);
      const namelen = image.readInt16LE(off + 50);
      off += len;
      if (namelen) off += 8 + image.readInt16LE(off + 2); // the STRING record of the name
      const addrs: number[] = [];
      for (let i = 0; i < npages; i++) addrs.push(Number(image.readBigUInt64LE(off + i * 8)));
      off += npages * 8;
      for (const a of addrs) {
        pages.set(a, image.subarray(off, off + PAGE));
        off += PAGE;
      }
    } else if (type === 203) {
      const nldt = image.readInt16LE(off + 2);
      off += len + nldt * 8;
    } else if (type === 5001) {
      return pages;
    } else {
      off += len;
    }
    if (off >= image.length) throw new Error('image ends without a tail');
  }
}

export interface Checkpointed {
  task: Task;
  outcome: Outcome;
  ctx: CrCtx;
  image: Buffer | null;
  outcomes: Map<number, PageOutcome>;
}

/** Builds the sample's task and checkpoints it in v1, noting each page's outcome in the scan. */
export function checkpointSample(sample: Sample): Checkpointed {
  const task = buildTask(new Kernel(), sample);
  const sink = new MemorySink();
  const run = checkpoint(task, new V1Writer(sink, task.pid), { time: 0n });
  const outcomes = new Map<number, PageOutcome>();
  let outcome: Outcome;
  for (;;) {
    const r = run.events.next();
    if (r.done) {
      outcome = r.value;
      break;
    }
    const ev = r.value;
    if (ev.kind === 'page' && ev.fn === 'cr_vma_fill_pgarr') outcomes.set(ev.addr, ev.outcome);
  }
  return { task, outcome, ctx: run.ctx, image: sink.image, outcomes };
}

/** Restarts the image into the built-in restarting task (with the sample's files) and verifies it. */
export function restartAndVerify(image: Buffer, sample: Sample): { outcome: Outcome; report: VerifyReport } {
  const kernel = new Kernel();
  const target = buildTask(kernel, RESTARTER);
  for (const inode of buildVfs(kernel, sample).list()) if (!target.root.lookup(inode.path)) target.root.addFile(inode.path, inode.data);
  const outcome = runToEnd(restart(target, new V1Reader(new BufferSource(image))).events);
  const report = verifyTask(target, buildTask(new Kernel(), sample));
  return { outcome, report };
}

export { loadSample };

// `ckpt capture` as users run it, in a child process: a plain `sleep` through capture, checkpoint
// and restart; and the bad inputs: each a one-line error naming the file and errno, a non-zero
// exit, no stack trace, and nothing left under the requested name.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemReader } from '../../source/capture/mem.js';
import { CaptureError } from '../../source/capture/proc.js';
import {
  buildPattern, checkpointSample, expectedDumped, hasCompiler, imagePages, isRoot, killChildren, loadSample, onLinux, pagemapOf,
  readMem, startChild, startSleep, tmpDir, PAGE,
} from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// a build of its own, so that other test files building dist/ do not race with this one
const OUT = path.join(ROOT, 'node_modules/.cache/ckpt-capture-cli');
const CLI = path.join(OUT, 'cli.js');
let dir = '';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function ckpt(args: string[], opts: { uid?: number; gid?: number } = {}): Ran {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, ...opts });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectOneLineError(r: Ran, pattern: RegExp): void {
  const lines = r.err.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.err + r.out).not.toMatch(/^\s+at /m);
}

/** A long-running process that prints a line when it is ready. */
const SLEEPER = ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'];

beforeAll(() => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  // type errors elsewhere in the tree do not stop tsc emitting
  spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', OUT], { cwd: ROOT, encoding: 'utf8' });
  if (!fs.existsSync(CLI)) throw new Error('the CLI was not built');
  dir = tmpDir('ckpt-capture-cli-');
  fs.chmodSync(dir, 0o777);
});

afterEach(() => killChildren());
afterAll(() => {
  killChildren();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('ckpt capture: usage', () => {
  it('wants one numeric PID and -o', () => {
    expect(ckpt(['capture', 'abc', '-o', 'x.json']).code).toBe(2);
    expect(ckpt(['capture', '-o', 'x.json']).code).toBe(2);
    const r = ckpt(['capture', '4999999']);
    expect(r.code).toBe(2);
    expectOneLineError(r, /needs -o SAMPLE/);
  });

  it('rejects an unknown option in one line', () => {
    const r = ckpt(['capture', '4999999', '-o', 'x.json', '--bogus']);
    expect(r.code).toBe(2);
    expectOneLineError(r, /unknown option --bogus/);
  });

  it('documents itself', () => {
    const r = ckpt(['capture', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--skip-unsupported/);
    expect(r.out).toMatch(/--stopped/);
  });
});

describe.skipIf(!onLinux)('ckpt capture on Linux (needs /proc)', () => {
  it('takes a plain sleep: the faithful checkpoint fails with -ETXTBSY at the VMA the seed refuses, --skip-unsupported goes through', async () => {
    const target = await startSleep();
    {
      const full = ckpt(['capture', String(target), '-o', 'sleep.json']);
      expect(full.code, full.err).toBe(0);
      expect(full.out).toMatch(/^captured .* \(pid \d+\)/);
      const seedLine = full.out.split('\n').find((l) => l.includes('a faithful checkpoint fails at VMA #'));
      expect(seedLine).toBeDefined();
      const vmaNo = /VMA #(\d+)/.exec(seedLine!)![1];
      const ck = ckpt(['checkpoint', 'sleep.json', '-o', 'sleep.img']);
      expect(ck.code).toBe(1);
      expect(ck.err).toMatch(/-ETXTBSY/);
      expect(ck.err).toContain(`VMA #${vmaNo} `);
      expect(fs.existsSync(path.join(dir, 'sleep.img'))).toBe(false);

      const skip = ckpt(['capture', String(target), '-o', 'sleep-skip.json', '--skip-unsupported']);
      expect(skip.code, skip.err).toBe(0);
      expect(skip.out).toMatch(/left out .*\[vvar\].*-ETXTBSY/);
      const sample = JSON.parse(fs.readFileSync(path.join(dir, 'sleep-skip.json'), 'utf8')) as { warnings: string[] };
      expect(sample.warnings.some((w) => w.includes('--skip-unsupported') && w.includes('[vvar]'))).toBe(true);
      const ck2 = ckpt(['checkpoint', 'sleep-skip.json', '-o', 'sleep.img']);
      expect(ck2.code, ck2.err).toBe(0);
      const rs = ckpt(['restart', 'sleep.img', '--verify', 'sleep-skip.json']);
      expect(rs.code, rs.out + rs.err).toBe(0);
      expect(rs.out).toMatch(/verify: (identical to|matches)/);
    }
  });

  it('names the file and errno for a process that does not exist, and leaves an existing sample alone', () => {
    const old = path.join(dir, 'kept.json');
    fs.writeFileSync(old, 'old contents');
    let pid = 4_000_000;
    while (fs.existsSync(`/proc/${pid}`)) pid++;
    const r = ckpt(['capture', String(pid), '-o', 'kept.json']);
    expect(r.code).toBe(1);
    expectOneLineError(r, new RegExp(`/proc/${pid}/\\w+: ENOENT`));
    expect(fs.readFileSync(old, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(dir).filter((f) => f.includes('kept.json'))).toEqual(['kept.json']);
  });

  it('names the output for an unwritable place', async () => {
    const { pid } = await startChild(process.execPath, SLEEPER);
    const r = ckpt(['capture', String(pid), '-o', 'no/such/dir/x.json']);
    expect(r.code).toBe(1);
    expectOneLineError(r, /no\/such\/dir\/x\.json: ENOENT/);
    expect(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).not.toMatch(/\) T /); // resumed
  });

  it.skipIf(!isRoot)('says which file could not be read without ptrace access (run as root: captures as nobody)', async () => {
    const { pid } = await startChild(process.execPath, SLEEPER);
    const r = ckpt(['capture', String(pid), '-o', 'denied.json'], { uid: 65534, gid: 65534 });
    expect(r.code).toBe(1);
    expectOneLineError(r, new RegExp(`/proc/${pid}/\\w+: (EACCES|EPERM) \\(.*ptrace`));
    expect(fs.readdirSync(dir).filter((f) => f.includes('denied'))).toEqual([]);
  });

  it.skipIf(!isRoot || !hasCompiler())('captures as an unprivileged user, frame numbers hidden: the same pages as root sees (run as root: child and capture as nobody)', async () => {
    const own = tmpDir('ckpt-capture-nobody-');
    try {
      const { program, dataFile } = buildPattern(own);
      const { pid, line } = await startChild(program, [dataFile], { waitStopped: true, uid: 65534 });
      const at = JSON.parse(line) as { anon: number; file: number };
      const r = ckpt(['capture', String(pid), '-o', 'nobody.json', '--stopped', '--skip-unsupported'], { uid: 65534, gid: 65534 });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/frame numbers hidden/);
      const sample = loadSample(path.join(dir, 'nobody.json'));
      const ck = checkpointSample(sample);
      expect(ck.outcome).toEqual({ ok: true });
      const pages = imagePages(ck.image!);
      // the truth, as root sees it with frame numbers
      const zeroPfn = pagemapOf(pid, at.anon + 4 * PAGE, 1)[0]!.pfn;
      expect(zeroPfn).toBeGreaterThan(0);
      const expected = expectedDumped(pid, sample, zeroPfn);
      expect([...pages.keys()].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      for (const [addr, bytes] of pages) expect(bytes.equals(readMem(pid, addr)), `page 0x${addr.toString(16)}`).toBe(true);
      expect(ck.outcomes.get(at.anon + 4 * PAGE)).toBe('zero');
      expect(ck.outcomes.get(at.file + PAGE)).toBe('clean');
    } finally {
      killChildren();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('a process that exits mid-capture is named as such (ESRCH), not a stack trace', async () => {
    const { child, pid } = await startChild(process.execPath, SLEEPER);
    const mem = new MemReader(pid);
    try {
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((res) => setTimeout(res, 5));
      let caught: unknown = null;
      try {
        mem.read(0x400000, Buffer.alloc(4096), 4096);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CaptureError);
      expect((caught as CaptureError).code).toBe('ESRCH');
      expect((caught as CaptureError).message).toMatch(new RegExp(`^/proc/${pid}/mem: ESRCH \\(the process exited during the capture\\)`));
    } finally {
      mem.close();
    }
  });
});

// Capturing real processes: a child that puts its pages in known states, checked page by page
// against its own /proc/PID/pagemap and /proc/PID/mem; then the test runner itself and a node.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureProcess } from '../../source/capture/index.js';
import {
  PAGE, buildPattern, checkpointSample, expectedDumped, hasCompiler, imagePages, killChildren, loadSample, onLinux, pagemapOf, procState,
  readMaps, readMem, restartAndVerify, startChild, tmpDir,
} from './helpers.js';

const canCompile = hasCompiler();
let dir = '';
let program = '';
let dataFile = '';

beforeAll(() => {
  if (!onLinux) return;
  dir = tmpDir('ckpt-capture-');
  if (canCompile) ({ program, dataFile } = buildPattern(dir));
});

afterEach(() => killChildren());
afterAll(() => {
  killChildren();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What the pattern program wrote into anonymous page p. */
function patternPage(p: number): Buffer {
  const b = Buffer.alloc(PAGE);
  for (let i = 0; i < PAGE; i++) b[i] = (p * 31 + i * 7 + 1) & 0xff;
  return b;
}

describe.skipIf(!onLinux)('capture of a process with pages in known states (needs Linux /proc)', () => {
  describe.skipIf(!canCompile)('the pattern child (needs a C compiler)', () => {
    async function stoppedChild() {
      const { child, pid, line } = await startChild(program, [dataFile], { waitStopped: true });
      const at = JSON.parse(line) as { anon: number; relro: number; file: number };
      return { child, pid, ...at };
    }

    it('holds exactly the present non-zero anonymous or copied pages, byte for byte, and skips clean file pages', async () => {
      const { pid, anon, relro, file } = await stoppedChild();
      const out = path.join(dir, 'pattern.json');
      const r = captureProcess(pid, out, { stopped: true, skipUnsupported: true });
      expect(r.stoppedBy).toBe('caller');
      expect(procState(pid)).toBe('T');
      expect(fs.existsSync(`${out}.pages`)).toBe(true);

      // ZERO_PAGE's frame, from the child's own read-only anonymous page
      const zeroPfn = pagemapOf(pid, anon + 4 * PAGE, 1)[0]!.pfn;
      const sample = loadSample(out);
      const ck = checkpointSample(sample);
      expect(ck.outcome).toEqual({ ok: true });
      const pages = imagePages(ck.image!);

      // page by page against pagemap: the image holds exactly the dumpable pages
      const expected = expectedDumped(pid, sample, zeroPfn);
      expect(expected.size).toBeGreaterThan(5);
      expect([...pages.keys()].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
      expect(new Set(r.dirtyPages)).toEqual(expected);
      // ... and byte for byte against /proc/PID/mem
      for (const [addr, bytes] of pages) expect(bytes.equals(readMem(pid, addr)), `page 0x${addr.toString(16)}`).toBe(true);

      // the states the child put its pages in
      for (const p of [0, 1, 2, 3]) expect(pages.get(anon + p * PAGE)?.equals(patternPage(p))).toBe(true);
      expect(pages.get(anon + 8 * PAGE)!.subarray(10, 26).toString()).toBe('captured by ckpt');
      expect(ck.outcomes.get(anon + 4 * PAGE)).toBe('zero'); // read, never written: ZERO_PAGE
      for (const p of [5, 6, 7]) expect(pages.has(anon + p * PAGE)).toBe(false); // never touched
      expect(pages.get(relro)!.subarray(0, 25).toString()).toBe('relocated, then read-only');
      expect(sample.vmas.find((v) => v.start === relro)?.perms).toBe('r--p');
      expect(pages.get(file)![5]).toBe('X'.charCodeAt(0)); // the COW copy of a private file page
      expect(pages.get(file)![6]).toBe((6 * 13 + 5) & 0xff);
      expect(pagemapOf(pid, file + PAGE, 1)[0]!.file).toBe(true);
      expect(ck.outcomes.get(file + PAGE)).toBe('clean'); // read, not written: still the page-cache page
      expect(pages.has(file + PAGE)).toBe(false);
      expect(pages.has(file + 2 * PAGE)).toBe(false);

      // the captured file's clean pages come from the file
      const vma = ck.task.mm.vmaAt(file)!;
      expect(vma.file!.inode.data.subarray(PAGE, 2 * PAGE).equals(fs.readFileSync(dataFile).subarray(PAGE, 2 * PAGE))).toBe(true);

      // restart the image and verify it against the sample
      const { outcome, report } = restartAndVerify(ck.image!, sample);
      expect(outcome).toEqual({ ok: true });
      expect(report.differences.filter((d) => d.defect === null)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.pagesCompared).toBeGreaterThan(expected.size);
    });

    it('gives each VMA the vm_flags smaps lists, and a faithful checkpoint fails with -ETXTBSY where the seed refuses', async () => {
      const { pid, relro } = await stoppedChild();
      const out = path.join(dir, 'faithful.json');
      const r = captureProcess(pid, out, { stopped: true });
      const sample = loadSample(out);
      // only the gate area is left out without --skip-unsupported
      expect(r.skipped.every((s) => s.label === '[vsyscall]')).toBe(true);
      const relroVma = sample.vmas.find((v) => v.start === relro)!;
      expect(relroVma.vmFlags! & 0x3).toBe(0x1); // VM_READ, not VM_WRITE
      expect(relroVma.vmFlags! & 0x20).toBe(0x20); // VM_MAYWRITE: so the forced write is allowed
      const stack = sample.vmas.find((v) => v.label === '[stack]')!;
      expect(stack.flags).toContain('VM_GROWSDOWN');

      const ck = checkpointSample(sample);
      const refused = sample.vmas.findIndex((v) => (v.vmFlags ?? 0) & (0x8 | 0x4000 | 0x400000 | 0x800000));
      if (refused < 0) {
        // a kernel without [vvar]: nothing to refuse
        expect(ck.outcome).toEqual({ ok: true });
        return;
      }
      expect(ck.outcome.ok).toBe(false);
      if (!ck.outcome.ok) {
        expect(ck.outcome.error.errno).toBe('ETXTBSY');
        expect(ck.outcome.error.check).toContain(`VMA #${refused} 0x${sample.vmas[refused]!.start.toString(16)}`);
      }
      expect(ck.ctx.vmas[refused]!.state).toBe('refused');
    });

    it('stops a running process itself and resumes it', async () => {
      const { child, pid } = await stoppedChild();
      process.kill(pid, 'SIGCONT');
      for (let i = 0; i < 200 && procState(pid) === 'T'; i++) await new Promise((res) => setTimeout(res, 5));
      expect(procState(pid)).not.toBe('T');
      const r = captureProcess(pid, path.join(dir, 'running.json'), { skipUnsupported: true });
      expect(r.stoppedBy).toBe('capture');
      expect(procState(pid)).not.toBe('T');
      expect(child.exitCode).toBe(null);
      expect(r.pages.dirty).toBeGreaterThan(5);
    });
  });

  it('captures the test runner itself and round-trips it with --skip-unsupported', () => {
    const out = path.join(dir, 'self.json');
    // the runner cannot stop itself: the picture is taken running (and a warning says so)
    const r = captureProcess(process.pid, out, { stopped: true, skipUnsupported: true });
    const sample = loadSample(out);
    expect(sample.warnings!.some((w) => w.includes('not stopped'))).toBe(true);
    expect(sample.vmas.length).toBeGreaterThan(20);
    expect(sample.vmas.some((v) => v.label === '[vdso]')).toBe(true);
    expect(r.skipped.some((s) => s.label?.startsWith('[vvar'))).toBe(true);
    expect(sample.warnings!.filter((w) => w.startsWith('--skip-unsupported')).length).toBe(r.skipped.filter((s) => s.label !== '[vsyscall]').length);
    const ck = checkpointSample(sample);
    expect(ck.outcome).toEqual({ ok: true });
    expect(imagePages(ck.image!).size).toBe(r.pages.dirty);
    const { outcome, report } = restartAndVerify(ck.image!, sample);
    expect(outcome).toEqual({ ok: true });
    expect(report.differences.filter((d) => d.defect === null)).toEqual([]);
  });

  it('captures a node process (vdso, vvar, many libraries) and round-trips it with --skip-unsupported', async () => {
    const { pid } = await startChild(process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)']);
    const out = path.join(dir, 'node.json');
    const r = captureProcess(pid, out, { skipUnsupported: true });
    expect(r.stoppedBy).toBe('capture');
    expect(procState(pid)).not.toBe('T');
    const sample = loadSample(out);
    const libs = new Set(sample.vmas.filter((v) => v.file?.includes('.so')).map((v) => v.file));
    expect(libs.size).toBeGreaterThanOrEqual(3);
    expect(readMaps(pid).some((m) => m.name.startsWith('[vvar'))).toBe(true);
    const ck = checkpointSample(sample);
    expect(ck.outcome).toEqual({ ok: true });
    expect(imagePages(ck.image!).size).toBe(r.pages.dirty);
    const { outcome, report } = restartAndVerify(ck.image!, sample);
    expect(outcome).toEqual({ ok: true });
    expect(report.differences.filter((d) => d.defect === null)).toEqual([]);
  });
});

describe.skipIf(onLinux)('capture off Linux', () => {
  it('says it needs Linux', () => {
    expect(() => captureProcess(1, 'x.json')).toThrow(/needs Linux/);
  });
});

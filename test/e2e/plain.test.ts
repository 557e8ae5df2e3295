// Without a terminal (stdout a pipe) the debugger prints plain lines and exits with the result.

import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from './pty.js';

beforeAll(() => ensureBuilt(), 180_000);

const ckpt = (...args: string[]) => {
  const env = { ...process.env };
  delete env.CI;
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
};

describe('the debugger without a terminal', () => {
  it('runs the demo to the end and exits 0', () => {
    const r = ckpt();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('phase   scan VMA #3 (cr_vma_scan_pages)');
    expect(r.stdout).toContain('info    checkpoint done: 8 VMAs, 11 pages dumped');
    expect(r.stdout).toContain('info    restart done: 8 of 8 VMAs restored, 11 pages read');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('stops at a failing restart with its forensics and exits 1', () => {
    const r = ckpt('debug', 'restart', 'samples/bad/truncated.img', '--into', 'samples/hello.json', '--break', 'scan');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ckpt: restart failed: -EIO (-5) in cr_vma_read_pages_data');
    expect(r.stderr).toContain('record CR_HDR_VMA #9 at byte 8838; failing offset 14022');
    expect(r.stderr).toContain('VMAs restored before it: 0, 1, 2; past the point of no return');
  });

  it('shows each failing sample with its errno', () => {
    const cases: Array<[string, string[], string]> = [
      ['bad-type.img', [], '-EINVAL (-22) in cr_read_mm'],
      ['npages-wrapped.img', ['--into', 'samples/big-heap.json'], 'field npages = -32536 (byte 4709)'],
      ['missing-file.img', ['--into', 'samples/hello.json'], '-ENOENT (-2) in cr_read_vma > filp_open'],
      ['addr-outside.img', ['--into', 'samples/hello.json'], '-EFAULT (-14) in cr_uread > copy_to_user'],
    ];
    for (const [img, extra, want] of cases) {
      const r = ckpt('debug', 'restart', `samples/bad/${img}`, ...extra);
      expect(r.status, img).toBe(1);
      expect(r.stderr, img).toContain(want);
    }
  });

  it('answers usage errors in one line with exit 2', () => {
    for (const args of [['debug'], ['debug', 'checkpoint'], ['debug', 'restart', 'a.img', '-o', 'x'], ['demo', '--autoplay=5'], ['debug', 'checkpoint', 'samples/hello.json', '--break', 'vma:x']]) {
      const r = ckpt(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const missing = ckpt('debug', 'checkpoint', 'no/such.json');
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});

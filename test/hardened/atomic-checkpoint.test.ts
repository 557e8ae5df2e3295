// A checkpoint never leaves a half image under the requested name and never destroys an existing
// one: not when interrupted by Ctrl-C, not when a VMA fails, not when the disk is full.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoint, runToEnd } from '../../source/ckpt/engine.js';
import { PROFILES } from '../../source/ckpt/profile.js';
import { writerFor } from '../../source/image/open.js';
import { FileSink } from '../../source/image/sink.js';
import { sampleTask } from '../v2/helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
let dir = '';
const OLD = 'the previous image, which must survive';

const leftovers = () => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

beforeAll(() => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js was not built');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-atomic-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('checkpoint is all or nothing', () => {
  it('Ctrl-C mid-checkpoint: exit 130, one line, no partial image, no temporary file, the old image untouched', async () => {
    const out = path.join(dir, 'big.img');
    fs.writeFileSync(out, OLD);
    const child = spawn(process.execPath, [CLI, 'checkpoint', path.join(ROOT, 'samples/big-heap.json'), '-o', out, '--format', 'v2'], { cwd: dir });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // wait until the image is being written: its temporary file exists and has bytes in it
    const deadline = Date.now() + 30_000;
    let sent = false;
    while (Date.now() < deadline) {
      const tmp = leftovers().map((f) => path.join(dir, f)).find((f) => fs.statSync(f).size > 0);
      if (tmp) {
        child.kill('SIGINT');
        sent = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(sent).toBe(true);
    expect(await exited).toBe(130);
    const lines = err.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ckpt: checkpoint interrupted \(SIGINT\) in \S+ at image byte \d+; .*big\.img not written \(the existing file is untouched\)$/);
    expect(fs.readFileSync(out, 'utf8')).toBe(OLD);
    expect(leftovers()).toEqual([]);
  });

  it('a failing VMA: no image, no temporary file, the old image untouched', () => {
    const out = path.join(dir, 'shared.img');
    fs.writeFileSync(out, OLD);
    const task = sampleTask('samples/shared.json');
    const run = checkpoint(task, writerFor('v2', new FileSink(out), task.pid), { profile: PROFILES.hardened });
    const outcome = runToEnd(run.events);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.errno).toBe('ETXTBSY');
    expect(fs.readFileSync(out, 'utf8')).toBe(OLD);
    expect(leftovers()).toEqual([]);
  });

  it('a full disk: -ENOSPC, no image, no temporary file, the old image untouched', () => {
    for (const format of ['v1', 'v2'] as const) {
      const out = path.join(dir, `full-${format}.img`);
      fs.writeFileSync(out, OLD);
      const task = sampleTask('samples/hello.json');
      const run = checkpoint(task, writerFor(format, new FileSink(out, { limitBytes: 20_000 }), task.pid));
      const outcome = runToEnd(run.events);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.error.errno).toBe('ENOSPC');
        expect(outcome.error.describe()).toMatch(/record CR_HDR_\w+ #\d+ at byte \d+/);
      }
      expect(fs.readFileSync(out, 'utf8')).toBe(OLD);
    }
    expect(leftovers()).toEqual([]);
  });
});

// The bundled samples: each parses, says what it shows, and does what its description says.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PAGE_SIZE, VM_WRITE } from '../../source/kernel/constants.js';
import { loadSample } from '../../source/sample/index.js';
import { checkpointSample, roundTrip } from '../helpers/images.js';

const DIR = path.resolve(import.meta.dirname, '../../samples');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('every sample', () => {
  it('the expected set is bundled', () => {
    expect(files).toEqual(expect.arrayContaining([
      'bench-1g.json', 'big-heap.json', 'hello.json', 'ldt.json', 'mayshare.json', 'readonly.json', 'shared.json', 'tiny.json',
    ]));
  });
  for (const f of files) {
    it(`${f} parses and has a description`, () => {
      const s = loadSample(path.join(DIR, f));
      expect(s.description?.length ?? 0).toBeGreaterThan(40);
    });
  }
});

describe('readonly.json', () => {
  it('has dumped pages in a VMA without VM_WRITE, and restarts identical', () => {
    const { ckpt, rst, report } = roundTrip(loadSample(path.join(DIR, 'readonly.json')));
    const ro = ckpt.run.ctx.vmas.find((v) => !(v.flags & VM_WRITE) && v.file === null)!;
    expect(ro.dumped).toBe(5);
    // restart made it writable to read the pages in, then protected it again
    expect(rst.events.filter((e) => e.kind === 'phase' && (e.phase === 'writable' || e.phase === 'protect')).length).toBe(2);
    expect(report.differences).toEqual([]);
    expect(rst.task.mm.vmaAt(0x7ffff7e00000)!.flags & VM_WRITE).toBe(0);
  });
});

describe('shared.json', () => {
  it('fails to checkpoint with -ETXTBSY', () => {
    const c = checkpointSample(loadSample(path.join(DIR, 'shared.json')));
    expect(c.outcome.ok ? null : c.outcome.error.errno).toBe('ETXTBSY');
  });
});

describe('bench-1g.json (checked without building 1 GiB)', () => {
  const s = loadSample(path.join(DIR, 'bench-1g.json'));
  it('writes 1 GiB of pages, and no VMA holds more than 32767 of them', () => {
    let total = 0;
    for (const v of s.vmas) {
      const written = s.activity
        .filter((a) => a.op === 'write' && a.start >= v.start && a.start < v.end)
        .reduce((n, a) => n + (a.op === 'write' ? a.pages ?? 1 : 0), 0);
      expect(written, v.label).toBeLessThanOrEqual(32767);
      total += written;
    }
    expect(total * PAGE_SIZE).toBeGreaterThanOrEqual(1 << 30);
    expect(fs.statSync(path.join(DIR, 'bench-1g.json')).size).toBeLessThan(16 * 1024);
  });
});

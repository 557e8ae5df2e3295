// Each seed defect: a property the hardened profile keeps and the rfc2008 profile (the seed as
// posted) breaks. Every test checks both, so each can fail.

import { describe, expect, it } from 'vitest';
import { checkpoint, restart, runToEnd } from '../../source/ckpt/engine.js';
import { preflight } from '../../source/ckpt/preflight.js';
import { readerFor } from '../../source/image/open.js';
import { PROFILES, type ProfileName } from '../../source/ckpt/profile.js';
import { calcMapProtBits } from '../../source/ckpt/rstr-mem.js';
import { PROT_SEM, VM_READ, VM_SHARED, VM_WRITE } from '../../source/kernel/constants.js';
import { Kernel } from '../../source/kernel/task.js';
import { MemorySink } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { V1Writer } from '../../source/image/v1/writer.js';
import { decodeV1 } from '../../source/image/v1/inspect.js';
import { encodeHdr } from '../../source/image/v1/format.js';
import { buildTask, loadSample, verifyTask, type Sample } from '../../source/sample/index.js';
import { imageOf, restartImage, restartingTask, sampleTask, snapshotTask } from '../v2/helpers.js';

const PROFILE_NAMES: ProfileName[] = ['rfc2008', 'hardened'];

/** Runs a property under both profiles: the seed breaks it, hardened keeps it. */
function seedBreaksHardenedKeeps(property: (p: ProfileName) => boolean): void {
  const got = Object.fromEntries(PROFILE_NAMES.map((p) => [p, property(p)]));
  expect(got).toEqual({ rfc2008: false, hardened: true });
}

/** A process with anonymous VMAs of the given numbers of dirty pages. */
function dirtySample(pagesPerVma: number[]): Sample {
  let start = 0x10000000;
  const vmas: Sample['vmas'] = [];
  const activity: Sample['activity'] = [];
  for (const n of pagesPerVma) {
    vmas.push({ start, end: start + n * 4096, perms: 'rw-p' });
    activity.push({ op: 'write', start, pages: n, contents: { generate: 'pattern', seed: n } });
    start += (n + 16) * 4096;
  }
  return {
    format: 'ckpt-sample', version: 1, comm: 'dirty', pid: 5000, files: [],
    mm: { start_code: 0, end_code: 0, start_data: 0, end_data: 0, start_brk: 0, brk: 0, start_stack: 0, arg_start: 0, arg_end: 0, env_start: 0, env_end: 0 },
    vmas, ldt: [], activity,
  };
}

/** A v1 image with one record's bytes replaced (and the bytes after it shifted). */
function splice(image: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([image.subarray(0, at), insert, image.subarray(at + remove)]);
}

describe('hardened fixes each seed defect', () => {
  it('defect 1: cr_pgarr_free frees each array\'s own frames (no double free, no leak)', () => {
    seedBreaksHardenedKeeps((p) => {
      const task = buildTask(new Kernel(), dirtySample([700]));
      const alloc = task.kernel.allocator;
      const before = alloc.allocated;
      const run = checkpoint(task, new V1Writer(new MemorySink(), task.pid), { profile: PROFILES[p], time: 0n });
      expect(runToEnd(run.events)).toEqual({ ok: true });
      expect(run.ctx.pgarrSerial).toBe(2);
      return alloc.badPages.length === 0 && alloc.allocated === before;
    });
  });

  it('defect 2: a failing LDT write releases mm->context.lock', () => {
    const full = imageOf(sampleTask('samples/ldt.json'), 'v1').length;
    seedBreaksHardenedKeeps((p) => {
      const task = sampleTask('samples/ldt.json');
      const sink = new MemorySink({ limitBytes: full - 16 - 64 }); // inside the LDT entries
      const run = checkpoint(task, new V1Writer(sink, task.pid), { profile: PROFILES[p], time: 0n });
      const out = runToEnd(run.events);
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.error.errno).toBe('ENOSPC');
      return task.mm.context.lockHolder === null;
    });
  });

  it('defect 3: a failing cr_read_vma leaves the header buffer balanced', () => {
    const image = imageOf(sampleTask('samples/hello.json'), 'v1');
    seedBreaksHardenedKeeps((p) => {
      const target = restartingTask(null); // /bin/hello is not in its root: filp_open fails
      const { outcome, ctx } = restartImage(target, image, p);
      expect(outcome.ok).toBe(false);
      return ctx.hbufHeld === 0;
    });
  });

  it('defect 4: no image with a wrapped npages is written; v2 holds the count', () => {
    const big = loadSample('samples/big-heap.json');
    seedBreaksHardenedKeeps((p) => {
      const task = sampleTask(big);
      const sink = new MemorySink();
      const run = checkpoint(task, new V1Writer(sink, task.pid), { profile: PROFILES[p], time: 0n });
      const out = runToEnd(run.events);
      if (!out.ok) return out.error.errno === 'EOVERFLOW' && sink.image === null; // refused, nothing written
      const target = restartingTask(big);
      return restartImage(target, sink.image!, p).outcome.ok;
    });
  });

  it('defect 5: released page-arrays are reused from the head (pgcur reset)', () => {
    seedBreaksHardenedKeeps((p) => {
      const task = buildTask(new Kernel(), dirtySample([600, 600, 600]));
      const run = checkpoint(task, new V1Writer(new MemorySink(), task.pid), { profile: PROFILES[p], time: 0n });
      expect(runToEnd(run.events)).toEqual({ ok: true });
      return run.ctx.pgarrSerial === 2;
    });
  });

  it('defect 6: mmap protection never gets PROT_SEM from VM_SHARED', () => {
    seedBreaksHardenedKeeps((p) => {
      const prot = calcMapProtBits(VM_READ | VM_WRITE | VM_SHARED, !PROFILES[p].fixes(6));
      return (prot & PROT_SEM) === 0;
    });
  });

  it('defect 7: LDT entries come back whole (base bits 24-31, limit bits 16-19, avl)', () => {
    const ldt = loadSample('samples/ldt.json');
    seedBreaksHardenedKeeps((p) => {
      const image = imageOf(sampleTask(ldt), 'v1', p);
      const target = restartingTask(ldt);
      expect(restartImage(target, image, p).outcome).toEqual({ ok: true });
      const diffs = verifyTask(target, buildTask(new Kernel(), ldt)).differences;
      return diffs.every((d) => !d.what.startsWith('LDT'));
    });
  });

  it('defect 8: a VM_MAYSHARE mapping is never saved as a private one (refused, as v11 did)', () => {
    const mayshare = loadSample('samples/mayshare.json');
    mayshare.mm.flags = 0; // this test is about the mapping; mm->flags has its own below
    seedBreaksHardenedKeeps((p) => {
      const task = sampleTask(mayshare);
      const sink = new MemorySink();
      const run = checkpoint(task, new V1Writer(sink, task.pid), { profile: PROFILES[p], time: 0n });
      const out = runToEnd(run.events);
      if (!out.ok) return out.error.errno === 'ETXTBSY' && /VM_MAYSHARE/.test(out.error.check) && sink.image === null;
      const vmas = decodeV1(new BufferSource(sink.image!)).records.filter((r) => r.kind === 'CR_HDR_VMA');
      return vmas.every((r) => (Number(r.fields.vm_flags) & 0x80) === 0);
    });
  });

  it('defect 8: mm->flags are saved (format v2) and restored', () => {
    seedBreaksHardenedKeeps((p) => {
      const task = sampleTask('samples/hello.json');
      task.mm.flags = 0x8d;
      const image = imageOf(task, 'v2', p);
      const target = restartingTask(loadSample('samples/hello.json'));
      expect(restartImage(target, image, p).outcome).toEqual({ ok: true });
      return target.mm.flags === 0x8d;
    });
  });

  it('defect 8: hardened refuses to drop mm->flags silently in v1', () => {
    const task = sampleTask('samples/hello.json');
    task.mm.flags = 0x8d;
    expect(() => imageOf(task, 'v1', 'hardened')).toThrow(/EOVERFLOW.*mm->flags 0x8d has no field in format v1/);
    expect(() => imageOf(task, 'v1', 'rfc2008')).not.toThrow();
  });

  it('defect 9: a page address outside its VMA is refused before the point of no return', () => {
    const hello = loadSample('samples/hello.json');
    const image = imageOf(sampleTask(hello), 'v1');
    const addrs = decodeV1(new BufferSource(image)).records.find((r) => r.fields.what === 'page addresses')!;
    const forged = Buffer.from(image);
    forged.writeBigUInt64LE(0x7ffffffde000n, addrs.offset); // the stack's first page, in another VMA
    seedBreaksHardenedKeeps((p) => {
      const target = restartingTask(hello);
      const before = snapshotTask(target);
      const { outcome, ctx } = restartImage(target, forged, p);
      return !outcome.ok && !ctx.pastPointOfNoReturn && snapshotTask(target) === before;
    });
  });

  it('defect 9: a file name that is not canonical inside the root is refused', () => {
    const hello = loadSample('samples/hello.json');
    const image = imageOf(sampleTask(hello), 'v1');
    const recs = decodeV1(new BufferSource(image)).records;
    const name = recs.find((r) => r.kind === 'CR_HDR_STRING' && r.fields.name === '/bin/hello')!;
    const vma = recs.filter((r) => r.kind === 'CR_HDR_VMA' && r.offset < name.offset).at(-1)!;
    const escaped = Buffer.from('/lib/../../bin/hello\0', 'latin1');
    let forged = splice(image, name.offset, name.length, Buffer.concat([encodeHdr({ type: 2, len: escaped.length, id: 4242 }), escaped]));
    forged = Buffer.from(forged);
    forged.writeInt16LE(escaped.length, vma.offset + 8 + 50);
    seedBreaksHardenedKeeps((p) => {
      const target = restartingTask(hello);
      const before = snapshotTask(target);
      const { outcome } = restartImage(target, forged, p);
      return !outcome.ok && snapshotTask(target) === before;
    });
  });

  it('defect 9: a truncated image leaves the restarting task exactly as it was', () => {
    const hello = loadSample('samples/hello.json');
    for (const format of ['v1', 'v2'] as const) {
      const image = imageOf(sampleTask(hello), format);
      const cut = image.subarray(0, image.length - 3000);
      seedBreaksHardenedKeeps((p) => {
        const target = restartingTask(hello);
        const before = snapshotTask(target);
        const { outcome, ctx } = restartImage(target, cut, p);
        expect(outcome.ok).toBe(false);
        return !ctx.pastPointOfNoReturn && snapshotTask(target) === before;
      });
    }
  });
});

describe('hardened restart after validation', () => {
  it('names records by the same index as rfc2008 does (the validation pass seeks back and forgets)', () => {
    const hello = loadSample('samples/hello.json');
    for (const format of ['v1', 'v2'] as const) {
      const image = imageOf(sampleTask(hello), format);
      const seen: Record<string, string[]> = {};
      for (const p of PROFILE_NAMES) {
        const target = restartingTask(hello);
        const reader = readerFor(new BufferSource(image), 'image');
        const run = restart(target, reader, { profile: PROFILES[p], preflight });
        const kinds: string[] = [];
        for (let r = run.events.next(); !r.done; r = run.events.next()) {
          if (r.value.kind === 'phase' && run.ctx.record) kinds.push(`${run.ctx.record.kind}#${run.ctx.record.index}@${run.ctx.record.offset}`);
        }
        seen[p] = kinds.filter((k, i, a) => a.indexOf(k) === i);
      }
      expect(seen.hardened).toEqual(seen.rfc2008);
      expect(seen.rfc2008!.length).toBeGreaterThan(8);
    }
  });
});

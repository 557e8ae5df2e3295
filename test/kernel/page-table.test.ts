// The page table keeps zero-page ptes as runs: these tests pin that it answers exactly as one
// entry per pte did (pte(), counts, ZERO_PAGE's references), through faults, munmap, mprotect,
// teardown and the checkpoint scan's run shortcut.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE, VM_READ, VM_WRITE,
} from '../../source/kernel/constants.js';
import { handleMmFault, handleMmFaultZeroRun } from '../../source/kernel/fault.js';
import type { MmStruct, VmArea } from '../../source/kernel/mm.js';
import { doMmapPgoff, doMunmap, mprotectFixup } from '../../source/kernel/mmap.js';
import type { Page } from '../../source/kernel/page.js';
import { PageTable } from '../../source/kernel/pgtable.js';
import { Kernel } from '../../source/kernel/task.js';
import { copyFromUser, userPageForWrite } from '../../source/kernel/uaccess.js';
import { checkpoint } from '../../source/ckpt/engine.js';
import { buildTask, type Sample } from '../../source/sample/index.js';
import { MemorySink } from '../../source/image/sink.js';
import { V1Writer } from '../../source/image/v1/writer.js';
import { drain, tinySample } from '../helpers/images.js';

const BASE = 0x10000000; // vpn 0x10000: a PMD and a PUD boundary
const vpn0 = BASE / PAGE_SIZE;

function anonMm(pages: number, prot = PROT_READ | PROT_WRITE): { mm: MmStruct; kernel: Kernel } {
  const kernel = new Kernel();
  const task = kernel.newTask(1, 'pt');
  doMmapPgoff(task.mm, null, BASE, pages * PAGE_SIZE, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, 0);
  return { mm: task.mm, kernel };
}

const at = (page: number): number => BASE + page * PAGE_SIZE;
const vmaOf = (mm: MmStruct, page: number): VmArea => mm.vmaAt(at(page))!;
const readFault = (mm: MmStruct, page: number): number => handleMmFault(mm, vmaOf(mm, page), at(page), false);
const writeFault = (mm: MmStruct, page: number): number => handleMmFault(mm, vmaOf(mm, page), at(page), true);
/** The zero runs relative to BASE, in pages. */
const runs = (mm: MmStruct): [number, number][] => mm.ptes.zeroRuns().map(([s, e]) => [s - vpn0, e - vpn0]);

describe('zero-page ptes kept as runs', () => {
  it('read faults map ZERO_PAGE read-only, merge into one run, and take one reference each', () => {
    const { mm, kernel } = anonMm(8);
    const zero = kernel.allocator.zeroPage;
    const count0 = zero.count;
    for (const p of [0, 2, 1, 4]) expect(readFault(mm, p)).toBe(0);
    expect(runs(mm)).toEqual([[0, 3], [4, 5]]);
    readFault(mm, 3);
    expect(runs(mm)).toEqual([[0, 5]]);
    readFault(mm, 3); // already mapped: a minor fault takes nothing
    expect(zero.count).toBe(count0 + 5);
    expect(mm.pte(at(2))).toEqual({ page: zero, writable: false });
    expect(mm.pte(at(2) + 123)).toEqual({ page: zero, writable: false });
    expect(mm.pte(at(5))).toBeUndefined();
    expect(mm.pte(at(-1))).toBeUndefined();
    expect(mm.ptes.size).toBe(5);
    expect(mm.ptes.zeroCount).toBe(5);
    expect(mm.ptes.frameCount).toBe(0);
    expect([...mm.ptes.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4].map((p) => vpn0 + p));
    expect(copyFromUser(mm, at(1), PAGE_SIZE).equals(Buffer.alloc(PAGE_SIZE))).toBe(true);
  });

  it('a write fault in the middle of a run splits it around a frame of its own', () => {
    const { mm, kernel } = anonMm(8);
    for (let p = 0; p < 8; p++) readFault(mm, p);
    const allocated = kernel.allocator.allocated;
    userPageForWrite(mm, at(3)).fill(7);
    expect(runs(mm)).toEqual([[0, 3], [4, 8]]);
    const pte = mm.pte(at(3))!;
    expect(pte.page).not.toBe(kernel.allocator.zeroPage);
    expect(pte.writable).toBe(true);
    expect(pte.page.data()[0]).toBe(7);
    expect(kernel.allocator.allocated).toBe(allocated + 1);
    expect(mm.pte(at(2))!.page).toBe(kernel.allocator.zeroPage);
    expect(mm.pte(at(4))!.page).toBe(kernel.allocator.zeroPage);
    expect(mm.ptes.size).toBe(8);
    expect(mm.ptes.zeroCount).toBe(7);
    // writes at the ends shrink the run, they do not leave an empty one
    writeFault(mm, 0);
    writeFault(mm, 7);
    expect(runs(mm)).toEqual([[1, 3], [4, 7]]);
  });

  it('munmap of a middle part cuts the run and drops those ptes only', () => {
    const { mm, kernel } = anonMm(16);
    for (let p = 0; p < 16; p++) readFault(mm, p);
    writeFault(mm, 6);
    const allocated = kernel.allocator.allocated;
    doMunmap(mm, at(4), 4 * PAGE_SIZE);
    expect(runs(mm)).toEqual([[0, 4], [8, 16]]);
    for (let p = 4; p < 8; p++) expect(mm.pte(at(p))).toBeUndefined();
    expect(kernel.allocator.allocated).toBe(allocated - 1); // the frame at page 6 freed
    expect(mm.vmas.map((v) => [(v.start - BASE) / PAGE_SIZE, (v.end - BASE) / PAGE_SIZE])).toEqual([[0, 4], [8, 16]]);
    expect(mm.ptes.size).toBe(12);
    doMunmap(mm, at(0), 16 * PAGE_SIZE);
    expect(mm.ptes.size).toBe(0);
    expect(runs(mm)).toEqual([]);
  });

  it('mprotect keeps zero ptes as they are, write-protects frames, and a later write splits the run', () => {
    const { mm, kernel } = anonMm(8);
    for (let p = 0; p < 8; p++) readFault(mm, p);
    writeFault(mm, 1);
    mprotectFixup(mm, vmaOf(mm, 0), at(0), at(4), VM_READ);
    expect(mm.pte(at(1))!.writable).toBe(false);
    expect(mm.pte(at(2))).toEqual({ page: kernel.allocator.zeroPage, writable: false });
    expect(runs(mm)).toEqual([[0, 1], [2, 8]]);
    // PROT_NONE over the rest: ptes stay, as the kernel leaves them
    mprotectFixup(mm, vmaOf(mm, 4), at(4), at(8), PROT_NONE);
    expect(mm.pte(at(6))).toEqual({ page: kernel.allocator.zeroPage, writable: false });
    mprotectFixup(mm, vmaOf(mm, 4), at(4), at(8), VM_READ | VM_WRITE);
    writeFault(mm, 5);
    expect(runs(mm)).toEqual([[0, 1], [2, 5], [6, 8]]);
    expect(mm.ptes.size).toBe(8);
  });

  it('teardown drops every pte and frees every frame', () => {
    const { mm, kernel } = anonMm(64);
    const before = kernel.allocator.allocated;
    for (let p = 0; p < 64; p++) readFault(mm, p);
    for (const p of [3, 30, 31, 63]) writeFault(mm, p);
    expect(kernel.allocator.allocated).toBe(before + 4);
    mm.teardown();
    expect(mm.ptes.size).toBe(0);
    expect(mm.ptes.zeroCount).toBe(0);
    expect(runs(mm)).toEqual([]);
    expect(mm.pte(at(5))).toBeUndefined();
    expect(kernel.allocator.allocated).toBe(before);
    expect(kernel.allocator.badPages).toEqual([]);
  });

  it('setPte moves a page between a run and a frame both ways', () => {
    const { mm, kernel } = anonMm(4);
    const alloc = kernel.allocator;
    for (let p = 0; p < 4; p++) readFault(mm, p);
    const page = alloc.allocPage();
    mm.setPte(at(2), { page, writable: false });
    expect(runs(mm)).toEqual([[0, 2], [3, 4]]);
    expect(mm.pte(at(2))!.page).toBe(page);
    mm.setPte(at(2), { page: alloc.zeroPage, writable: false });
    expect(runs(mm)).toEqual([[0, 4]]);
    expect(mm.ptes.frameCount).toBe(0);
    // a writable pte of ZERO_PAGE is not a zero run: it stays an entry of its own
    mm.setPte(at(1), { page: alloc.zeroPage, writable: true });
    expect(runs(mm)).toEqual([[0, 1], [2, 4]]);
    expect(mm.pte(at(1))!.writable).toBe(true);
    expect(mm.ptes.size).toBe(4);
  });

  it('handleMmFaultZeroRun maps only the absent pages, takes one reference per pte made, and refuses frames', () => {
    const { mm, kernel } = anonMm(1024);
    const zero = kernel.allocator.zeroPage;
    readFault(mm, 10);
    readFault(mm, 600);
    const count0 = zero.count;
    const vma = vmaOf(mm, 0);
    expect(mm.zeroStretchEnd(at(0), vma.end)).toBe(vma.end);
    handleMmFaultZeroRun(mm, vma, at(0), at(1024));
    expect(zero.count).toBe(count0 + 1022);
    expect(runs(mm)).toEqual([[0, 1024]]);
    writeFault(mm, 700);
    expect(mm.zeroStretchEnd(at(0), vma.end)).toBe(at(700));
    expect(mm.zeroStretchEnd(at(700), vma.end)).toBe(at(700));
    expect(mm.zeroStretchEnd(at(701), vma.end)).toBe(vma.end);
    expect(() => handleMmFaultZeroRun(mm, vma, at(690), at(710))).toThrow(/frame/);
  });

  it('nextFrame steps over empty PMDs and PUDs and finds frames past them', () => {
    const kernel = new Kernel();
    const pt = new PageTable(kernel.allocator.zeroPage);
    const frame = (vpn: number): void => pt.set(vpn, { page: kernel.allocator.allocPage(), writable: true });
    const far = 2 ** 34 + 5; // near the top of a 47-bit address space
    for (const v of [511, 512, 262143, 262144 * 3 + 7, 262144 * 5 + 1, far]) frame(v);
    expect(pt.nextFrame(0, 2 ** 35)).toBe(511);
    expect(pt.nextFrame(512, 2 ** 35)).toBe(512);
    expect(pt.nextFrame(513, 2 ** 35)).toBe(262143);
    expect(pt.nextFrame(262144, 2 ** 35)).toBe(262144 * 3 + 7);
    expect(pt.nextFrame(262144 * 3 + 8, 2 ** 35)).toBe(262144 * 5 + 1);
    expect(pt.nextFrame(262144 * 5 + 2, 2 ** 35)).toBe(far);
    expect(pt.nextFrame(262144 * 5 + 2, far)).toBe(far);
    expect(pt.nextFrame(262144 * 5 + 2, 2000000)).toBe(2000000);
    expect(pt.delete(far)).toBe(true);
    expect(pt.nextFrame(262144 * 5 + 2, 2 ** 35)).toBe(2 ** 35);
    expect(pt.delete(far)).toBe(false);
  });
});

type Op =
  | { op: 'read' | 'write'; page: number }
  | { op: 'munmap' | 'mmap'; page: number; pages: number }
  | { op: 'mprotect'; page: number; pages: number; write: boolean }
  | { op: 'zerorun'; page: number };

const WINDOW = 1100; // crosses two PMD boundaries from BASE

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('read' as const, 'write' as const), page: fc.integer({ min: 0, max: WINDOW - 1 }) }),
  fc.record({ op: fc.constantFrom('munmap' as const, 'mmap' as const), page: fc.integer({ min: 0, max: WINDOW - 1 }), pages: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ op: fc.constant('mprotect' as const), page: fc.integer({ min: 0, max: WINDOW - 1 }), pages: fc.integer({ min: 1, max: 600 }), write: fc.boolean() }),
  fc.record({ op: fc.constant('zerorun' as const), page: fc.integer({ min: 0, max: WINDOW - 1 }) }),
);

/** The page table as one entry per pte: what the runs must be indistinguishable from. */
type Model = Map<number, { page: Page | 'zero'; writable: boolean }>;

describe('against a one-entry-per-pte model', () => {
  it('random faults, munmaps, mprotects and zero-run faults leave the same ptes', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
      const { mm, kernel } = anonMm(WINDOW);
      const zero = kernel.allocator.zeroPage;
      const model: Model = new Map();
      let zeroRefs = zero.count;
      for (const o of ops) {
        const end = Math.min(WINDOW, o.op === 'read' || o.op === 'write' || o.op === 'zerorun' ? o.page + 1 : o.page + o.pages);
        const vma = mm.vmaAt(at(o.page));
        switch (o.op) {
          case 'read':
            if (!vma) break;
            handleMmFault(mm, vma, at(o.page), false);
            if (!model.has(o.page)) {
              model.set(o.page, { page: 'zero', writable: false });
              zeroRefs++;
            }
            break;
          case 'write':
            if (!vma || !(vma.flags & VM_WRITE)) break;
            userPageForWrite(mm, at(o.page));
            if (model.get(o.page)?.page === 'zero' || !model.has(o.page)) model.set(o.page, { page: mm.pte(at(o.page))!.page, writable: true });
            else model.get(o.page)!.writable = true;
            break;
          case 'munmap':
            doMunmap(mm, at(o.page), (end - o.page) * PAGE_SIZE);
            for (let p = o.page; p < end; p++) model.delete(p);
            break;
          case 'mmap':
            doMmapPgoff(mm, null, at(o.page), (end - o.page) * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, 0);
            for (let p = o.page; p < end; p++) model.delete(p);
            break;
          case 'mprotect': {
            if (!vma) break;
            const stop = Math.min(at(end), vma.end);
            mprotectFixup(mm, vma, at(o.page), stop, VM_READ | (o.write ? VM_WRITE : 0));
            if (!o.write) for (const [p, e] of model) if (p >= o.page && at(p) < stop) e.writable = false;
            break;
          }
          case 'zerorun': {
            if (!vma) break;
            const stop = mm.zeroStretchEnd(at(o.page), vma.end);
            let expectStop = o.page;
            while (at(expectStop) < vma.end && (model.get(expectStop)?.page ?? 'zero') === 'zero' && !model.get(expectStop)?.writable) expectStop++;
            expect(stop).toBe(at(expectStop));
            if (stop === at(o.page)) break;
            handleMmFaultZeroRun(mm, vma, at(o.page), stop);
            for (let p = o.page; p < expectStop; p++) {
              if (!model.has(p)) {
                model.set(p, { page: 'zero', writable: false });
                zeroRefs++;
              }
            }
            break;
          }
        }
        // every pte answer, the counts, the references on ZERO_PAGE and the run invariants
        const wrong: number[] = [];
        for (let p = 0; p < WINDOW; p++) {
          const want = model.get(p);
          const got = mm.pte(at(p));
          const same = want ? got !== undefined && got.page === (want.page === 'zero' ? zero : want.page) && got.writable === want.writable : got === undefined;
          if (!same) wrong.push(p);
        }
        expect(wrong).toEqual([]);
        expect(mm.ptes.size).toBe(model.size);
        expect(mm.ptes.zeroCount).toBe([...model.values()].filter((e) => e.page === 'zero').length);
        expect(zero.count).toBe(zeroRefs);
        const r = runs(mm);
        for (let i = 0; i < r.length; i++) {
          expect(r[i]![0]).toBeLessThan(r[i]![1]);
          if (i > 0) expect(r[i - 1]![1]).toBeLessThan(r[i]![0]); // disjoint and never adjacent
        }
      }
      expect(kernel.allocator.badPages).toEqual([]);
    }), { numRuns: 200 });
  });
});

/** A sample with zero, dirty and clean pages in VMAs above and below a large reservation. */
function mixedSample(): Sample {
  const s = tinySample();
  return {
    ...s,
    vmas: [...s.vmas, { start: 0x100000000, end: 0x100400000, perms: 'rw-p' }, { start: 0x200000000, end: 0x240000000, perms: '---p' }],
    activity: [
      ...s.activity,
      { op: 'read', start: 0x100000000, pages: 300 },
      { op: 'write', start: 0x100100000, pages: 3, contents: { generate: 'random', seed: 9 } },
      { op: 'read', start: 0x100200000, pages: 400 },
      { op: 'write', start: 0x1003ff000, pages: 1, contents: { text: 'last' } },
    ],
  };
}

function runCheckpoint(sample: Sample, tracePages: boolean): { image: Buffer; task: ReturnType<typeof buildTask>; zero: number[]; pageEvents: number; zeroRefs: number } {
  const kernel = new Kernel();
  const task = buildTask(kernel, sample);
  const sink = new MemorySink();
  const run = checkpoint(task, new V1Writer(sink, task.pid), { time: 0n, tracePages });
  const { outcome, events } = drain(run);
  expect(outcome).toEqual({ ok: true });
  return {
    image: sink.image!, task, zero: run.ctx.vmas.map((v) => v.zero), pageEvents: events.filter((e) => e.kind === 'page').length,
    zeroRefs: kernel.allocator.zeroPage.count,
  };
}

describe('the checkpoint scan over zero runs', () => {
  it('gives the same image, counts, ptes and ZERO_PAGE references with and without page events', () => {
    const traced = runCheckpoint(mixedSample(), true);
    const quick = runCheckpoint(mixedSample(), false);
    expect(quick.image.equals(traced.image)).toBe(true);
    expect(quick.zero).toEqual(traced.zero);
    expect(quick.zero.at(-1)).toBe(0x40000000 / PAGE_SIZE);
    expect(quick.zeroRefs).toBe(traced.zeroRefs);
    expect(traced.pageEvents).toBeGreaterThan(0x40000000 / PAGE_SIZE);
    expect(quick.pageEvents).toBe(0);
    const ptes = (t: typeof traced): string[] => [...t.task.mm.ptes.entries()].sort((a, b) => a[0] - b[0])
      .map(([v, p]) => `${v}:${p.writable}:${p.page === t.task.kernel.allocator.zeroPage ? 'zero' : p.page.data().toString('hex', 0, 16)}`);
    expect(ptes(quick)).toEqual(ptes(traced));
    expect(quick.task.mm.ptes.zeroRuns().length).toBeLessThan(10);
  });

  it('a 1 TiB reservation checkpoints in bounded time and memory', () => {
    const s: Sample = { ...tinySample(), vmas: [{ start: 0x100000000, end: 0x10100000000, perms: '---p' }], activity: [], ldt: [], files: [] };
    const t0 = performance.now();
    const quick = runCheckpoint(s, false);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(quick.zero).toEqual([2 ** 28]);
    expect(quick.task.mm.ptes.zeroRuns()).toEqual([[0x100000000 / PAGE_SIZE, 0x10100000000 / PAGE_SIZE]]);
    expect(quick.task.mm.ptes.size).toBe(2 ** 28);
  });
});

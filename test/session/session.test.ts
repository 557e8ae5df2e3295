import { describe, expect, it, vi } from 'vitest';
import { RFC2008 } from '../../source/ckpt/profile.js';
import { DebugSession, demoJob, debugCheckpointJob, debugRestartJob, type Snapshot } from '../../source/session/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const opts = { profile: RFC2008, format: 'v1' as const };

/** Runs pending slices until the session stops moving. */
async function settle(s: DebugSession): Promise<Snapshot> {
  for (let i = 0; i < 10_000 && s.getSnapshot().state === 'running'; i++) await new Promise((r) => setImmediate(r));
  return s.getSnapshot();
}

describe('DebugSession', () => {
  it('starts paused at the first phase boundary of the checkpoint', async () => {
    const s = new DebugSession(demoJob('samples/hello.json', opts));
    s.start(false);
    const snap = await settle(s);
    expect(snap.state).toBe('paused');
    expect(snap.phase).toBe('head');
    expect(snap.fn).toBe('cr_write_head');
    expect(snap.stage).toMatchObject({ index: 0, count: 2, kind: 'checkpoint' });
  });

  it('steps scan -> dump -> free on one VMA, and the chain fills and empties', async () => {
    const s = new DebugSession(demoJob('samples/hello.json', opts));
    s.start(false);
    await settle(s);
    // to VMA #3 (the heap: 3 dirty pages)
    for (let i = 0; i < 4; i++) {
      s.nextVma();
      await settle(s);
    }
    let snap = s.getSnapshot();
    expect(snap.phase).toBe('scan');
    expect(snap.currentVma).toBe(3);
    expect(snap.vmas[3]!.state).toBe('scanning');
    expect(snap.vmas[4]!.state).toBe('pending');
    expect(snap.chain.pinned).toBe(0);

    s.next();
    snap = await settle(s);
    expect(snap.phase).toBe('dump');
    expect(snap.vmas[3]!.dumped).toBe(3);
    expect(snap.vmas[3]!.zero).toBe(5);
    expect(snap.chain.pinned).toBe(3);
    const before = snap.imageOffset;
    expect(s.pageStrip(3, 8)!.counts.listed).toBe(3);

    s.next();
    snap = await settle(s);
    expect(snap.phase).toBe('free');
    expect(snap.imageOffset).toBe(before + 8 + 56 + 3 * 8 + 3 * 4096);

    s.next();
    snap = await settle(s);
    expect(snap.vmas[3]!.state).toBe('dumped');
    expect(snap.chain.pinned).toBe(0);
  });

  it('stops at a breakpoint and runs the demo to the end', async () => {
    const s = new DebugSession(demoJob('samples/hello.json', opts), { breakpoints: [{ kind: 'phase', phase: 'destroy' }] });
    s.start(true);
    let snap = await settle(s);
    expect(snap.state).toBe('paused');
    expect(snap.stopReason).toBe('breakpoint destroy');
    expect(snap.stage.kind).toBe('restart');
    expect(snap.restart!.pastPointOfNoReturn).toBe(false);
    s.resume();
    snap = await settle(s);
    expect(snap.state).toBe('finished');
    expect(snap.results).toHaveLength(2);
    expect(snap.restart!.pastPointOfNoReturn).toBe(true);
    expect(snap.vmas.every((v) => v.state === 'restored')).toBe(true);
  });

  it('stops at a failed restart with the record, field and offset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    const demo = new DebugSession(demoJob('samples/hello.json', opts));
    demo.start(true);
    await settle(demo);
    // corrupt VMA #3's npages (record at offset 8838 in hello's image) to -1
    const { execFileSync } = await import('node:child_process');
    const image = path.join(dir, 'hello.img');
    execFileSync('node', ['dist/cli.js', 'checkpoint', 'samples/hello.json', '-o', image]);
    const bytes = fs.readFileSync(image);
    const vmaAt = 8838;
    expect(bytes.readInt16LE(vmaAt)).toBe(202);
    bytes.writeInt16LE(-1, vmaAt + 8 + 48);
    fs.writeFileSync(image, bytes);

    const s = new DebugSession(debugRestartJob(image, 'samples/hello.json', opts));
    s.start(true);
    const snap = await settle(s);
    expect(snap.state).toBe('failed');
    const f = snap.failure!;
    expect(f.errno).toBe('EINVAL');
    expect(f.fn).toBe('cr_read_vma');
    expect(f.field).toBe('npages');
    expect(f.record).toMatchObject({ kind: 'CR_HDR_VMA', offset: vmaAt });
    expect(f.recordFields.find((x) => x.offending)).toMatchObject({ name: 'npages', value: '-1', offset: vmaAt + 56 });
    expect(f.pastPointOfNoReturn).toBe(true);
    expect(f.restoredVmas).toEqual([0, 1, 2]);
    expect(f.hex.some((l) => l.marked.length === 2)).toBe(true);
  });

  it('stops at a refused VMA with its flags by name and the refused one marked', async () => {
    const s = new DebugSession(debugCheckpointJob('samples/shared.json', null, opts));
    s.start(true);
    const snap = await settle(s);
    expect(snap.state).toBe('failed');
    const f = snap.failure!;
    expect(f.errno).toBe('ETXTBSY');
    expect(f.record).toBeNull();
    expect(f.vma).toMatchObject({ index: 2, file: '/var/db/table.dat', offending: ['VM_SHARED'], doneBefore: 2 });
    expect(f.vma!.flagNames).toEqual(expect.arrayContaining(['VM_READ', 'VM_WRITE', 'VM_SHARED', 'VM_MAYSHARE']));
    expect(snap.currentVma).toBe(2);
    expect(snap.vmas[2]!.state).toBe('refused');
  });

  it('draws the page strip of a 1 TiB reservation from its zero runs, not page by page', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    const sample = path.join(dir, 'reserve.json');
    const zeros = { start_code: 0, end_code: 0, start_data: 0, end_data: 0, start_brk: 0, brk: 0, start_stack: 0, arg_start: 0, arg_end: 0, env_start: 0, env_end: 0 };
    fs.writeFileSync(sample, JSON.stringify({
      format: 'ckpt-sample', version: 1, comm: 'reserve', pid: 77, files: [], mm: zeros,
      vmas: [{ start: '0x100000000', end: '0x10100000000', perms: 'rw-p' }],
      activity: [{ op: 'write', start: '0x100001000', pages: 2 }],
    }));
    const s = new DebugSession(debugCheckpointJob(sample, null, opts), { breakpoints: [{ kind: 'phase', phase: 'free' }] });
    s.start(true);
    const snap = await settle(s);
    expect(snap.stopReason).toBe('breakpoint free');
    const table = s.ctx!.task.mm.ptes;
    const lookups = vi.spyOn(table, 'get');
    const strip = s.pageStrip(0, 60)!;
    expect(lookups.mock.calls.length).toBe(2); // the two frames; the 2^28 zero pages are counted from their runs
    const pages = 2 ** 40 / 4096;
    expect(strip.counts.dumped).toBe(2);
    expect(strip.counts.zero).toBe(pages - 2);
    expect(strip.cells[0]).toBe('dumped');
    expect(strip.cells[1]).toBe('zero');
    expect(strip.cells).toHaveLength(60);
  });

  it('points at the page address that lies outside its VMA, not at where the reader stood', async () => {
    const s = new DebugSession(debugRestartJob('samples/bad/addr-outside.img', 'samples/hello.json', opts));
    s.start(true);
    const snap = await settle(s);
    const f = snap.failure!;
    expect(f.errno).toBe('EFAULT');
    expect(f.field).toBe('addrs');
    // VMA #3's first address is at byte 8,902 (samples/bad/README.md); the reader had gone on to 8,926
    const marked = f.hex.flatMap((l) => l.marked.map((i) => l.offset + i));
    expect(marked).toEqual([8902, 8903, 8904, 8905, 8906, 8907, 8908, 8909]);
    expect(f.offset).toBe(8926);
  });
});

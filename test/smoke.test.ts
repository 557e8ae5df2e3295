import { describe, expect, it } from 'vitest';
import { Kernel } from '../source/kernel/task.js';
import { buildTask, loadSample, verifyTask } from '../source/sample/index.js';
import { checkpoint, restart, runToEnd } from '../source/ckpt/engine.js';
import { MemorySink } from '../source/image/sink.js';
import { BufferSource } from '../source/image/source.js';
import { V1Writer } from '../source/image/v1/writer.js';
import { V1Reader } from '../source/image/v1/reader.js';
import { RESTARTER } from '../source/sample/restarter.js';

describe('hello sample', () => {
  it('checkpoints and restarts to the same memory', () => {
    const sample = loadSample('samples/hello.json');
    const task = buildTask(new Kernel(), sample);
    const sink = new MemorySink();
    const ck = checkpoint(task, new V1Writer(sink, task.pid), { time: 0n });
    expect(runToEnd(ck.events)).toEqual({ ok: true });
    const dumped = ck.ctx.vmas.reduce((s, v) => s + v.dumped, 0);
    expect(dumped).toBe(11);

    const kernel = new Kernel();
    const target = buildTask(kernel, RESTARTER);
    for (const f of buildTask(kernel, sample).root.list()) target.root.addFile(f.path, f.data);
    const rs = restart(target, new V1Reader(new BufferSource(sink.image!)));
    expect(runToEnd(rs.events)).toEqual({ ok: true });
    const report = verifyTask(target, buildTask(new Kernel(), sample));
    expect(report.differences).toEqual([]);
    expect(report.pagesCompared).toBe(72);
  });
});

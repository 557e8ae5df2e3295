// Warnings a sample carries (the VMAs a capture left out) travel in a v2 image as CR_HDR_WARNING
// records; v1 has no record for them, so converting such an image to v1 refuses.

import { describe, expect, it } from 'vitest';
import { checkpoint, runToEnd } from '../../source/ckpt/engine.js';
import { convertImage } from '../../source/image/convert.js';
import { writerFor } from '../../source/image/open.js';
import { MemorySink } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { decodeV2 } from '../../source/image/v2/inspect.js';
import { loadSample } from '../../source/sample/index.js';
import { restartImage, restartingTask, sampleTask } from './helpers.js';

const WARNINGS = ['--skip-unsupported: left out VMA 0x7000-0x8000 r--p [vvar]: vm_flags VM_IO', 'second: ünïcode kept'];

function imageWithWarnings(format: 'v1' | 'v2'): Buffer {
  const task = sampleTask('samples/hello.json');
  const sink = new MemorySink();
  const run = checkpoint(task, writerFor(format, sink, task.pid, WARNINGS), { warnings: WARNINGS, time: 0n });
  expect(runToEnd(run.events).ok).toBe(true);
  expect(run.ctx.warnings).toEqual(WARNINGS); // announced by the engine in either format
  return sink.image!;
}

describe('warnings in the image', () => {
  it('v2 carries them as CR_HDR_WARNING records before the tail, and inspect shows their text', () => {
    const decoded = decodeV2(new BufferSource(imageWithWarnings('v2')));
    expect(decoded.failure).toBeNull();
    const kinds = decoded.records.map((r) => r.kind);
    expect(kinds.slice(-3)).toEqual(['CR_HDR_WARNING', 'CR_HDR_WARNING', 'CR_HDR_TAIL']);
    expect(decoded.records.filter((r) => r.kind === 'CR_HDR_WARNING').map((r) => r.fields.text)).toEqual(WARNINGS);
  });

  it('a restart reads them back once, even when the hardened profile has read the image twice', () => {
    for (const profile of ['rfc2008', 'hardened'] as const) {
      const { outcome, ctx } = restartImage(restartingTask(loadSample('samples/hello.json')), imageWithWarnings('v2'), profile);
      expect(outcome.ok).toBe(true);
      expect(ctx.reader!.warnings).toEqual(WARNINGS);
    }
  });

  it('v1 has no place for them: the image is the same as without warnings', () => {
    const task = sampleTask('samples/hello.json');
    const sink = new MemorySink();
    expect(runToEnd(checkpoint(task, writerFor('v1', sink, task.pid), { time: 0n }).events).ok).toBe(true);
    expect(imageWithWarnings('v1').equals(sink.image!)).toBe(true);
  });

  it('converting an image with warnings to v1 refuses and writes nothing', () => {
    const sink = new MemorySink();
    expect(() => convertImage(new BufferSource(imageWithWarnings('v2')), 'v2', sink, 'v1')).toThrow(/CR_HDR_WARNING.*v1 has no record/);
    expect(sink.image).toBeNull();
  });
});

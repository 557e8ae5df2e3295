// The stages the debugger runs: a checkpoint of a sample, a restart of an image, or the demo
// (a sample checkpointed to memory, then restarted into a fresh task from that image).

import * as fs from 'node:fs';
import { checkpoint, restart } from '../ckpt/engine.js';
import type { Profile } from '../ckpt/profile.js';
import type { Preflight } from '../ckpt/rstr-mem.js';
import type { FormatName } from '../image/io.js';
import { readerFor, openSource, writerFor } from '../image/open.js';
import { FileSink, MemorySink, type ImageSink } from '../image/sink.js';
import { BufferSource } from '../image/source.js';
import { Kernel, type Task } from '../kernel/task.js';
import { buildTask, buildVfs, loadSample, RESTARTER, type Sample } from '../sample/index.js';
import type { Stage } from './stage.js';

export interface JobOptions {
  profile: Profile;
  format: FormatName;
  /** The hardened profile's validation before the point of no return. */
  preflight?: Preflight;
}

function readFileRange(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const n = fs.readSync(fd, b, 0, length, offset);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Checkpoints task into sink (a file when output is given, else memory). */
export function checkpointStage(task: Task, label: string, sink: ImageSink, opts: JobOptions, warnings: readonly string[] = []): Stage {
  return {
    kind: 'checkpoint',
    label,
    start: () => checkpoint(task, writerFor(opts.format, sink, task.pid, warnings), { profile: opts.profile, warnings }),
    imageBytes: () => Buffer.alloc(0),
    imageSize: () => null,
  };
}

/** The restarting task: --into's sample or the built-in one, with the files of `also` added to its root. */
export function restartingTask(into: Sample | null, also: Sample | null): Task {
  const kernel = new Kernel();
  const task = buildTask(kernel, into ?? RESTARTER);
  if (also) {
    for (const inode of buildVfs(kernel, also).list()) if (!task.root.lookup(inode.path)) task.root.addFile(inode.path, inode.data);
  }
  return task;
}

/** Restarts an image file into the task makeTask builds (when the stage begins). */
export function restartFileStage(image: string, makeTask: () => Task, opts: JobOptions): Stage {
  return {
    kind: 'restart',
    label: `restart ${image}`,
    start: () => {
      const src = openSource(image);
      return restart(makeTask(), readerFor(src, image), { profile: opts.profile, ...(opts.preflight ? { preflight: opts.preflight } : {}) });
    },
    imageBytes: (offset, length) => readFileRange(image, offset, length),
    imageSize: () => fs.statSync(image).size,
  };
}

/** Restarts the image held by a MemorySink once its checkpoint has committed. */
export function restartMemoryStage(label: string, sink: MemorySink, makeTask: () => Task, opts: JobOptions): Stage {
  const image = () => {
    if (!sink.image) throw new Error('the checkpoint stage did not produce an image');
    return sink.image;
  };
  return {
    kind: 'restart',
    label,
    start: () => restart(makeTask(), readerFor(new BufferSource(image()), label), {
      profile: opts.profile, ...(opts.preflight ? { preflight: opts.preflight } : {}),
    }),
    imageBytes: (offset, length) => image().subarray(offset, offset + length),
    imageSize: () => sink.image?.length ?? null,
  };
}

/** ckpt debug checkpoint SAMPLE [-o IMAGE] */
export function debugCheckpointJob(samplePath: string, output: string | null, opts: JobOptions): Stage[] {
  const sample = loadSample(samplePath);
  const task = buildTask(new Kernel(), sample);
  const sink = output ? new FileSink(output) : new MemorySink();
  return [checkpointStage(task, `checkpoint ${samplePath}${output ? ` -> ${output}` : ''}`, sink, opts, sample.warnings ?? [])];
}

/** ckpt debug restart IMAGE [--into SAMPLE] */
export function debugRestartJob(image: string, into: string | null, opts: JobOptions): Stage[] {
  const intoSample = into ? loadSample(into) : null;
  openSource(image).close(); // a missing image is reported now, not when the stage starts
  return [restartFileStage(image, () => restartingTask(intoSample, null), opts)];
}

/** The demo: SAMPLE checkpointed to memory, then restarted into the built-in restarting task. */
export function demoJob(samplePath: string, opts: JobOptions): Stage[] {
  const sample = loadSample(samplePath);
  const task = buildTask(new Kernel(), sample);
  const sink = new MemorySink();
  return [
    checkpointStage(task, `checkpoint ${samplePath}`, sink, opts, sample.warnings ?? []),
    restartMemoryStage(`restart of ${sample.comm}'s image`, sink, () => restartingTask(null, sample), opts),
  ];
}

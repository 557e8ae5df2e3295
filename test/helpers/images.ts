// Builds tasks from samples, checkpoints them to v1 images in memory, restarts images, and
// patches images field by field, so that each test can craft exactly the bad byte it needs.

import { Kernel } from '../../source/kernel/task.js';
import type { Task } from '../../source/kernel/task.js';
import { buildTask, buildVfs, verifyTask, type Sample, type VerifyReport } from '../../source/sample/index.js';
import { RESTARTER } from '../../source/sample/restarter.js';
import { checkpoint, restart, runToEnd, type Outcome, type Run } from '../../source/ckpt/engine.js';
import { RFC2008, type Profile } from '../../source/ckpt/profile.js';
import type { EngineEvent } from '../../source/ckpt/events.js';
import { MemorySink, type SinkOptions } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { V1Writer } from '../../source/image/v1/writer.js';
import { V1Reader } from '../../source/image/v1/reader.js';
import { decodeV1, type DecodedRecord } from '../../source/image/v1/inspect.js';
import { CR_HDR, SIZEOF, encodeHdr } from '../../source/image/v1/format.js';
import type { CrCtx } from '../../source/ckpt/context.js';

/** A tiny process: a file text VMA, a private file data VMA with a dirty page, an anon heap, a read-only VMA, one LDT entry. */
export function tinySample(over: Partial<Sample> = {}): Sample {
  return {
    format: 'ckpt-sample',
    version: 1,
    description: 'tiny test process',
    comm: 'tiny',
    pid: 77,
    files: [{ path: '/bin/tiny', size: 8192, contents: { generate: 'code', seed: 5 } }],
    mm: {
      start_code: 0x400000, end_code: 0x401000, start_data: 0x601000, end_data: 0x602000, start_brk: 0x602000,
      brk: 0x604000, start_stack: 0x7ffffffff000, arg_start: 0x7fffffffe100, arg_end: 0x7fffffffe110,
      env_start: 0x7fffffffe110, env_end: 0x7fffffffe200,
    },
    vmas: [
      { start: 0x400000, end: 0x401000, perms: 'r-xp', file: '/bin/tiny', pgoff: 0, flags: ['VM_DENYWRITE', 'VM_EXECUTABLE'] },
      { start: 0x601000, end: 0x602000, perms: 'rw-p', file: '/bin/tiny', pgoff: 1 },
      { start: 0x602000, end: 0x604000, perms: 'rw-p' },
      { start: 0x700000, end: 0x702000, perms: 'rw-p' },
    ],
    ldt: [{ entry: 0, base: 0x1000, limit: 0xfff, seg32bit: 1 }],
    activity: [
      { op: 'read', start: 0x400000, pages: 1 },
      { op: 'write', start: 0x601000, contents: { text: 'data' } },
      { op: 'write', start: 0x602000, pages: 2, contents: { generate: 'pattern', seed: 3 } },
      { op: 'write', start: 0x700000, pages: 1, contents: { generate: 'random', seed: 4 } },
      { op: 'mprotect', start: 0x700000, pages: 2, perms: 'r--p' },
    ],
    ...over,
  };
}

export interface Checkpointed {
  task: Task;
  run: Run;
  outcome: Outcome;
  /** The image, when the checkpoint succeeded. */
  image: Buffer | null;
  events: EngineEvent[];
}

/** Drives an engine to its end, keeping every event. */
export function drain(run: Run): { outcome: Outcome; events: EngineEvent[] } {
  const events: EngineEvent[] = [];
  for (;;) {
    const r = run.events.next();
    if (r.done) return { outcome: r.value, events };
    events.push(r.value);
  }
}

/** sys_checkpoint of the sample's task into memory, with a fixed head time. */
export function checkpointTask(task: Task, opts: { profile?: Profile; sink?: SinkOptions } = {}): Checkpointed {
  const sink = new MemorySink(opts.sink ?? {});
  const run = checkpoint(task, new V1Writer(sink, task.pid), { time: 0n, profile: opts.profile ?? RFC2008 });
  const { outcome, events } = drain(run);
  return { task, run, outcome, image: outcome.ok ? sink.image : null, events };
}

export function checkpointSample(sample: Sample, opts: { profile?: Profile; sink?: SinkOptions } = {}): Checkpointed {
  return checkpointTask(buildTask(new Kernel(), sample), opts);
}

/** The image of a sample that must checkpoint cleanly. */
export function imageOf(sample: Sample = tinySample()): Buffer {
  const c = checkpointSample(sample);
  if (!c.outcome.ok || !c.image) throw new Error(`checkpoint failed: ${c.outcome.ok ? '' : c.outcome.error.describe()}`);
  return c.image;
}

export interface Restarted {
  task: Task;
  ctx: CrCtx;
  outcome: Outcome;
  events: EngineEvent[];
}

/**
 * sys_restart of image into the built-in restarting task; the files of `filesOf` (the
 * checkpointed sample) are added to its root, as the machine a restart runs on has them.
 */
export function restartImage(image: Buffer, filesOf: Sample | null = tinySample(), opts: { profile?: Profile } = {}): Restarted {
  const kernel = new Kernel();
  const task = buildTask(kernel, RESTARTER);
  if (filesOf) for (const f of buildVfs(kernel, filesOf).list()) if (!task.root.lookup(f.path)) task.root.addFile(f.path, f.data);
  const run = restart(task, new V1Reader(new BufferSource(image)), { profile: opts.profile ?? RFC2008 });
  const { outcome, events } = drain(run);
  return { task, ctx: run.ctx, outcome, events };
}

/** Checkpoint, restart, verify against a fresh build of the same sample. */
export function roundTrip(sample: Sample): { ckpt: Checkpointed; rst: Restarted; report: VerifyReport } {
  const ckpt = checkpointSample(sample);
  if (!ckpt.image) throw new Error(`checkpoint failed: ${ckpt.outcome.ok ? '' : ckpt.outcome.error.describe()}`);
  const rst = restartImage(ckpt.image, sample);
  return { ckpt, rst, report: verifyTask(rst.task, buildTask(new Kernel(), sample)) };
}

/** The records of an image as the inspect decoder sees them, with their offsets. */
export function recordsOf(image: Buffer): DecodedRecord[] {
  return decodeV1(new BufferSource(image)).records;
}

/** A copy of an image with helpers to find records and overwrite their fields in place. */
export class ImagePatch {
  bytes: Buffer;
  constructor(image: Buffer) {
    this.bytes = Buffer.from(image);
  }

  /** The nth (0-based) record of a kind ("CR_HDR_VMA", or "raw" with a `what`), as decoded before any patch. */
  find(kind: string, nth = 0, what?: string): DecodedRecord {
    const all = recordsOf(this.bytes).filter((r) => r.kind === kind && (what === undefined || r.fields.what === what));
    const r = all[nth];
    if (!r) throw new Error(`no ${kind}${what ? ` (${what})` : ''} #${nth} in the image`);
    return r;
  }

  /** Byte offset of a payload field: record header offset + sizeof(cr_hdr) + field offset. */
  at(kind: string, nth: number, fieldOffset: number): number {
    return this.find(kind, nth).offset + SIZEOF.cr_hdr + fieldOffset;
  }

  s16(off: number, v: number): this {
    this.bytes.writeInt16LE(v, off);
    return this;
  }
  u32(off: number, v: number): this {
    this.bytes.writeUInt32LE(v >>> 0, off);
    return this;
  }
  u64(off: number, v: bigint): this {
    this.bytes.writeBigUInt64LE(BigInt.asUintN(64, v), off);
    return this;
  }

  /** Keeps the first n bytes: an image cut short. */
  truncate(n: number): this {
    this.bytes = this.bytes.subarray(0, n);
    return this;
  }

  /** Inserts a whole record (header and payload) at off. */
  insertRecord(off: number, type: number, payload: Buffer, id = 77): this {
    const rec = Buffer.concat([encodeHdr({ type, len: payload.length, id }), payload]);
    this.bytes = Buffer.concat([this.bytes.subarray(0, off), rec, this.bytes.subarray(off)]);
    return this;
  }

  /** Replaces len bytes at off with a whole record (header and payload). */
  replaceRecord(off: number, len: number, type: number, payload: Buffer, id = 77): this {
    const rec = Buffer.concat([encodeHdr({ type, len: payload.length, id }), payload]);
    this.bytes = Buffer.concat([this.bytes.subarray(0, off), rec, this.bytes.subarray(off + len)]);
    return this;
  }

  /** Appends bytes after the tail. */
  append(extra: Buffer): this {
    this.bytes = Buffer.concat([this.bytes, extra]);
    return this;
  }
}

export { CR_HDR, SIZEOF };

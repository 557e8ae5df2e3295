// The failure pane's facts: errno, function, check, record and its fields, a hex dump, and what
// the restarting task was left with.

import { ERRNO } from '../kernel/errno.js';
import type { CrCtx } from '../ckpt/context.js';
import type { CrError } from '../ckpt/errors.js';
import { decodeRecordAt } from '../image/v1/layout.js';
import type { Stage } from './stage.js';
import type { FailedVma, Failure, FailureField, HexLine } from './types.js';
import { VM_MAYSHARE } from '../kernel/constants.js';
import { vmFlagNames } from '../kernel/vm-flags.js';
import { REFUSED_FLAGS } from '../ckpt/ckpt-mem.js';

const HEX_BEFORE = 96;
const HEX_AFTER = 112;

/** The bytes around `at`, 16 per line, with `marked` absolute offsets flagged. */
export function hexAround(stage: Stage, at: number, marked: Set<number>): HexLine[] {
  const size = stage.imageSize();
  // around the failing offset and every marked byte (a field of a record read earlier)
  const lo = Math.min(at, ...marked);
  const hi = Math.max(at, ...marked);
  const start = Math.max(0, Math.floor((lo - HEX_BEFORE) / 16) * 16);
  const end = size === null ? hi + HEX_AFTER : Math.min(size, hi + HEX_AFTER);
  if (end <= start) return [];
  const bytes = stage.imageBytes(start, end - start);
  const lines: HexLine[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = [...bytes.subarray(off, off + 16)];
    const m: number[] = [];
    chunk.forEach((_, i) => {
      if (marked.has(start + off + i)) m.push(i);
    });
    lines.push({ offset: start + off, bytes: chunk, marked: m });
  }
  return lines;
}

export function failureOf(ctx: CrCtx, e: CrError, stage: Stage): Failure {
  let fields: FailureField[] = [];
  const marked = new Set<number>();
  if (e.record && stage.kind === 'restart') {
    const raw = stage.imageBytes(e.record.offset, 8 + 256);
    const decoded = decodeRecordAt(raw, e.record.offset);
    fields = decoded.fields.map((f) => ({ ...f, offending: f.name === e.field }));
    // a failure in a CR_HDR_STRING record is about its string (a name that cannot be opened)
    if (!e.field && e.record.kind === 'CR_HDR_STRING') fields = fields.map((f) => ({ ...f, offending: f.name === 'string' }));
    for (const f of fields) if (f.offending) for (let i = 0; i < f.size; i++) marked.add(f.offset + i);
  }
  if (e.span) for (let i = 0; i < e.span.size; i++) marked.add(e.span.offset + i); // a page address in the raw data
  if (!marked.size) marked.add(e.offset);
  const restored = ctx.vmas.filter((v) => v.state === 'restored').map((v) => v.index);
  const bad = ctx.isCheckpoint ? ctx.vmas.find((v) => v.state === 'refused' || v.state === 'failed' || v.state === 'scanning' || v.state === 'dumping') : undefined;
  const refused = REFUSED_FLAGS | (ctx.profile.fixes(8) ? VM_MAYSHARE : 0);
  const vma: FailedVma | null = bad ? {
    index: bad.index, start: bad.start, end: bad.end, file: bad.file, flags: bad.flags, flagNames: vmFlagNames(bad.flags),
    offending: e.errno === 'ETXTBSY' ? vmFlagNames(bad.flags & refused) : [],
    doneBefore: ctx.vmas.filter((v) => v.state === 'dumped').length,
  } : null;
  const isRestart = stage.kind === 'restart';
  return {
    stage: stage.kind,
    errno: e.errno,
    errnoValue: ERRNO[e.errno],
    fn: e.fn,
    check: e.check,
    field: e.field,
    offset: e.offset,
    record: e.record,
    recordFields: fields,
    hex: isRestart ? hexAround(stage, e.offset, marked) : [],
    restoredVmas: restored,
    vma,
    pastPointOfNoReturn: ctx.pastPointOfNoReturn,
    taskUnchanged: isRestart && !ctx.pastPointOfNoReturn,
    summary: e.describe(),
  };
}

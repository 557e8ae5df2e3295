// Builds the snapshot from the engine's context: the one place that reads engine state for the UI.

import { VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE } from '../kernel/constants.js';
import type { CrCtx } from '../ckpt/context.js';
import { DEFECTS } from '../ckpt/defects.js';
import { MM_FIELDS } from '../image/v1/format.js';
import { chainOf } from '../ckpt/pgarr.js';
import type { ChainView, DefectView, MmField, RestartView, VmaRow } from './types.js';

export function permsOf(flags: number): string {
  return (flags & VM_READ ? 'r' : '-') + (flags & VM_WRITE ? 'w' : '-') + (flags & VM_EXEC ? 'x' : '-') +
    (flags & VM_MAYSHARE ? 's' : 'p');
}

export function mmFields(ctx: CrCtx): MmField[] | null {
  const hh = ctx.mmHeader;
  if (!hh) return null;
  return [
    ...MM_FIELDS.map((f) => ({ name: f, value: '0x' + hh.fields[f].toString(16) })),
    { name: 'map_count', value: String(hh.mapCount) },
    { name: 'tag', value: String(hh.tag) },
  ];
}

export function vmaRows(ctx: CrCtx): VmaRow[] {
  return ctx.vmas.map((v) => ({
    index: v.index, start: v.start, end: v.end, pages: Math.max(0, (v.end - v.start) / 4096), perms: permsOf(v.flags),
    kind: v.file === null ? 'ANON' : 'FILE', file: v.file, pgoff: v.pgoff, flags: v.flags, dumped: v.dumped, zero: v.zero,
    clean: v.clean, npagesInImage: v.npagesInImage, state: v.state,
  }));
}

export function chainView(ctx: CrCtx): ChainView {
  const chain = chainOf(ctx);
  let pinned = 0;
  let inUse = 0;
  const arrays = chain.map((p) => {
    pinned += p.nused;
    if (p.nused) inUse++;
    return { serial: p.serial, nused: p.nused, nleft: p.nleft, isCur: p === ctx.pgcur };
  });
  return { arrays, allocated: chain.length, inUse, pinned, total: ctx.pgarrSerial };
}

export function restartView(ctx: CrCtx): RestartView | null {
  if (ctx.isCheckpoint) return null;
  return {
    vmaIndex: ctx.restart.vmaIndex, mapCount: ctx.restart.mapCount, pagesRead: ctx.restart.pagesRead,
    bytesRead: ctx.reader?.offset ?? 0, totalBytes: ctx.reader?.size ?? null, step: ctx.restart.step,
    pastPointOfNoReturn: ctx.pastPointOfNoReturn,
  };
}

export function defectViews(ctx: CrCtx): DefectView[] {
  return ctx.defects.map((d) => ({ defect: d.defect, name: DEFECTS[d.defect].name, fn: d.fn, message: d.message }));
}

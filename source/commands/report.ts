// How headless commands print an engine's result: a short summary and one line per failure.

import type { CrCtx } from '../ckpt/context.js';
import { defectLabel } from '../ckpt/defects.js';
import type { CrError } from '../ckpt/errors.js';
import { printable } from '../image/errors.js';
import type { VerifyReport } from '../sample/verify.js';

const n = (x: number) => x.toLocaleString('en-US');

/** One line per defect and function; a defect that fired many times (once per VMA, say) shows its count and first message. */
export function defectLines(ctx: CrCtx): string[] {
  const groups = new Map<string, { first: (typeof ctx.defects)[number]; count: number }>();
  for (const d of ctx.defects) {
    const key = `${d.defect} ${d.fn}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: d, count: 1 });
  }
  return [...groups.values()].map(({ first: d, count }) =>
    `  ${defectLabel(d.defect)} in ${d.fn}${count > 1 ? ` (${count} times; the first)` : ''}: ${d.message}`);
}

export function checkpointSummary(ctx: CrCtx, image: string, bytes: number): string[] {
  const dumped = ctx.vmas.reduce((s, v) => s + v.dumped, 0);
  const zero = ctx.vmas.reduce((s, v) => s + v.zero, 0);
  const clean = ctx.vmas.reduce((s, v) => s + v.clean, 0);
  return [
    `checkpointed ${ctx.task.comm} (pid ${ctx.pid}) to ${image} [profile ${ctx.profile.name}, format ${ctx.writer!.format}]`,
    `  VMAs        ${ctx.vmas.length}`,
    `  pages       ${n(dumped)} dumped, ${n(zero + clean)} skipped (${n(zero)} zero page, ${n(clean)} clean file)`,
    `  image       ${n(bytes)} bytes`,
    `  page-arrays ${ctx.pgarrSerial} allocated`,
    ...ctx.warnings.map((w) => `  warning     ${w}`),
    ...(ctx.defects.length ? [`  defects     ${ctx.defects.length} fired:`, ...defectLines(ctx)] : ['  defects     none fired']),
  ];
}

export function restartSummary(ctx: CrCtx, image: string): string[] {
  const restored = ctx.vmas.filter((v) => v.state === 'restored').length;
  return [
    `restarted ${ctx.task.comm} (pid ${ctx.pid}) from ${image} [profile ${ctx.profile.name}, format ${ctx.reader!.format}]`,
    `  VMAs        ${restored} of ${ctx.vmas.length} restored`,
    `  pages       ${n(ctx.restart.pagesRead)} read`,
    `  LDT         ${ctx.task.mm.context.size} entries`,
    ...ctx.reader!.warnings.map((w) => `  warning     ${printable(w)} (carried by the image)`),
    ...(ctx.defects.length ? [`  defects     ${ctx.defects.length} fired:`, ...defectLines(ctx)] : ['  defects     none fired']),
  ];
}

export function failureLine(what: string, e: CrError, ctx: CrCtx): string {
  const ponr = ctx.isCheckpoint ? '' : ctx.pastPointOfNoReturn
    ? ' [after the point of no return: the task is half-built]'
    : ' [before the point of no return: the task is unchanged]';
  return `${what} failed: ${e.describe()}${ponr}`;
}

export function verifyLines(r: VerifyReport, sample: string): string[] {
  const documented = r.differences.filter((d) => d.defect !== null);
  const real = r.differences.filter((d) => d.defect === null);
  const head = r.differences.length === 0
    ? `verify: identical to ${sample} (${r.vmasCompared} VMAs, ${n(r.pagesCompared)} pages compared)`
    : real.length === 0
      ? `verify: matches ${sample} except ${documented.length} documented difference(s) of the seed (${r.vmasCompared} VMAs, ${n(r.pagesCompared)} pages compared)`
      : `verify: ${real.length} difference(s) from ${sample}`;
  return [head, ...r.differences.map((d) => `  ${d.defect !== null ? `[${defectLabel(d.defect)}] ` : ''}${d.what}`)];
}

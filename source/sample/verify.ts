// --verify: compares a restored task with the task its sample builds, VMA by VMA and page by
// page, and names each difference; those the seed is known to cause are marked with the defect.

import {
  PAGE_SIZE, VM_DENYWRITE, VM_EXEC, VM_EXECUTABLE, VM_GROWSDOWN, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE,
  LDT_ENTRY_SIZE,
} from '../kernel/constants.js';
import { decodeDesc, descBase, descLimit } from '../kernel/ldt.js';
import { MM_LAYOUT_FIELDS } from '../kernel/mm.js';
import type { Task } from '../kernel/task.js';
import { peekUserPage } from '../kernel/uaccess.js';
import type { DefectId } from '../ckpt/defects.js';

export interface Difference {
  what: string;
  /** The seed defect that explains it, when the difference is the documented lossy behaviour. */
  defect: DefectId | null;
}

export interface VerifyReport {
  differences: Difference[];
  vmasCompared: number;
  pagesCompared: number;
  /** Only documented differences (or none). */
  ok: boolean;
}

/** The vm_flags bits a restart is expected to reproduce. */
const COMPARED_FLAGS = VM_READ | VM_WRITE | VM_EXEC | VM_SHARED | VM_MAYSHARE | VM_GROWSDOWN | VM_DENYWRITE | VM_EXECUTABLE;

const hex = (n: number) => '0x' + n.toString(16);

export function verifyTask(restored: Task, expected: Task): VerifyReport {
  const diffs: Difference[] = [];
  const a = restored.mm;
  const b = expected.mm;
  if (restored.comm !== expected.comm) diffs.push({ what: `comm '${restored.comm}', expected '${expected.comm}'`, defect: null });
  for (const f of MM_LAYOUT_FIELDS) {
    if (a[f] !== b[f]) diffs.push({ what: `mm ${f} ${hex(a[f])}, expected ${hex(b[f])}`, defect: null });
  }
  if (a.flags !== b.flags) diffs.push({ what: `mm->flags ${hex(a.flags)}, expected ${hex(b.flags)} (not saved)`, defect: 8 });

  if (a.mapCount !== b.mapCount) diffs.push({ what: `map_count ${a.mapCount}, expected ${b.mapCount}`, defect: null });
  let pages = 0;
  const n = Math.min(a.vmas.length, b.vmas.length);
  for (let i = 0; i < n; i++) {
    const va = a.vmas[i]!;
    const vb = b.vmas[i]!;
    const name = `VMA #${i} ${hex(vb.start)}-${hex(vb.end)}`;
    if (va.start !== vb.start || va.end !== vb.end) {
      diffs.push({ what: `${name}: restored as ${hex(va.start)}-${hex(va.end)}`, defect: null });
      continue;
    }
    if ((va.flags & COMPARED_FLAGS) !== (vb.flags & COMPARED_FLAGS)) {
      diffs.push({ what: `${name}: vm_flags ${hex(va.flags & COMPARED_FLAGS)}, expected ${hex(vb.flags & COMPARED_FLAGS)}`, defect: null });
    }
    if ((va.file?.path ?? null) !== (vb.file?.path ?? null)) {
      diffs.push({ what: `${name}: file ${va.file?.path ?? 'none'}, expected ${vb.file?.path ?? 'none'}`, defect: null });
    }
    if (vb.file && va.pgoff !== vb.pgoff) diffs.push({ what: `${name}: vm_pgoff ${va.pgoff}, expected ${vb.pgoff}`, defect: null });
    let bad = 0;
    let first = -1;
    for (let addr = vb.start as number; addr < vb.end; addr += PAGE_SIZE) {
      pages++;
      const pa = peekUserPage(a, addr);
      const pb = peekUserPage(b, addr);
      if (!pa || !pb || !pa.equals(pb)) {
        if (first < 0) first = addr;
        bad++;
      }
    }
    if (bad) diffs.push({ what: `${name}: ${bad} page(s) differ, first at ${hex(first)}`, defect: null });
  }
  for (let i = n; i < a.vmas.length; i++) diffs.push({ what: `extra VMA #${i} ${hex(a.vmas[i]!.start)}-${hex(a.vmas[i]!.end)}`, defect: null });
  for (let i = n; i < b.vmas.length; i++) diffs.push({ what: `missing VMA #${i} ${hex(b.vmas[i]!.start)}-${hex(b.vmas[i]!.end)}`, defect: null });

  const entries = Math.max(a.context.size, b.context.size);
  for (let e = 0; e < entries; e++) {
    const ra = e < a.context.size ? a.context.ldt.subarray(e * LDT_ENTRY_SIZE, (e + 1) * LDT_ENTRY_SIZE) : Buffer.alloc(LDT_ENTRY_SIZE);
    const rb = e < b.context.size ? b.context.ldt.subarray(e * LDT_ENTRY_SIZE, (e + 1) * LDT_ENTRY_SIZE) : Buffer.alloc(LDT_ENTRY_SIZE);
    if (ra.equals(rb)) continue;
    const da = decodeDesc(ra);
    const db = decodeDesc(rb);
    const truncated = descBase(da) === (descBase(db) & 0xffffff) && descLimit(da) === (descLimit(db) & 0xffff);
    // the seed rebuilds through modify_ldt's old mode, which clears an entry whose (truncated)
    // base and limit are both 0: the entry comes back empty, whatever its other bits were
    const cleared = ra.every((x) => x === 0) && (descBase(db) & 0xffffff) === 0 && (descLimit(db) & 0xffff) === 0;
    const lossy = cleared || (truncated && da.type === db.type && da.d === db.d && da.g === db.g && da.p === db.p);
    diffs.push({
      what: `LDT entry ${e}: base ${hex(descBase(da))} limit ${hex(descLimit(da))} avl ${da.avl}, expected base ${hex(descBase(db))} limit ${hex(descLimit(db))} avl ${db.avl}`,
      defect: lossy ? 7 : null,
    });
  }
  return { differences: diffs, vmasCompared: n, pagesCompared: pages, ok: diffs.every((d) => d.defect !== null) };
}

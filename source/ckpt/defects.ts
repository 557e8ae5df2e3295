// The nine known defects of the seed, each with the C function where it fires.

export const DEFECTS = {
  1: { name: 'pgarr-double-free', fn: 'cr_pgarr_free', what: 'frees ctx->pgarr->addrs/pages on every iteration: double free of the head array, the others leak' },
  2: { name: 'ldt-lock-held', fn: 'cr_write_mm_context', what: 'returns on a write error with mm->context.lock still held' },
  3: { name: 'hbuf-unbalanced', fn: 'cr_read_vma', what: 'error paths return without cr_hbuf_put' },
  4: { name: 's16-overflow', fn: 'cr_write_vma', what: 'npages / namelen / map_count are __s16: counts above 32767 wrap' },
  5: { name: 'pgcur-not-reset', fn: 'cr_pgarr_release', what: 'ctx->pgcur is not reset: arrays before it are never reused and the chain grows' },
  6: { name: 'prot-sem-is-vm-shared', fn: 'cr_calc_map_prot_bits', what: 'tests orig_vm_flags & PROT_SEM: PROT_SEM (0x8) is VM_SHARED' },
  7: { name: 'ldt-lossy', fn: 'cr_read_mm_context', what: 'user_desc rebuilt from base0|base1<<16 and limit0: base2 and the high limit nibble are lost' },
  8: { name: 'mayshare-and-mm-flags', fn: 'cr_write_vma', what: 'only VM_SHARED is refused, not VM_MAYSHARE; mm->flags is not saved' },
  9: { name: 'trusts-image', fn: 'cr_read_vma', what: 'page addresses are not checked against their VMA, names are opened as given, a failure after the point of no return leaves a half-built task' },
} as const;

export type DefectId = keyof typeof DEFECTS;

export const DEFECT_IDS = Object.keys(DEFECTS).map(Number) as DefectId[];

export function defectLabel(id: DefectId): string {
  return `defect ${id} (${DEFECTS[id].name})`;
}

// sys.c: the header buffer, and the context's life cycle (cr_ctx_alloc / cr_ctx_free).

import type { CrCtx } from './context.js';
import type { Engine } from './events.js';
import { pgarrAlloc, pgarrFree } from './pgarr.js';

/** cr_hbuf_get / cr_hbuf_put: the header buffer stack, counted so that an unbalanced one shows */
export function crHbufGet(ctx: CrCtx, n: number): void {
  ctx.hbufHeld += n;
}
export function crHbufPut(ctx: CrCtx, n: number): void {
  ctx.hbufHeld -= n;
}

/** cr_ctx_alloc: the context's first page-array */
export function* crCtxAlloc(ctx: CrCtx): Engine<void> {
  yield ctx.enter('cr_ctx_alloc');
  yield* pgarrAlloc(ctx, (p) => (ctx.pgarr = p));
}

/** cr_ctx_free: frees the page-array chain (where the seed double-frees) */
export function* crCtxFree(ctx: CrCtx): Engine<void> {
  yield ctx.enter('cr_ctx_free');
  yield ctx.enter('cr_pgarr_free');
  yield* pgarrFree(ctx);
}

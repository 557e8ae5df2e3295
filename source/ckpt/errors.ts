// Engine failures are image-aware errors; see image/errors.ts.
export { CrError, type RecordRef } from '../image/errors.js';

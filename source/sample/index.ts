// Samples: load, validate, build into a kernel, verify.

export * from './schema.js';
export { SampleError, parseSample } from './parse.js';
export { loadSample } from './load.js';
export { buildTask, buildVfs } from './build.js';
export { verifyTask, type VerifyReport, type Difference } from './verify.js';
export { RESTARTER } from './restarter.js';

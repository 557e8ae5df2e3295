// Capture of a live Linux process into a sample.

export { captureProcess, type CaptureOptions, type CaptureResult, type PageCounts } from './capture.js';
export { CaptureError } from './proc.js';
export { parseMaps, parseSmaps, mappingKind, type MapsEntry, type SmapsEntry } from './maps.js';
export { parseStat, type ProcStat } from './stat.js';
export { decodePagemap, PagemapReader, type PagemapEntry } from './pagemap.js';
export { deriveVmFlags, flagNames, unsupportedReason, MNEMONIC_FLAGS } from './flags.js';
export { zeroPagePfn, isZeroPfn } from './zero-page.js';
export { sampleJson } from './writer.js';

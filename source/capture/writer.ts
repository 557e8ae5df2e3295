// Writes a captured sample: page contents and file ranges are streamed into the sidecar
// `<sample>.pages` as they are read, the JSON is written last; both go to temporary names and
// are renamed into place only at the end, so a failed capture leaves nothing under the name.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sample } from '../sample/schema.js';

export class SampleWriter {
  readonly output: string;
  readonly blobPath: string;
  /** The blob's name as the sample refers to it: relative to the sample. */
  readonly blobName: string;
  private readonly tmpJson: string;
  private readonly tmpBlob: string;
  private blobFd: number | null;
  blobBytes = 0;

  constructor(output: string) {
    this.output = path.resolve(output);
    this.blobPath = `${this.output}.pages`;
    this.blobName = path.basename(this.blobPath);
    const dir = path.dirname(this.output);
    const tag = `${process.pid}.${Date.now().toString(36)}.tmp`;
    this.tmpJson = path.join(dir, `.${path.basename(this.output)}.${tag}`);
    this.tmpBlob = path.join(dir, `.${this.blobName}.${tag}`);
    try {
      this.blobFd = fs.openSync(this.tmpBlob, 'wx', 0o644);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw Object.assign(new Error(`${output}: ${err.code ?? 'EIO'} (cannot write next to the sample)`), { code: err.code, path: output });
    }
  }

  /** Appends bytes to the blob; returns where they are. */
  append(bytes: Buffer, length = bytes.length): { file: string; offset: number; length: number } {
    const offset = this.blobBytes;
    let done = 0;
    while (done < length) done += fs.writeSync(this.blobFd!, bytes, done, length - done, offset + done);
    this.blobBytes += length;
    return { file: this.blobName, offset, length };
  }

  /** Writes the JSON and renames both files into place. */
  commit(sample: Sample): void {
    fs.closeSync(this.blobFd!);
    this.blobFd = null;
    fs.writeFileSync(this.tmpJson, sampleJson(sample));
    fs.renameSync(this.tmpBlob, this.blobPath);
    fs.renameSync(this.tmpJson, this.output);
  }

  abort(): void {
    if (this.blobFd !== null) fs.closeSync(this.blobFd);
    this.blobFd = null;
    for (const f of [this.tmpBlob, this.tmpJson]) fs.rmSync(f, { force: true });
  }
}

const hex = (n: number) => '0x' + n.toString(16);
const ADDR_KEYS = new Set(['start', 'end']);

/** Addresses as hex strings, for people reading the sample. */
function withHex(o: object): object {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ADDR_KEYS.has(k) && typeof v === 'number' ? hex(v) : k === 'vmFlags' ? hex(v as number) : v]));
}

/** The sample as JSON: one line per file, VMA, activity and skipped entry. */
export function sampleJson(s: Sample): string {
  const list = (items: readonly unknown[]) => items.length ? `[\n    ${items.map((x) => JSON.stringify(x)).join(',\n    ')}\n  ]` : '[]';
  const mm = Object.fromEntries(Object.entries(s.mm).map(([k, v]) => [k, k === 'flags' ? v : hex(v)]));
  const parts: string[] = [
    `"format": "ckpt-sample"`, `"version": 1`,
    ...(s.description ? [`"description": ${JSON.stringify(s.description)}`] : []),
    `"comm": ${JSON.stringify(s.comm)}`, `"pid": ${s.pid}`,
    `"mm": ${JSON.stringify(mm)}`,
    ...(s.warnings ? [`"warnings": ${list(s.warnings)}`] : []),
    ...(s.skipped ? [`"skipped": ${list(s.skipped.map(withHex))}`] : []),
    `"files": ${list(s.files)}`,
    `"vmas": ${list(s.vmas.map(withHex))}`,
    `"ldt": ${list(s.ldt)}`,
    `"activity": ${list(s.activity.map(withHex))}`,
  ];
  return `{\n  ${parts.join(',\n  ')}\n}\n`;
}

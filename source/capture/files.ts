// The files of a captured process: the byte ranges its VMAs map, read from the backing files
// into the sample's blob, so that clean file pages come from the file as in the kernel.

import * as fs from 'node:fs';
import type { SampleFile } from '../sample/schema.js';
import { procError } from './proc.js';
import type { SampleWriter } from './writer.js';

const FILE_CHUNK = 4 << 20;
/** The largest file a sample holds (a sample file's own limit). */
const FILE_SIZE_MAX = 1 << 30;

/** The mapped byte ranges of each file, merged, to be captured for the VFS. */
export class FileRanges {
  readonly byPath = new Map<string, { source: string; ranges: [number, number][] }>();
  add(path: string, source: string, from: number, to: number): void {
    let f = this.byPath.get(path);
    if (!f) this.byPath.set(path, (f = { source, ranges: [] }));
    f.ranges.push([from, to]);
  }
}

function mergeRanges(r: [number, number][]): [number, number][] {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Captures the file ranges into the blob; returns the sample's files. */
export function captureFiles(pid: number, files: FileRanges, writer: SampleWriter, warnings: string[]): SampleFile[] {
  const out: SampleFile[] = [];
  const buf = Buffer.alloc(FILE_CHUNK);
  for (const [name, f] of files.byPath) {
    const path = name.startsWith('/') ? name : '/' + name;
    let fd: number | null = null;
    let opened = f.source;
    for (const candidate of [f.source, name]) {
      try {
        fd = fs.openSync(candidate, 'r');
        opened = candidate;
        break;
      } catch {
        // try the next way to the file
      }
    }
    const wanted = mergeRanges(f.ranges);
    const mappedEnd = wanted.reduce((m, [, b]) => Math.max(m, b), 0);
    if (fd === null) {
      warnings.push(`${name}: could not be opened (${f.source}): its pages read as zeros`);
      out.push({ path, size: Math.min(mappedEnd, FILE_SIZE_MAX), ranges: [] });
      continue;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) {
        warnings.push(`${name}: not a regular file: its contents are not captured`);
        out.push({ path, size: Math.min(mappedEnd, FILE_SIZE_MAX), ranges: [] });
        continue;
      }
      let size = st.size;
      if (size > FILE_SIZE_MAX) {
        warnings.push(`${name}: ${size} bytes, more than a sample file may hold: cut to ${FILE_SIZE_MAX}`);
        size = FILE_SIZE_MAX;
      }
      const ranges: NonNullable<SampleFile['ranges']> = [];
      for (const [a, b0] of wanted) {
        const b = Math.min(b0, size);
        if (b <= a) continue;
        let first: { offset: number; length: number } | null = null;
        for (let pos = a; pos < b;) {
          const n = fs.readSync(fd, buf, 0, Math.min(FILE_CHUNK, b - pos), pos);
          if (n === 0) break;
          const blob = writer.append(buf, n);
          if (!first) first = blob;
          pos += n;
        }
        if (first) ranges.push({ offset: a, contents: { blob: { file: writer.blobName, offset: first.offset, length: writer.blobBytes - first.offset } } });
      }
      out.push({ path, size, ranges });
    } catch (e) {
      throw procError(opened, e, pid);
    } finally {
      fs.closeSync(fd);
    }
  }
  return out;
}


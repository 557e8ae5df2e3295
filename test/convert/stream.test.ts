// convert is a stream: a 256 MiB image converts with the process growing by far less than the
// image (the 1 GiB bench image converts in under 80 MiB of RSS; see docs/FORMAT.md).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_RELEASE } from '../../source/ckpt/checkpoint.js';
import { convertImage } from '../../source/image/convert.js';
import { FileSink, type ImageSink } from '../../source/image/sink.js';
import { FileSource } from '../../source/image/source.js';
import { CR_HEAD_MAGIC, MM_FIELDS, writeAddr, type CrHdrMm, type MmFieldName } from '../../source/image/v1/format.js';
import { V1Writer } from '../../source/image/v1/writer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const VMAS = 8;
const PAGES = 8192; // 32 MiB each: 256 MiB of contents

/** Writes a synthetic v1 image of VMAS anonymous VMAs, every page dirty, straight through the writer. */
function writeBigV1(file: string): void {
  const w = new V1Writer(new FileSink(file), 4242);
  w.head({ magic: CR_HEAD_MAGIC, major: 2, minor: 6, patch: 26, rev: 1, time: 0n, flags: 0n, release: KERNEL_RELEASE.release, version: KERNEL_RELEASE.version, machine: KERNEL_RELEASE.machine }, 't');
  w.task({ state: 0, exitState: 0, exitCode: 0, exitSignal: 17, taskCommLen: 16 }, 'big', 't');
  const fields = Object.fromEntries(MM_FIELDS.map((f) => [f, 0n])) as Record<MmFieldName, bigint>;
  const mm: CrHdrMm = { tag: 1, fields, mapCount: VMAS };
  w.mm(mm, 't');
  const addrs = Buffer.alloc(512 * 8);
  const page = Buffer.alloc(4096);
  for (let v = 0; v < VMAS; v++) {
    const start = 0x100000000 + v * 0x10000000;
    w.vma({ how: 1, vmStart: BigInt(start), vmEnd: BigInt(start + PAGES * 4096), vmPageProt: 0x8000000000000025n, vmFlags: 0x100073n, vmPgoff: BigInt(start / 4096), npages: PAGES, namelen: 0 }, null, 't');
    for (let a = 0; a < PAGES; a += 512) {
      for (let i = 0; i < 512; i++) writeAddr(addrs, i * 8, start + (a + i) * 4096);
      w.pageAddrs(addrs, 512, 't');
    }
    for (let p = 0; p < PAGES; p++) {
      page.writeUInt32LE(p, 0);
      page.writeUInt32LE(v, 4);
      w.pageData(page, 't');
    }
  }
  w.mmContext({ ldtEntrySize: 8, nldt: 0 }, Buffer.alloc(0), 't');
  w.tail('t');
  w.commit();
}

/** Compares two files a MiB at a time. */
function sameFiles(a: string, b: string): boolean {
  if (fs.statSync(a).size !== fs.statSync(b).size) return false;
  const fa = fs.openSync(a, 'r');
  const fb = fs.openSync(b, 'r');
  const ba = Buffer.alloc(1 << 20);
  const bb = Buffer.alloc(1 << 20);
  try {
    for (let pos = 0; ; pos += ba.length) {
      const na = fs.readSync(fa, ba, 0, ba.length, pos);
      const nb = fs.readSync(fb, bb, 0, bb.length, pos);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

/** A sink that samples the process's RSS as it is written to. */
class Sampling implements ImageSink {
  peak = 0;
  private n = 0;
  constructor(private readonly inner: ImageSink) {}
  get offset(): number {
    return this.inner.offset;
  }
  write(bytes: Uint8Array): void {
    if (this.n++ % 2048 === 0) this.peak = Math.max(this.peak, process.memoryUsage().rss);
    this.inner.write(bytes);
  }
  commit(): void {
    this.inner.commit();
  }
  abort(): void {
    this.inner.abort();
  }
}

describe('convert as a stream', () => {
  it('converts a 256 MiB image v1 -> v2 -> v1 in bounded memory, byte for byte', () => {
    const v1 = path.join(dir, 'big.v1.img');
    writeBigV1(v1);
    expect(fs.statSync(v1).size).toBeGreaterThan(VMAS * PAGES * 4096);
    const base = process.memoryUsage().rss;
    const s2 = new Sampling(new FileSink(path.join(dir, 'big.v2.img')));
    const src = new FileSource(v1);
    const r = convertImage(src, 'v1', s2, 'v2');
    src.close();
    expect(r.pages).toBe(VMAS * PAGES);
    const back = new Sampling(new FileSink(path.join(dir, 'back.img')));
    const src2 = new FileSource(path.join(dir, 'big.v2.img'));
    convertImage(src2, 'v2', back, 'v1');
    src2.close();
    const grew = Math.max(s2.peak, back.peak) - base;
    expect(grew).toBeLessThan(96 * 2 ** 20);
    expect(fs.statSync(path.join(dir, 'big.v2.img')).size).toBeLessThan(fs.statSync(v1).size); // runs: 8 x 16 bytes, not 64 Ki x 8
    expect(sameFiles(v1, path.join(dir, 'back.img'))).toBe(true);
  }, 60_000);
});

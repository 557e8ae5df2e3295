import { describe, expect, it } from 'vitest';
import { crc32c, crc32cUpdate } from '../../source/image/v2/crc32c.js';
import { decodeV2 } from '../../source/image/v2/inspect.js';
import { decodeV1 } from '../../source/image/v1/inspect.js';
import { detectFormat } from '../../source/image/open.js';
import { BufferSource } from '../../source/image/source.js';
import { V2_HDR, V2_MAGIC, V2_SIZEOF } from '../../source/image/v2/format.js';
import { verifyTask } from '../../source/sample/index.js';
import { imageOf, restartImage, restartingTask, sampleTask } from './helpers.js';
import { loadSample, type Sample } from '../../source/sample/index.js';
import { Kernel } from '../../source/kernel/task.js';
import { buildTask } from '../../source/sample/build.js';

describe('CRC32C', () => {
  it('matches the published check value and composes across chunks', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    const b = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff));
    expect(crc32cUpdate(crc32cUpdate(0, b.subarray(0, 333)), b.subarray(333))).toBe(crc32c(b));
  });
});

describe('format v2', () => {
  const hello = loadSample('samples/hello.json');

  it('is detected from its head, and v1 still is', () => {
    const v2 = imageOf(sampleTask(hello), 'v2');
    const v1 = imageOf(sampleTask(hello), 'v1');
    expect(detectFormat(new BufferSource(v2))).toBe('v2');
    expect(detectFormat(new BufferSource(v1))).toBe('v1');
    expect(v2.readUInt32LE(0)).toBe(V2_HDR.HEAD);
    expect(v2.readUInt32LE(4)).toBe(V2_SIZEOF.head);
    expect(v2.readBigUInt64LE(16)).toBe(V2_MAGIC);
  });

  it('checkpoints hello and restarts it to the same memory', () => {
    const image = imageOf(sampleTask(hello), 'v2');
    const target = restartingTask(hello);
    const { outcome } = restartImage(target, image);
    expect(outcome).toEqual({ ok: true });
    const report = verifyTask(target, buildTask(new Kernel(), hello));
    expect(report.differences).toEqual([]);
  });

  it('decodes record by record with offsets, every CRC checked, and names the same records as v1', () => {
    const d2 = decodeV2(new BufferSource(imageOf(sampleTask(hello), 'v2')));
    const d1 = decodeV1(new BufferSource(imageOf(sampleTask(hello), 'v1')));
    expect(d2.failure).toBeNull();
    expect(d1.failure).toBeNull();
    const kinds2 = d2.records.filter((r) => r.kind !== 'raw' && r.kind !== 'CR_HDR_PAGE_RUNS').map((r) => r.kind);
    const kinds1 = d1.records.filter((r) => r.kind !== 'raw').map((r) => r.kind);
    expect(kinds2).toEqual(kinds1);
    const tail = d2.records.at(-1)!;
    expect(tail.kind).toBe('CR_HDR_TAIL');
    expect(tail.fields.pages).toBe(11);
  });

  it('holds a VMA of more than 32767 pages, which v1 wraps', () => {
    const task = sampleTask('samples/big-heap.json');
    const image = imageOf(task, 'v2');
    const d = decodeV2(new BufferSource(image));
    expect(d.failure).toBeNull();
    const heap = d.records.find((r) => r.kind === 'CR_HDR_VMA' && r.fields.npages === 33000);
    expect(heap).toBeDefined();
    const big = loadSample('samples/big-heap.json');
    const target = restartingTask(big);
    expect(restartImage(target, image, 'hardened').outcome).toEqual({ ok: true });
    expect(verifyTask(target, buildTask(new Kernel(), big)).ok).toBe(true);
  });

  it('costs little for sparse memory: one run per contiguous range', () => {
    const image = imageOf(sampleTask(hello), 'v2');
    const d = decodeV2(new BufferSource(image));
    const runs = d.records.filter((r) => r.kind === 'CR_HDR_PAGE_RUNS');
    const totalRuns = runs.reduce((s, r) => s + Number(r.fields.runs), 0);
    const totalPages = runs.reduce((s, r) => s + Number(r.fields.pages), 0);
    expect(totalPages).toBe(11);
    expect(totalRuns).toBeLessThan(totalPages);
  });

  it('knows a truncated image as such, and a flipped byte by its checksum', () => {
    const image = imageOf(sampleTask(hello), 'v2');
    const cut = decodeV2(new BufferSource(image.subarray(0, image.length - 20)));
    expect(cut.failure?.errno).toBe('EIO');
    const flipped = Buffer.from(image);
    flipped[V2_SIZEOF.hdr + 40] ^= 0x10; // inside the HEAD payload
    expect(decodeV2(new BufferSource(flipped)).failure?.errno).toBe('EBADMSG');
    const page = Buffer.from(image);
    page[image.length - 200] ^= 1; // in the last run's contents or the MM_CONTEXT record
    expect(decodeV2(new BufferSource(page)).failure?.errno).toBe('EBADMSG');
  });
});

describe('format v2 under both profiles', () => {
  it('a chain of many page-arrays, then small VMAs: every profile writes an image that restarts whole', () => {
    // a 1,200-page VMA uses three page-arrays; the VMAs after it use one (hardened resets pgcur,
    // so the idle arrays come after the used one in the chain; rfc2008 leaves them before it)
    const sample: Sample = {
      format: 'ckpt-sample', version: 1, comm: 'chain', pid: 5100, files: [],
      mm: { start_code: 0, end_code: 0, start_data: 0, end_data: 0, start_brk: 0, brk: 0, start_stack: 0, arg_start: 0, arg_end: 0, env_start: 0, env_end: 0 },
      vmas: [
        { start: 0x10000000, end: 0x10000000 + 1200 * 4096, perms: 'rw-p' },
        { start: 0x20000000, end: 0x20010000, perms: 'rw-p' },
        { start: 0x30000000, end: 0x30010000, perms: 'rw-p' },
      ],
      ldt: [],
      activity: [
        { op: 'write', start: 0x10000000, pages: 1200, contents: { generate: 'pattern', seed: 1 } },
        { op: 'write', start: 0x20000000, pages: 3, contents: { generate: 'random', seed: 2 } },
        { op: 'write', start: 0x30004000, pages: 2, contents: { generate: 'random', seed: 3 } },
      ],
    };
    for (const profile of ['rfc2008', 'hardened'] as const) {
      const image = imageOf(sampleTask(sample), 'v2', profile);
      expect(decodeV2(new BufferSource(image)).failure).toBeNull();
      const target = restartingTask(sample);
      expect(restartImage(target, image, profile).outcome).toEqual({ ok: true });
      expect(verifyTask(target, buildTask(new Kernel(), sample)).ok).toBe(true);
    }
  });
});

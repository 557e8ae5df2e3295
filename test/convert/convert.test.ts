import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertImage } from '../../source/image/convert.js';
import { CrError } from '../../source/image/errors.js';
import type { FormatName } from '../../source/image/io.js';
import { FileSink, MemorySink } from '../../source/image/sink.js';
import { BufferSource } from '../../source/image/source.js';
import { decodeV2 } from '../../source/image/v2/inspect.js';
import { decodeV1 } from '../../source/image/v1/inspect.js';
import { encodeHdr } from '../../source/image/v1/format.js';
import { imageOf, restartImage, restartingTask, sampleTask } from '../v2/helpers.js';
import { loadSample } from '../../source/sample/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-convert-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function convert(image: Buffer, from: FormatName, to: FormatName): Buffer {
  const sink = new MemorySink();
  convertImage(new BufferSource(image), from, sink, to);
  return sink.image!;
}

const SAMPLES = ['samples/hello.json', 'samples/ldt.json', 'samples/readonly.json'];

describe('ckpt convert', () => {
  for (const sample of SAMPLES) {
    it(`v1 -> v2 -> v1 is byte-identical (${path.basename(sample)})`, () => {
      const v1 = imageOf(sampleTask(sample), 'v1');
      const v2 = convert(v1, 'v1', 'v2');
      expect(decodeV2(new BufferSource(v2)).failure).toBeNull();
      const back = convert(v2, 'v2', 'v1');
      expect(back.equals(v1)).toBe(true);
    });

    it(`v2 -> v1 -> v2 preserves every record (${path.basename(sample)})`, () => {
      const v2 = imageOf(sampleTask(sample), 'v2');
      const v1 = convert(v2, 'v2', 'v1');
      expect(decodeV1(new BufferSource(v1)).failure).toBeNull();
      const back = convert(v1, 'v1', 'v2');
      const a = decodeV2(new BufferSource(v2));
      const b = decodeV2(new BufferSource(back));
      expect(b.failure).toBeNull();
      expect(b.records).toEqual(a.records);
      expect(back.equals(v2)).toBe(true);
    });
  }

  it('converts an engine-written v2 image to the same bytes the engine writes in v1', () => {
    const v1 = imageOf(sampleTask('samples/hello.json'), 'v1');
    const v2 = imageOf(sampleTask('samples/hello.json'), 'v2');
    expect(convert(v2, 'v2', 'v1').equals(v1)).toBe(true);
    expect(convert(v1, 'v1', 'v2').equals(v2)).toBe(true);
  });

  it('refuses a VMA of more than 32767 pages into v1, naming the VMA and the limit, and writes nothing', () => {
    const v2 = imageOf(sampleTask('samples/big-heap.json'), 'v2');
    const out = path.join(dir, 'big.v1.img');
    fs.writeFileSync(out, 'an older image that must survive');
    const sink = new FileSink(out);
    let err: unknown = null;
    try {
      convertImage(new BufferSource(v2), 'v2', sink, 'v1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    const line = (err as CrError).describe();
    expect(line).toMatch(/VMA #2 0x1000000-0x90e8000: npages is 33000/);
    expect(line).toMatch(/max 32767/);
    expect((err as CrError).errno).toBe('EOVERFLOW');
    expect(fs.readFileSync(out, 'utf8')).toBe('an older image that must survive');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses mm->flags into v1 (v1 has no field for them)', () => {
    const v2 = imageOf(sampleTask('samples/mayshare.json'), 'v2', 'rfc2008');
    // rfc2008 does not save mm->flags: the image converts
    expect(() => convert(v2, 'v2', 'v1')).not.toThrow();
    const task = sampleTask('samples/hello.json');
    task.mm.flags = 0x8d;
    const hardened = imageOf(task, 'v2', 'hardened');
    expect(() => convert(hardened, 'v2', 'v1')).toThrow(/mm->flags 0x8d: v1 has no field/);
  });

  it('rejects a malformed input with the record and the offset, writing nothing', () => {
    const v2 = imageOf(sampleTask('samples/hello.json'), 'v2');
    const bad = Buffer.from(v2);
    bad[bad.length - 100] ^= 0xff;
    const sink = new MemorySink();
    expect(() => convertImage(new BufferSource(bad), 'v2', sink, 'v1')).toThrow(/checksum/);
    expect(sink.image).toBeNull();
    const cut = imageOf(sampleTask('samples/hello.json'), 'v1').subarray(0, 5000);
    try {
      convert(cut, 'v1', 'v2');
      expect.unreachable('a truncated image converted');
    } catch (e) {
      expect(e).toBeInstanceOf(CrError);
      expect((e as CrError).errno).toBe('EIO');
      expect((e as CrError).describe()).toMatch(/record .* at byte \d+/);
    }
  });

  it('carries THREAD and CPU records through, both ways, and both formats restart past them', () => {
    const hello = loadSample('samples/hello.json');
    const plain = imageOf(sampleTask(hello), 'v1');
    const tailAt = plain.length - 16;
    const thread = Buffer.concat([encodeHdr({ type: 102, len: 16, id: 4242 }), Buffer.from('fs base, gs base')]);
    const cpu = Buffer.concat([encodeHdr({ type: 103, len: 8, id: 4242 }), Buffer.from('regs....')]);
    const v1 = Buffer.concat([plain.subarray(0, tailAt), thread, cpu, plain.subarray(tailAt)]);
    const v2 = convert(v1, 'v1', 'v2');
    const kinds = decodeV2(new BufferSource(v2)).records.map((r) => r.kind);
    expect(kinds.slice(-3)).toEqual(['CR_HDR_THREAD', 'CR_HDR_CPU', 'CR_HDR_TAIL']);
    expect(convert(v2, 'v2', 'v1').equals(v1)).toBe(true);
    for (const image of [v1, v2]) {
      for (const p of ['rfc2008', 'hardened'] as const) expect(restartImage(restartingTask(hello), image, p).outcome).toEqual({ ok: true });
    }
  });
});

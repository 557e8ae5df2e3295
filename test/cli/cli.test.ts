// The headless CLI as users run it: `node dist/cli.js ...` in a child process. Exit codes
// 0 (done), 1 (failed), 2 (usage); failures are one line naming what, where and the errno,
// and never a stack trace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SAMPLES = path.join(ROOT, 'samples');
let dir = '';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function ckpt(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const errLines = (r: Ran) => r.err.split('\n').filter((l) => l !== '');

function expectNoStack(r: Ran): void {
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.out).not.toMatch(/^\s+at /m);
}

/** The newest modification time of the CLI's sources. */
function newestSource(): number {
  let newest = fs.statSync(path.join(ROOT, 'cli.tsx')).mtimeMs;
  for (const f of fs.readdirSync(path.join(ROOT, 'source'), { recursive: true, withFileTypes: true })) {
    if (f.isFile()) newest = Math.max(newest, fs.statSync(path.join(f.parentPath, f.name)).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  // test the CLI built from this tree: compile it when dist is missing or older than a source
  // (type errors elsewhere do not stop tsc emitting)
  if (!fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < newestSource()) {
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  }
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js was not built');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-cli-'));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('checkpoint', () => {
  it('writes an image and prints a summary: exit 0', () => {
    const r = ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    expect(r.code).toBe(0);
    expect(r.out).toContain('checkpointed hello (pid 4242) to hello.img [profile rfc2008, format v1]');
    expect(r.out).toMatch(/pages\s+11 dumped/);
    const size = fs.statSync(path.join(dir, 'hello.img')).size;
    expect(r.out).toContain(`image       ${size.toLocaleString('en-US')} bytes`);
    expect(r.err).toBe('');
  });

  it('a VM_SHARED mapping: exit 1, one line with errno, function, the VMA and the offset; nothing written', () => {
    fs.writeFileSync(path.join(dir, 'keep.img'), 'previous image');
    const r = ckpt('checkpoint', path.join(SAMPLES, 'shared.json'), '-o', 'keep.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toHaveLength(1);
    // the failing VMA is named, not the record written before it
    expect(r.err).toMatch(/^ckpt: checkpoint failed: -ETXTBSY in cr_write_vma: VMA #2 0x[0-9a-f]+ has vm_flags 0x[0-9a-f]+ .*\(image offset \d+\); keep\.img not written\n$/);
    expect(r.err).not.toMatch(/record CR_HDR/);
    // the old file is untouched and no temporary file is left behind
    expect(fs.readFileSync(path.join(dir, 'keep.img'), 'utf8')).toBe('previous image');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expectNoStack(r);
  });

  it('a missing sample: exit 1, names the file', () => {
    const r = ckpt('checkpoint', 'no-such.json', '-o', 'x.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual(['ckpt: sample no-such.json: $: cannot read the sample: ENOENT']);
  });

  it('a malformed sample: exit 1, names the JSON path', () => {
    const bad = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'hello.json'), 'utf8')) as { vmas: { perms: string }[] };
    bad.vmas[2]!.perms = 'rwz';
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
    const r = ckpt('checkpoint', 'bad.json', '-o', 'x.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toHaveLength(1);
    expect(r.err).toContain('ckpt: sample bad.json: $.vmas[2].perms: expected four letters');
    expectNoStack(r);
  });

  it('a sample that is not JSON: exit 1', () => {
    fs.writeFileSync(path.join(dir, 'notjson.json'), '{ "format": ');
    const r = ckpt('checkpoint', 'notjson.json', '-o', 'x.img');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ckpt: sample notjson\.json: \$: not valid JSON: /);
    expect(errLines(r)).toHaveLength(1);
  });

  it('usage errors: exit 2', () => {
    expect(ckpt('checkpoint', path.join(SAMPLES, 'hello.json')).code).toBe(2);
    const r = ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'x.img', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option --bogus');
    expect(ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'x.img', '--profile', 'nope').code).toBe(2);
    expect(ckpt('frobnicate').code).toBe(2);
  });
});

describe('restart', () => {
  it('--verify a good image: exit 0, identical', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    const r = ckpt('restart', 'hello.img', '--verify', path.join(SAMPLES, 'hello.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('VMAs        8 of 8 restored');
    expect(r.out).toMatch(/verify: identical to .*hello\.json \(8 VMAs, 72 pages compared\)/);
  });

  it('--verify with the seed\'s lossy LDT: exit 0, differences marked with defect 7', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'ldt.json'), '-o', 'ldt.img');
    const r = ckpt('restart', 'ldt.img', '--verify', path.join(SAMPLES, 'ldt.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('documented difference(s) of the seed');
    expect(r.out.match(/\[defect 7 \(ldt-lossy\)\] LDT entry/g)).toHaveLength(2);
  });

  it('--verify against another process: exit 1', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'readonly.json'), '-o', 'ro.img');
    // --into the readonly process, so its files are there; compared with hello, it differs
    const r = ckpt('restart', 'ro.img', '--into', path.join(SAMPLES, 'readonly.json'), '--verify', path.join(SAMPLES, 'hello.json'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('VMAs        4 of 4 restored');
    expect(r.out).toMatch(/verify: \d+ difference\(s\) from .*hello\.json/);
  });

  it('a truncated image: exit 1, the errno, function, record and offset on the first line', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    const img = fs.readFileSync(path.join(dir, 'hello.img'));
    fs.writeFileSync(path.join(dir, 'cut.img'), img.subarray(0, 5000));
    const r = ckpt('restart', 'cut.img', '--verify', path.join(SAMPLES, 'hello.json'));
    expect(r.code).toBe(1);
    const [first, ...rest] = errLines(r);
    expect(first).toMatch(/^ckpt: \S*cut\.img: restart failed: -EIO in cr_vma_read_pages_data: image ends at byte 5000, .* record CR_HDR_VMA #\d+ at byte \d+ \(image offset 5000\) \[after the point of no return: the task is half-built\]$/);
    // then the defects that fired, one line each
    expect(rest.every((l) => l.startsWith('ckpt:   defect '))).toBe(true);
    expectNoStack(r);
  });

  it('a missing image: exit 1, names the file', () => {
    const r = ckpt('restart', 'nothing.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual(['ckpt: image nothing.img: cannot open the image (ENOENT)']);
  });

  it('an image of another kernel is refused before the point of no return', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    const img = Buffer.from(fs.readFileSync(path.join(dir, 'hello.img')));
    img.writeUInt16LE(27, 8 + 12); // patch level 26 -> 27
    fs.writeFileSync(path.join(dir, 'other.img'), img);
    const r = ckpt('restart', 'other.img');
    expect(r.code).toBe(1);
    expect(errLines(r)[0]).toMatch(/^ckpt: \S+\.img: restart failed: -EINVAL in cr_read_head: image from kernel 2\.6\.27.*record CR_HDR_HEAD #0 at byte 0 \(image offset 232\) \[before the point of no return: the task is unchanged\]$/);
  });
});

describe('inspect', () => {
  it('lists every record with its offset: exit 0', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    const r = ckpt('inspect', 'hello.img');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\s+0\s+#0\s+CR_HDR_HEAD\s+len=224 id=4242/m);
    expect(r.out).toMatch(/^\s+232\s+#1\s+CR_HDR_TASK\s+len=24/m);
    expect(r.out).toMatch(/CR_HDR_TAIL\s+len=8 id=4242\s+magic=0x2d2a0cc0deef00/);
    expect(r.out).toMatch(/\d+ records, well formed/);
  });

  it('--json: one document with records and no failure', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    const r = ckpt('inspect', 'hello.img', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { size: number; records: { kind: string; offset: number; length: number }[]; failure: unknown };
    expect(doc.failure).toBeNull();
    expect(doc.records[0]).toMatchObject({ kind: 'CR_HDR_HEAD', offset: 0, length: 232 });
    // records tile the image: each starts where the one before ends
    for (let i = 1; i < doc.records.length; i++) {
      expect(doc.records[i]!.offset).toBe(doc.records[i - 1]!.offset + doc.records[i - 1]!.length);
    }
    const last = doc.records[doc.records.length - 1]!;
    expect(last.kind).toBe('CR_HDR_TAIL');
    expect(last.offset + last.length).toBe(doc.size);
  });

  it('a truncated image: exit 1, names the file, the byte, the record and the errno', () => {
    ckpt('checkpoint', path.join(SAMPLES, 'hello.json'), '-o', 'hello.img');
    fs.writeFileSync(path.join(dir, 'cut.img'), fs.readFileSync(path.join(dir, 'hello.img')).subarray(0, 1000));
    const r = ckpt('inspect', 'cut.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual(['ckpt: cut.img: malformed at byte 1000 (VMA 1 page 0 of 1): -EIO: image ends at byte 1000: VMA 1 page 0 of 1 needs 4096 bytes, 426 left']);
    const j = ckpt('inspect', 'cut.img', '--json');
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as { failure: unknown }).failure).toEqual({
      offset: 1000, record: 'VMA 1 page 0 of 1', errno: 'EIO', reason: 'image ends at byte 1000: VMA 1 page 0 of 1 needs 4096 bytes, 426 left',
    });
  });

  it('a reader that goes away (ckpt inspect | head -1) ends the output quietly', async () => {
    // 3000 VMAs: some 600 KB of inspect output, far more than a pipe holds, so writes meet EPIPE
    const many = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'tiny.json'), 'utf8')) as { vmas: unknown[]; activity: unknown[]; ldt: unknown[] };
    many.vmas = Array.from({ length: 3000 }, (_, i) => ({ start: 0x10000000 + i * 0x2000, end: 0x10000000 + i * 0x2000 + 0x1000, perms: 'rw-p' }));
    many.activity = [];
    many.ldt = [];
    fs.writeFileSync(path.join(dir, 'many.json'), JSON.stringify(many));
    expect(ckpt('checkpoint', 'many.json', '-o', 'many.img').code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'inspect', 'many.img'], { cwd: dir });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // close the pipe after the first chunk, as head does after its line
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toMatch(/^\s+at /m);
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('a file that is no image: exit 1', () => {
    fs.writeFileSync(path.join(dir, 'junk.img'), 'abc');
    const r = ckpt('restart', 'junk.img');
    expect(r.code).toBe(1);
    expect(errLines(r)).toEqual(['ckpt: image junk.img: not a ckpt image: 3 bytes and no known head at byte 0']);
  });
});

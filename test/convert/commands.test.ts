// The convert, inspect and restart commands on v2 and on bad input, in-process: exit status,
// one line per failure naming what and where, nothing written on failure.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, type CommandIo, type Flags } from '../../source/commands/command.js';
import { convertCommand } from '../../source/commands/convert.js';
import { inspectCommand } from '../../source/commands/inspect.js';
import { restartCommand } from '../../source/commands/restart.js';
import { imageOf, sampleTask } from '../v2/helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-cmd-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (f: string) => path.join(dir, f);

async function run(cmd: typeof convertCommand, input: string[], flags: Flags): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await cmd.run(input, flags, io);
  return { code, out, err };
}

describe('commands on v2 images', () => {
  fs.writeFileSync(at('hello.v1.img'), imageOf(sampleTask('samples/hello.json'), 'v1'));
  fs.writeFileSync(at('big.v2.img'), imageOf(sampleTask('samples/big-heap.json'), 'v2'));

  it('convert: v1 to v2 by default, then back, byte for byte', async () => {
    const a = await run(convertCommand, [at('hello.v1.img')], { output: at('hello.v2.img') });
    expect(a.code).toBe(0);
    expect(a.out[0]).toMatch(/^converted .*hello\.v1\.img \(v1, [\d,]+ bytes\) to .*hello\.v2\.img \(v2, [\d,]+ bytes\): 24 records, 11 pages$/);
    const b = await run(convertCommand, [at('hello.v2.img')], { output: at('back.img') });
    expect(b.code).toBe(0);
    expect(fs.readFileSync(at('back.img')).equals(fs.readFileSync(at('hello.v1.img')))).toBe(true);
  });

  it('convert: a 33000-page VMA into v1 is one line, exit 1, and OUT is not written', async () => {
    const r = await run(convertCommand, [at('big.v2.img')], { output: at('big.v1.img'), to: 'v1' });
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^ckpt: convert .* failed: -EOVERFLOW in ckpt_convert: VMA #2 0x1000000-0x90e8000: npages is 33000: v1 stores it in an __s16 \(max 32767\).*record CR_HDR_VMA #8 at byte 4797 \(image offset 4797\); .*big\.v1\.img not written$/);
    expect(fs.existsSync(at('big.v1.img'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('convert: a bad --to is a usage error', async () => {
    await expect(run(convertCommand, [at('hello.v1.img')], { output: at('x.img'), to: 'v3' })).rejects.toThrow(UsageError);
    await expect(run(convertCommand, [at('hello.v1.img')], {})).rejects.toThrow(UsageError);
  });

  it('inspect: names the format and checks every CRC; a flipped byte is one line with the offset', async () => {
    const ok = await run(inspectCommand, [at('hello.v2.img')], {});
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toMatch(/format v2$/);
    const bad = fs.readFileSync(at('hello.v2.img'));
    bad[600] ^= 0x40;
    fs.writeFileSync(at('bad.v2.img'), bad);
    const r = await run(inspectCommand, [at('bad.v2.img')], {});
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/malformed at byte \d+ \(CR_HDR_\w+\): -EBADMSG: .*checksum/);
  });

  it('restart --profile hardened of a corrupt v2 image: one line, before the point of no return', async () => {
    const r = await run(restartCommand, [at('bad.v2.img')], { profile: 'hardened', verify: 'samples/hello.json' });
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/-EBADMSG .*\[before the point of no return: the task is unchanged\]$/);
  });

  it('restart --profile hardened of a v2 image verifies identical', async () => {
    const r = await run(restartCommand, [at('hello.v2.img')], { profile: 'hardened', verify: 'samples/hello.json' });
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/\[profile hardened, format v2\]$/);
    expect(r.out.at(-1)).toMatch(/^verify: identical/);
  });
});

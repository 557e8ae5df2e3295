// The /proc parsers, the vm_flags derivation and the sample format's capture extensions, on
// fixed text: these run everywhere, /proc or not.

import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  decodePagemap, deriveVmFlags, flagNames, mappingKind, parseMaps, parseSmaps, parseStat, sampleJson, unsupportedReason,
} from '../../source/capture/index.js';
import { Kernel } from '../../source/kernel/task.js';
import { buildTask, loadSample, parseSample, SampleError } from '../../source/sample/index.js';
import { checkpointSample, PAGE, tmpDir } from './helpers.js';

const MAPS = `55f8cb352000-55f8cb354000 r--p 00000000 fe:00 260875                     /usr/bin/sleep
7f8b80b7b000-7f8b80b82000 r--s 00000000 fe:00 338846                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache
7f8b80b82000-7f8b80b84000 rw-p 00000000 00:00 0 
7f8b80b85000-7f8b80b89000 r--p 00000000 00:00 0                          [vvar]
7f8b80b8b000-7f8b80b8d000 r-xp 00000000 00:00 0                          [vdso]
7f8b80b90000-7f8b80b91000 rw-p 00000000 00:00 0                          [anon:v8 heap]
7f8b80b91000-7f8b80b92000 r--p 00000000 fe:00 1                          /tmp/a file (deleted)
7ffdc3b51000-7ffdc3b72000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`;

describe('maps and smaps', () => {
  it('parses every kind of line, names with spaces included', () => {
    const m = parseMaps(MAPS);
    expect(m).toHaveLength(9);
    expect(m[0]).toMatchObject({ start: 0x55f8cb352000, end: 0x55f8cb354000, perms: 'r--p', offset: 0, name: '/usr/bin/sleep', inode: 260875 });
    expect(m[2]!.name).toBe('');
    expect(m[6]!.name).toBe('/tmp/a file (deleted)');
    expect(m[8]!.startHex).toBe('0xffffffffff600000');
    expect(m.map(mappingKind)).toEqual(['file', 'file', 'anon', 'vvar', 'vdso', 'anon', 'file', 'stack', 'vsyscall']);
    expect(() => parseMaps('not a maps line\n')).toThrow(/not a \/proc\/PID\/maps line/);
  });

  it('reads VmFlags, Rss and Swap of each smaps entry', () => {
    const s = parseSmaps(`7f8b80b85000-7f8b80b89000 r--p 00000000 00:00 0                          [vvar]
Size:                 16 kB
Rss:                   4 kB
Swap:                  8 kB
VmFlags: rd mr pf io de dd 
7ffdc3b51000-7ffdc3b72000 rw-p 00000000 00:00 0                          [stack]
Rss:                  12 kB
VmFlags: rd wr mr mw me gd ac 
`);
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ name: '[vvar]', rssKb: 4, swapKb: 8, vmFlags: ['rd', 'mr', 'pf', 'io', 'de', 'dd'] });
    expect(s[1]!.vmFlags).toContain('gd');
  });
});

describe('vm_flags of real mappings', () => {
  const entry = (line: string, vmFlags: string[] | null) => ({ ...parseMaps(line + '\n')[0]!, vmFlags, rssKb: 0, swapKb: 0 });

  it('maps each mnemonic to its 2.6.26 bit and keeps the others aside', () => {
    const vvar = deriveVmFlags(entry('7f8b80b85000-7f8b80b89000 r--p 00000000 00:00 0 [vvar]', ['rd', 'mr', 'pf', 'io', 'de', 'dd']), null);
    expect(vvar.flags).toBe(0x1 | 0x10 | 0x400 | 0x4000 | 0x40000);
    expect(vvar.unmapped).toEqual(['dd']);
    expect(unsupportedReason(vvar.flags)).toMatch(/VM_IO.*-ETXTBSY/);
    const cache = deriveVmFlags(entry('7f8b80b7b000-7f8b80b82000 r--s 00000000 fe:00 1 /gconv.cache', ['rd', 'mr', 'me', 'ms']), null);
    expect(cache.flags).toBe(0x1 | 0x10 | 0x40 | 0x80); // VM_MAYSHARE without VM_SHARED
    expect(unsupportedReason(cache.flags)).toMatch(/defect 8/);
    const stack = deriveVmFlags(entry('7ffdc3b51000-7ffdc3b72000 rw-p 00000000 00:00 0 [stack]', ['rd', 'wr', 'mr', 'mw', 'me', 'gd', 'ac']), null);
    expect(flagNames(stack.flags)).toContain('VM_GROWSDOWN');
    expect(flagNames(stack.flags)).toContain('VM_ACCOUNT');
    expect(unsupportedReason(stack.flags)).toBe(null);
  });

  it('adds the era flags: VM_EXECUTABLE|VM_DENYWRITE on the executable, VM_ALWAYSDUMP on the vDSO', () => {
    const exe = deriveVmFlags(entry('55f8cb352000-55f8cb354000 r-xp 00000000 fe:00 2 /usr/bin/sleep', ['rd', 'ex', 'mr', 'mw', 'me']), '/usr/bin/sleep');
    expect(flagNames(exe.flags)).toEqual(expect.arrayContaining(['VM_EXECUTABLE', 'VM_DENYWRITE']));
    const lib = deriveVmFlags(entry('55f8cb352000-55f8cb354000 r-xp 00000000 fe:00 2 /lib/libc.so.6', ['rd', 'ex', 'mr', 'mw', 'me']), '/usr/bin/sleep');
    expect(flagNames(lib.flags)).not.toContain('VM_EXECUTABLE');
    const vdso = deriveVmFlags(entry('7f8b80b8b000-7f8b80b8d000 r-xp 00000000 00:00 0 [vdso]', ['rd', 'ex', 'mr', 'mw', 'me', 'de']), null);
    expect(flagNames(vdso.flags)).toContain('VM_ALWAYSDUMP');
  });

  it('derives flags from perms when the kernel prints no VmFlags', () => {
    const shared = deriveVmFlags(entry('7f0000000000-7f0000001000 rw-s 00000000 00:05 3 /dev/zero (deleted)', null), null);
    expect(shared.source).toBe('perms');
    expect(shared.flags & 0x88).toBe(0x88);
    const anon = deriveVmFlags(entry('7f0000000000-7f0000001000 rw-p 00000000 00:00 0', null), null);
    expect(flagNames(anon.flags)).toContain('VM_ACCOUNT');
    const vvar = deriveVmFlags(entry('7f8b80b85000-7f8b80b89000 r--p 00000000 00:00 0 [vvar]', null), null);
    expect(vvar.flags & 0x4400).toBe(0x4400);
  });
});

describe('stat and pagemap', () => {
  it('parses stat with a comm holding spaces and parentheses', () => {
    const fields = Array.from({ length: 52 }, (_, i) => String(i + 1));
    fields[2] = 'T';
    const text = `4242 (a (b) c) ${fields.slice(2).join(' ')}\n`;
    const s = parseStat(text);
    expect(s).toMatchObject({ pid: 4242, comm: 'a (b) c', state: 'T', startCode: 26, endCode: 27, startStack: 28, startData: 45, envEnd: 51 });
  });

  it('decodes present, swapped, file, exclusive and the frame', () => {
    expect(decodePagemap((1n << 63n) | (1n << 61n) | (1n << 56n) | 15154n)).toEqual({ present: true, swapped: false, file: true, exclusive: true, pfn: 15154 });
    expect(decodePagemap(1n << 62n)).toMatchObject({ present: false, swapped: true, pfn: 0 });
    expect(decodePagemap(0n)).toMatchObject({ present: false, swapped: false });
  });
});

describe('the sample format extensions for captured processes', () => {
  function captured(dir: string) {
    const blob = Buffer.alloc(3 * PAGE);
    blob.fill(0x11, 0, PAGE); // a dirty anonymous page
    blob.fill(0x22, PAGE, 2 * PAGE); // a dirty page of a read-only VMA
    blob.fill(0x33, 2 * PAGE); // the file's first page
    fs.writeFileSync(path.join(dir, 's.json.pages'), blob);
    return {
      format: 'ckpt-sample', version: 1, comm: 'captured', pid: 77,
      mm: { start_code: '0x400000', end_code: '0x401000' },
      warnings: ['--skip-unsupported: left out VMA 0x7f0000010000-0x7f0000014000 r--p [vvar]'],
      skipped: [{ start: '0xffffffffff600000', end: '0xffffffffff601000', perms: '--xp', label: '[vsyscall]', reason: 'gate area' }],
      files: [{ path: '/lib/x.so', size: 5 * PAGE, ranges: [{ offset: PAGE, contents: { blob: { file: 's.json.pages', offset: 2 * PAGE, length: PAGE } } }] }],
      vmas: [
        { start: '0x7f0000000000', end: '0x7f0000002000', perms: 'r--p', file: '/lib/x.so', pgoff: 1, vmFlags: '0x100071' },
        { start: '0x7f0000004000', end: '0x7f0000006000', perms: 'rw-p', vmFlags: '0x100073' },
        { start: '0x7f0000008000', end: '0x7f0000009000', perms: 'r--p', vmFlags: '0x44411' },
      ],
      activity: [
        { op: 'read', start: '0x7f0000001000', pages: 1 },
        { op: 'write', start: '0x7f0000000000', contents: { blob: { file: 's.json.pages', offset: PAGE, length: PAGE } }, force: true },
        { op: 'write', start: '0x7f0000004000', contents: { blob: { file: 's.json.pages', offset: 0, length: PAGE } } },
      ],
    };
  }

  it('builds ranges, exact vmFlags and forced writes through the fault paths, and checkpoints them as the seed would', () => {
    const dir = tmpDir('ckpt-capture-format-');
    try {
      const json = captured(dir);
      // drop the VM_IO VMA: the seed would refuse it
      json.vmas.pop();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(json));
      const sample = loadSample(path.join(dir, 's.json'));
      expect(sample.skipped![0]!.start).toBe('0xffffffffff600000');
      const task = buildTask(new Kernel(), sample);
      const [ro, rw] = task.mm.vmas;
      expect(ro!.flags).toBe(0x100071); // VM_ACCOUNT on a read-only VMA: as captured, not as mmap sets it
      expect(rw!.flags).toBe(0x100073);
      // the file: zeros outside its range, the range at its offset
      const data = ro!.file!.inode.data;
      expect(data.length).toBe(5 * PAGE);
      expect(data[0]).toBe(0);
      expect(data[PAGE]).toBe(0x33);
      expect(data[2 * PAGE]).toBe(0);
      // the forced write made a COW copy mapped read-only; the read left the page-cache page
      const cow = task.mm.pte(0x7f0000000000)!;
      expect(cow.writable).toBe(false);
      expect(cow.page.mapping).toBe(null);
      expect(cow.page.data()[0]).toBe(0x22);
      expect(task.mm.pte(0x7f0000001000)!.page.mapping).not.toBe(null);

      const ck = checkpointSample(sample);
      expect(ck.outcome).toEqual({ ok: true });
      expect(ck.outcomes.get(0x7f0000000000)).toBe('dumped');
      expect(ck.outcomes.get(0x7f0000001000)).toBe('clean');
      expect(ck.outcomes.get(0x7f0000004000)).toBe('dumped');
      expect(ck.outcomes.get(0x7f0000005000)).toBe('zero');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a VM_IO VMA given by vmFlags is refused with -ETXTBSY', () => {
    const dir = tmpDir('ckpt-capture-format-');
    try {
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(captured(dir)));
      const ck = checkpointSample(loadSample(path.join(dir, 's.json')));
      expect(ck.outcome.ok).toBe(false);
      if (!ck.outcome.ok) expect(ck.outcome.error.errno).toBe('ETXTBSY');
      expect(ck.ctx.vmas[2]!.state).toBe('refused');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the JSON path of a bad extension field', () => {
    const dir = tmpDir('ckpt-capture-format-');
    try {
      const bad = (mutate: (j: ReturnType<typeof captured>) => void): string => {
        const j = captured(dir);
        mutate(j);
        try {
          parseSample(j, 'x.json');
        } catch (e) {
          if (e instanceof SampleError) return e.jsonPath;
          throw e;
        }
        return 'accepted';
      };
      expect(bad(() => {})).toBe('accepted');
      expect(bad((j) => delete (j.files[0] as { size?: number }).size)).toBe('$.files[0].size');
      expect(bad((j) => (j.files[0]!.ranges[0]!.offset = 5 * PAGE))).toBe('$.files[0].ranges[0].contents.blob.length');
      expect(bad((j) => ((j.vmas[0] as { vmFlags: unknown }).vmFlags = 'lots'))).toBe('$.vmas[0].vmFlags');
      expect(bad((j) => ((j.activity[1] as { force: unknown }).force = 'yes'))).toBe('$.activity[1].force');
      expect(bad((j) => (j.skipped[0]!.start = '18446744073699065856'))).toBe('$.skipped[0].start');
      expect(bad((j) => ((j as { warnings: unknown }).warnings = [1]))).toBe('$.warnings[0]');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a forced write into a VMA without VM_MAYWRITE fails, naming the activity', () => {
    const dir = tmpDir('ckpt-capture-format-');
    try {
      const j = captured(dir);
      j.vmas[0]!.vmFlags = '0x100051'; // no VM_MAYWRITE
      j.vmas.pop();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(j));
      expect(() => buildTask(new Kernel(), loadSample(path.join(dir, 's.json')))).toThrow(/\$\.activity\[1\]: .*no VM_MAYWRITE/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the sample JSON so that it reads back the same', () => {
    const dir = tmpDir('ckpt-capture-format-');
    try {
      const j = captured(dir);
      const sample = parseSample(j, 'x.json');
      const again = parseSample(JSON.parse(sampleJson(sample)), 'y.json');
      expect(again).toEqual(sample);
      expect(sampleJson(sample)).toMatch(/"start":"0x7f0000000000"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps format 1 samples without the extensions valid', () => {
    const hello = loadSample(path.resolve(import.meta.dirname, '../../samples/hello.json'));
    expect(hello.vmas.every((v) => v.vmFlags === undefined)).toBe(true);
    expect(hello.files.every((f) => f.contents !== undefined && f.ranges === undefined)).toBe(true);
    expect(checkpointSample(hello).outcome).toEqual({ ok: true });
  });
});

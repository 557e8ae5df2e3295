// Validates a sample's JSON into a Sample; every error names the JSON path at fault.

import {
  MM_SAMPLE_FIELDS, type Activity, type Contents, type Sample, type SampleFile, type SampleLdtEntry,
  type SampleSkippedVma, type SampleVma,
} from './schema.js';
import { VM_FLAG_NAMES } from '../kernel/constants.js';

export class SampleError extends Error {
  constructor(readonly where: string, readonly jsonPath: string, readonly problem: string) {
    super(`${where}: ${jsonPath}: ${problem}`);
    this.name = 'SampleError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Checker {
  constructor(private readonly where: string) {}

  fail(path: string, problem: string): never {
    throw new SampleError(this.where, path, problem);
  }

  obj(v: Json | undefined, path: string): { [k: string]: Json } {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, `expected an object, got ${show(v)}`);
    return v;
  }

  arr(v: Json | undefined, path: string): Json[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, got ${show(v)}`);
    return v;
  }

  str(v: Json | undefined, path: string): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, got ${show(v)}`);
    return v;
  }

  /** A whole number: a JSON number or a "0x..." / decimal string, within the safe range. */
  num(v: Json | undefined, path: string, max = Number.MAX_SAFE_INTEGER): number {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) n = Number(v);
    else this.fail(path, `expected a number or a hex string like "0x400000", got ${show(v)}`);
    if (!Number.isSafeInteger(n) || n < 0 || n > max) this.fail(path, `${show(v)} is out of range 0..${max}`);
    return n;
  }

  optNum(v: Json | undefined, path: string, max?: number): number | undefined {
    return v === undefined ? undefined : this.num(v, path, max);
  }
}

function show(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

const PERMS = /^[r-][w-][x-][ps]$/;
const ADDR_MAX = 2 ** 47;

function contents(c: Checker, v: Json | undefined, path: string): Contents {
  const o = c.obj(v, path);
  if ('text' in o) return { text: c.str(o.text, `${path}.text`) };
  if ('hex' in o) {
    const h = c.str(o.hex, `${path}.hex`);
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) c.fail(`${path}.hex`, 'expected an even number of hex digits');
    return { hex: h };
  }
  if ('base64' in o) return { base64: c.str(o.base64, `${path}.base64`) };
  if ('generate' in o) {
    const g = c.str(o.generate, `${path}.generate`);
    if (g !== 'random' && g !== 'pattern' && g !== 'code' && g !== 'zero') {
      c.fail(`${path}.generate`, `expected "random", "pattern", "code" or "zero", got ${show(g)}`);
    }
    const seed = c.optNum(o.seed, `${path}.seed`, 0xffffffff);
    return seed === undefined ? { generate: g } : { generate: g, seed };
  }
  if ('blob' in o) {
    const b = c.obj(o.blob, `${path}.blob`);
    return {
      blob: {
        file: c.str(b.file, `${path}.blob.file`), offset: c.num(b.offset, `${path}.blob.offset`),
        length: c.num(b.length, `${path}.blob.length`),
      },
    };
  }
  c.fail(path, 'expected one of text, hex, base64, generate, blob');
}

function file(c: Checker, v: Json, path: string): SampleFile {
  const o = c.obj(v, path);
  const f: SampleFile = { path: c.str(o.path, `${path}.path`) };
  if (o.contents !== undefined || o.ranges === undefined) f.contents = contents(c, o.contents, `${path}.contents`);
  if (!f.path.startsWith('/')) c.fail(`${path}.path`, `expected an absolute path, got ${show(f.path)}`);
  const size = c.optNum(o.size, `${path}.size`, 1 << 30);
  if (size !== undefined) f.size = size;
  if (o.ranges !== undefined) {
    if (size === undefined) c.fail(`${path}.size`, 'a file given by ranges needs its size');
    f.ranges = c.arr(o.ranges, `${path}.ranges`).map((r, i) => {
      const at = `${path}.ranges[${i}]`;
      const ro = c.obj(r, at);
      const offset = c.num(ro.offset, `${at}.offset`, size);
      const rc = contents(c, ro.contents, `${at}.contents`);
      if ('generate' in rc) c.fail(`${at}.contents`, 'a range holds literal or blob contents, not generated ones');
      if ('blob' in rc && offset + rc.blob.length > size) {
        c.fail(`${at}.contents.blob.length`, `range ${offset}+${rc.blob.length} ends beyond the file's size ${size}`);
      }
      return { offset, contents: rc };
    });
  }
  return f;
}

function vma(c: Checker, v: Json, path: string): SampleVma {
  const o = c.obj(v, path);
  const start = c.num(o.start, `${path}.start`, ADDR_MAX);
  const end = c.num(o.end, `${path}.end`, ADDR_MAX);
  if (start % 4096) c.fail(`${path}.start`, `0x${start.toString(16)} is not page aligned`);
  if (end % 4096) c.fail(`${path}.end`, `0x${end.toString(16)} is not page aligned`);
  if (end <= start) c.fail(`${path}.end`, `end 0x${end.toString(16)} is not above start 0x${start.toString(16)}`);
  const perms = c.str(o.perms, `${path}.perms`);
  if (!PERMS.test(perms)) c.fail(`${path}.perms`, `expected four letters like "rw-p" or "r--s", got ${show(perms)}`);
  const out: SampleVma = { start, end, perms };
  if (o.file !== undefined) out.file = c.str(o.file, `${path}.file`);
  const pgoff = c.optNum(o.pgoff, `${path}.pgoff`);
  if (pgoff !== undefined) out.pgoff = pgoff;
  if (o.flags !== undefined) {
    out.flags = c.arr(o.flags, `${path}.flags`).map((f, i) => {
      const name = c.str(f, `${path}.flags[${i}]`);
      if (!(name in VM_FLAG_NAMES)) c.fail(`${path}.flags[${i}]`, `unknown vm_flags bit ${show(name)}`);
      return name;
    });
  }
  const vmFlags = c.optNum(o.vmFlags, `${path}.vmFlags`, 0xffffffff);
  if (vmFlags !== undefined) out.vmFlags = vmFlags;
  if (o.label !== undefined) out.label = c.str(o.label, `${path}.label`);
  return out;
}

function hexStr(c: Checker, v: Json | undefined, path: string): string {
  const s = c.str(v, path);
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(s)) c.fail(path, `expected a hex address like "0x7fff0000", got ${show(s)}`);
  return s;
}

function skippedVma(c: Checker, v: Json, path: string): SampleSkippedVma {
  const o = c.obj(v, path);
  const perms = c.str(o.perms, `${path}.perms`);
  if (!PERMS.test(perms)) c.fail(`${path}.perms`, `expected four letters like "rw-p" or "r--s", got ${show(perms)}`);
  const out: SampleSkippedVma = {
    start: hexStr(c, o.start, `${path}.start`), end: hexStr(c, o.end, `${path}.end`), perms, reason: c.str(o.reason, `${path}.reason`),
  };
  if (o.file !== undefined) out.file = c.str(o.file, `${path}.file`);
  if (o.flags !== undefined) out.flags = c.arr(o.flags, `${path}.flags`).map((f, i) => c.str(f, `${path}.flags[${i}]`));
  if (o.label !== undefined) out.label = c.str(o.label, `${path}.label`);
  return out;
}

function ldt(c: Checker, v: Json, path: string): SampleLdtEntry {
  const o = c.obj(v, path);
  const bit = (k: string): number | undefined => c.optNum(o[k], `${path}.${k}`, 1);
  const e: SampleLdtEntry = {
    entry: c.num(o.entry, `${path}.entry`, 8191), base: c.num(o.base, `${path}.base`, 0xffffffff),
    limit: c.num(o.limit, `${path}.limit`, 0xfffff),
  };
  const contentsBits = c.optNum(o.contents, `${path}.contents`, 3);
  if (contentsBits !== undefined) e.contents = contentsBits;
  for (const k of ['seg32bit', 'readExecOnly', 'limitInPages', 'segNotPresent', 'useable'] as const) {
    const b = bit(k);
    if (b !== undefined) e[k] = b;
  }
  return e;
}

function activity(c: Checker, v: Json, path: string): Activity {
  const o = c.obj(v, path);
  const op = c.str(o.op, `${path}.op`);
  const start = c.num(o.start, `${path}.start`, ADDR_MAX);
  switch (op) {
    case 'read':
      return { op, start, pages: c.num(o.pages, `${path}.pages`, 1 << 26) };
    case 'write': {
      const a: Activity = { op, start };
      const pages = c.optNum(o.pages, `${path}.pages`, 1 << 26);
      if (pages !== undefined) a.pages = pages;
      if (o.contents !== undefined) a.contents = contents(c, o.contents, `${path}.contents`);
      if (pages === undefined && a.contents === undefined) c.fail(path, 'a write needs pages or contents');
      if (o.force !== undefined) {
        if (typeof o.force !== 'boolean') c.fail(`${path}.force`, `expected true or false, got ${show(o.force)}`);
        if (o.force) a.force = true;
      }
      return a;
    }
    case 'mprotect': {
      const perms = c.str(o.perms, `${path}.perms`);
      if (!PERMS.test(perms)) c.fail(`${path}.perms`, `expected four letters like "r--p", got ${show(perms)}`);
      return { op, start, pages: c.num(o.pages, `${path}.pages`, 1 << 26), perms };
    }
    default:
      c.fail(`${path}.op`, `expected "read", "write" or "mprotect", got ${show(op)}`);
  }
}

/** Checks a parsed JSON value against the sample format; `where` names the file in errors. */
export function parseSample(value: unknown, where: string): Sample {
  const c = new Checker(where);
  const o = c.obj(value as Json, '$');
  if (o.format !== 'ckpt-sample') c.fail('$.format', `expected "ckpt-sample", got ${show(o.format)}`);
  if (o.version !== 1) c.fail('$.version', `expected 1 (this ckpt reads sample format 1), got ${show(o.version)}`);
  const comm = c.str(o.comm, '$.comm');
  const pid = c.num(o.pid, '$.pid', 0x3fffff);
  const mmObj = c.obj(o.mm, '$.mm');
  const mm = {} as Sample['mm'];
  for (const f of MM_SAMPLE_FIELDS) mm[f] = c.num(mmObj[f] ?? 0, `$.mm.${f}`, ADDR_MAX);
  if (mmObj.flags !== undefined) mm.flags = c.num(mmObj.flags, '$.mm.flags', 0xffffffff);
  const sample: Sample = {
    format: 'ckpt-sample', version: 1, comm, pid, mm,
    files: c.arr(o.files ?? [], '$.files').map((f, i) => file(c, f, `$.files[${i}]`)),
    vmas: c.arr(o.vmas, '$.vmas').map((v, i) => vma(c, v, `$.vmas[${i}]`)),
    ldt: c.arr(o.ldt ?? [], '$.ldt').map((l, i) => ldt(c, l, `$.ldt[${i}]`)),
    activity: c.arr(o.activity ?? [], '$.activity').map((a, i) => activity(c, a, `$.activity[${i}]`)),
  };
  if (o.description !== undefined) sample.description = c.str(o.description, '$.description');
  if (o.warnings !== undefined) sample.warnings = c.arr(o.warnings, '$.warnings').map((w, i) => c.str(w, `$.warnings[${i}]`));
  if (o.skipped !== undefined) sample.skipped = c.arr(o.skipped, '$.skipped').map((v, i) => skippedVma(c, v, `$.skipped[${i}]`));
  sample.vmas.forEach((v, i) => {
    const prev = sample.vmas[i - 1];
    if (prev && v.start < prev.end) {
      c.fail(`$.vmas[${i}].start`, `0x${v.start.toString(16)} overlaps or precedes $.vmas[${i - 1}] (ends 0x${prev.end.toString(16)}); VMAs must be sorted and disjoint`);
    }
    if (v.file !== undefined && !sample.files.some((f) => f.path === v.file)) {
      c.fail(`$.vmas[${i}].file`, `${show(v.file)} is not among $.files`);
    }
  });
  return sample;
}

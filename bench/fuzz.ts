// The image fuzzer: mutates valid v1 and v2 images (bit flips, truncations, field edits, spliced
// records; for v2, optionally with every checksum recomputed so the checks behind them are
// reached) and feeds each case to inspect and to restart under both profiles. It counts
// rejections by errno, and crashes: an exception that is not a one-line image error, a case
// that does not end within its event budget, or (hardened) a failed restart that changed the
// restarting task. `npm run fuzz -- [cases] [seed]` runs it longer than the test suite does.

import { pathToFileURL } from 'node:url';
import { checkpoint, restart, type Outcome } from '../source/ckpt/engine.js';
import { preflight } from '../source/ckpt/preflight.js';
import { PROFILES, type ProfileName } from '../source/ckpt/profile.js';
import { CrError, printable } from '../source/image/errors.js';
import type { FormatName } from '../source/image/io.js';
import { detectFormat, readerFor, writerFor } from '../source/image/open.js';
import { MemorySink } from '../source/image/sink.js';
import { BufferSource } from '../source/image/source.js';
import { decodeV1, type Decoded } from '../source/image/v1/inspect.js';
import { crc32c } from '../source/image/v2/crc32c.js';
import { decodeV2 } from '../source/image/v2/inspect.js';
import { recordCrc, V2_HDR } from '../source/image/v2/format.js';
import { Kernel, type Task } from '../source/kernel/task.js';
import { buildTask, loadSample, RESTARTER, type Sample } from '../source/sample/index.js';

/** mulberry32: a small seeded PRNG, so that every case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Everything of a task a restart may change: comm, mm layout and flags, VMAs, page contents, LDT. */
export function snapshotTask(task: Task): string {
  const mm = task.mm;
  const parts: string[] = [task.comm, String(mm.flags)];
  for (const k of ['startCode', 'endCode', 'startData', 'endData', 'startBrk', 'brk', 'startStack', 'argStart', 'argEnd', 'envStart', 'envEnd'] as const) {
    parts.push(String(mm[k]));
  }
  for (const v of mm.vmas) parts.push(`${v.start}-${v.end}:${v.flags}:${v.pgoff}:${v.file?.path ?? ''}:${v.pageProt}`);
  for (const vpn of [...mm.ptes.keys()].sort((a, b) => a - b)) {
    const pte = mm.ptes.get(vpn)!;
    parts.push(`${vpn}:${pte.writable}:${crc32c(pte.page.data())}`);
  }
  parts.push(crc32c(mm.context.ldt).toString(16), String(mm.context.size));
  return parts.join('|');
}

/** A valid image to mutate, with the sample whose files the restarting task needs. */
export interface Base {
  name: string;
  format: FormatName;
  image: Buffer;
  sample: Sample;
}

export function makeBases(samples: string[] = ['samples/hello.json', 'samples/ldt.json', 'samples/readonly.json']): Base[] {
  const bases: Base[] = [];
  for (const file of samples) {
    const sample = loadSample(file);
    for (const format of ['v1', 'v2'] as const) {
      const task = buildTask(new Kernel(), sample);
      const sink = new MemorySink();
      const run = checkpoint(task, writerFor(format, sink, task.pid), { time: 1217444400n });
      for (let r = run.events.next(); !r.done; r = run.events.next());
      bases.push({ name: `${file.replace(/^.*\//, '')}:${format}`, format, image: sink.image!, sample });
    }
  }
  return bases;
}

/** Recomputes every v2 record CRC and run trailer it can find, so a mutation reaches the checks behind them. */
export function fixV2Checksums(b: Buffer): void {
  let off = 0;
  while (off + 16 <= b.length) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    if (off + 16 + len > b.length) return;
    const payload = b.subarray(off + 16, off + 16 + len);
    b.writeUInt32LE(recordCrc(type, len, b.readUInt32LE(off + 8), payload), off + 12);
    off += 16 + len;
    if (type !== V2_HDR.PAGE_RUNS || len < 8) continue;
    const nruns = payload.readUInt32LE(0);
    if (8 + nruns * 16 !== len) return;
    for (let i = 0; i < nruns; i++) {
      const n = Number(payload.readBigUInt64LE(8 + i * 16 + 8));
      if (!(n >= 0) || off + n * 4096 + 8 > b.length) return;
      b.writeUInt32LE(crc32c(b.subarray(off, off + n * 4096)), off + n * 4096);
      b.writeUInt32LE(i, off + n * 4096 + 4);
      off += n * 4096 + 8;
    }
  }
}

const INTERESTING = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Record (and raw data) boundaries of an image, from its decoder: where field edits and splices aim. */
function boundaries(base: Base): Rec[] {
  const d: Decoded = base.format === 'v2' ? decodeV2(new BufferSource(base.image)) : decodeV1(new BufferSource(base.image));
  return d.records.map((r) => ({ offset: r.offset, length: r.length, kind: r.kind }));
}

interface Rec {
  offset: number;
  length: number;
  kind: string;
}

export type MutationKind = 'flip' | 'truncate' | 'field' | 'splice' | 'vma';

export interface Case {
  seed: number;
  base: Base;
  kind: MutationKind;
  fixedCrc: boolean;
  image: Buffer;
}

/** The mutated image of case `seed`: deterministic for a seed and a list of bases. */
export function makeCase(seed: number, bases: Base[], cache = new Map<Base, Rec[]>()): Case {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const base = bases[int(bases.length)]!;
  let recs = cache.get(base);
  if (!recs) cache.set(base, (recs = boundaries(base)));
  const kinds: MutationKind[] = ['flip', 'truncate', 'field', 'field', 'splice', 'vma'];
  const kind = kinds[int(kinds.length)]!;
  let image = Buffer.from(base.image);
  switch (kind) {
    case 'flip': {
      const n = 1 + int(8);
      for (let i = 0; i < n; i++) image[int(image.length)]! ^= 1 << int(8);
      break;
    }
    case 'truncate':
      image = image.subarray(0, int(image.length));
      break;
    case 'field': {
      const rec = recs[int(recs.length)]!;
      const at = rec.offset + int(Math.min(rec.length, 96));
      const width = [1, 2, 4, 8][int(4)]!;
      const v = r() < 0.7 ? INTERESTING[int(INTERESTING.length)]! : int(0x100000000);
      const delta = r() < 0.2 ? (r() < 0.5 ? -1 : 1) : 0;
      if (at + width > image.length) break;
      if (width === 1) image.writeUInt8((v + delta) & 0xff, at);
      else if (width === 2) image.writeUInt16LE((v + delta) & 0xffff, at);
      else if (width === 4) image.writeUInt32LE((v + delta) >>> 0, at);
      else image.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v + delta) * (r() < 0.3 ? 0x100000000n : 1n)), at);
      break;
    }
    case 'vma': {
      // a VMA's range stretched, shrunk or moved: huge VMAs, VMAs that overlap, pages left outside
      const vmas = recs.filter((x) => x.kind === 'CR_HDR_VMA');
      const v = vmas[int(vmas.length)];
      if (!v) break;
      const at = v.offset + (base.format === 'v2' ? 16 : 8) + (r() < 0.5 ? 8 : 16);
      const old = image.readBigUInt64LE(at);
      const choices = [0n, 0x1000n, 0x400000n, old - 0x1000n, old + 0x1000n, old << 4n, 0x7ffffffff000n, 0x800000000000n, (1n << 64n) - 0x1000n];
      image.writeBigUInt64LE(BigInt.asUintN(64, choices[int(choices.length)]!), at);
      break;
    }
    case 'splice': {
      const a = recs[int(recs.length)]!;
      const b = recs[int(recs.length)]!;
      const chunk = Buffer.from(image.subarray(a.offset, a.offset + a.length));
      const how = int(3);
      if (how === 0) image = Buffer.concat([image.subarray(0, b.offset), chunk, image.subarray(b.offset)]); // duplicate
      else if (how === 1) image = Buffer.concat([image.subarray(0, a.offset), image.subarray(a.offset + a.length)]); // remove
      else {
        const same = bases.filter((x) => x.format === base.format);
        const other = same[int(same.length)] ?? base; // a record from another image of the format
        const orecs = cache.get(other) ?? boundaries(other);
        cache.set(other, orecs);
        const o = orecs[int(orecs.length)]!;
        image = Buffer.concat([image.subarray(0, b.offset), other.image.subarray(o.offset, o.offset + o.length), image.subarray(b.offset + b.length)]);
      }
      break;
    }
  }
  const fixedCrc = base.format === 'v2' && r() < 0.6;
  if (fixedCrc) fixV2Checksums(image);
  return { seed, base, kind, fixedCrc, image };
}

export type Target = 'inspect' | 'restart-rfc2008' | 'restart-hardened';

export interface Tally {
  cases: number;
  accepted: Record<Target, number>;
  rejected: Record<Target, Record<string, number>>;
  crashes: { seed: number; target: Target; base: string; kind: string; what: string }[];
  /** Hardened restarts that failed and left the task changed (must be 0). */
  changed: number;
  /** Failed restarts that crossed the point of no return, by profile (rfc2008's are the seed's defect 9). */
  halfBuilt: Record<'rfc2008' | 'hardened', number>;
  maxCaseMs: number;
  maxRssMiB: number;
}

export function newTally(): Tally {
  const t = (): Record<Target, number> => ({ inspect: 0, 'restart-rfc2008': 0, 'restart-hardened': 0 });
  return {
    cases: 0, accepted: t(), rejected: { inspect: {}, 'restart-rfc2008': {}, 'restart-hardened': {} }, crashes: [], changed: 0,
    halfBuilt: { rfc2008: 0, hardened: 0 }, maxCaseMs: 0, maxRssMiB: 0,
  };
}

/** Events one restart may take before it counts as a hang. */
const EVENT_BUDGET = 2_000_000;

/** A rejection must be one line that names the record or the offset. */
function oneLine(s: string): boolean {
  return !s.includes('\n') && /offset \d+|byte \d+/.test(s);
}

function restartOnce(c: Case, profile: ProfileName, tally: Tally): void {
  const target: Target = `restart-${profile}`;
  const kernel = new Kernel();
  const task = buildTask(kernel, RESTARTER);
  for (const f of buildTask(kernel, c.base.sample).root.list()) task.root.addFile(f.path, f.data);
  const before = profile === 'hardened' ? snapshotTask(task) : '';
  const crash = (what: string) => tally.crashes.push({ seed: c.seed, target, base: c.base.name, kind: c.kind, what });
  let outcome: Outcome | null = null;
  let ponr = false;
  try {
    const reader = readerFor(new BufferSource(c.image), 'image');
    const run = restart(task, reader, { profile: PROFILES[profile], preflight });
    for (let n = 0; n < EVENT_BUDGET; n++) {
      const r = run.events.next();
      if (r.done) {
        outcome = r.value;
        break;
      }
    }
    ponr = run.ctx.pastPointOfNoReturn;
  } catch (e) {
    if (e instanceof Error && /not a ckpt image/.test(e.message)) {
      tally.rejected[target].ENOEXEC = (tally.rejected[target].ENOEXEC ?? 0) + 1;
      return;
    }
    crash(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    return;
  }
  if (!outcome) return void crash(`no end within ${EVENT_BUDGET} events`);
  if (outcome.ok) {
    tally.accepted[target]++;
    return;
  }
  const err = outcome.error;
  if (!(err instanceof CrError) || !oneLine(err.describe())) return void crash(`rejection not one line: ${err.describe()}`);
  tally.rejected[target][err.errno] = (tally.rejected[target][err.errno] ?? 0) + 1;
  if (ponr) tally.halfBuilt[profile]++;
  if (profile === 'hardened' && snapshotTask(task) !== before) {
    tally.changed++;
    crash(`hardened restart failed (${err.describe()}) and changed the restarting task`);
  }
}

function inspectOnce(c: Case, tally: Tally): void {
  try {
    const src = new BufferSource(c.image);
    const format = detectFormat(src) ?? 'v1';
    const d = format === 'v2' ? decodeV2(src) : decodeV1(src);
    if (!d.failure) {
      tally.accepted.inspect++;
      return;
    }
    const line = printable(`malformed at byte ${d.failure.offset} (${d.failure.record}): -${d.failure.errno}: ${d.failure.reason}`);
    if (!oneLine(line)) throw new Error(`not one line: ${line}`);
    tally.rejected.inspect[d.failure.errno] = (tally.rejected.inspect[d.failure.errno] ?? 0) + 1;
  } catch (e) {
    tally.crashes.push({ seed: c.seed, target: 'inspect', base: c.base.name, kind: c.kind, what: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}

/** Runs cases [first, first + count) and adds them to the tally. */
export function fuzz(bases: Base[], first: number, count: number, tally: Tally = newTally()): Tally {
  const cache = new Map<Base, Rec[]>();
  for (let seed = first; seed < first + count; seed++) {
    const t0 = performance.now();
    const c = makeCase(seed, bases, cache);
    inspectOnce(c, tally);
    restartOnce(c, 'rfc2008', tally);
    restartOnce(c, 'hardened', tally);
    tally.cases++;
    tally.maxCaseMs = Math.max(tally.maxCaseMs, performance.now() - t0);
    if (seed % 256 === 0) tally.maxRssMiB = Math.max(tally.maxRssMiB, process.memoryUsage().rss / 2 ** 20);
  }
  tally.maxRssMiB = Math.max(tally.maxRssMiB, process.memoryUsage().rss / 2 ** 20);
  return tally;
}

export function report(t: Tally): string[] {
  const errnos = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const lines = [`cases ${t.cases}`];
  for (const target of ['inspect', 'restart-rfc2008', 'restart-hardened'] as const) {
    const rej = Object.values(t.rejected[target]).reduce((s, n) => s + n, 0);
    lines.push(`  ${target.padEnd(17)} accepted ${t.accepted[target]}, rejected ${rej}: ${errnos(t.rejected[target])}`);
  }
  lines.push(`  failed after the point of no return: rfc2008 ${t.halfBuilt.rfc2008}, hardened ${t.halfBuilt.hardened}`);
  lines.push(`  hardened failures that changed the task: ${t.changed}`);
  lines.push(`  crashes ${t.crashes.length}`);
  for (const c of t.crashes.slice(0, 10)) lines.push(`    seed ${c.seed} ${c.target} ${c.base} ${c.kind}: ${c.what}`);
  lines.push(`  slowest case ${t.maxCaseMs.toFixed(1)} ms, peak RSS ${t.maxRssMiB.toFixed(0)} MiB`);
  return lines;
}

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 50_000);
  const seed = Number(process.argv[3] ?? 1);
  const bases = makeBases();
  const t0 = Date.now();
  const tally = newTally();
  const step = 5_000;
  for (let done = 0; done < cases; done += step) {
    fuzz(bases, seed + done, Math.min(step, cases - done), tally);
    process.stderr.write(`  ${tally.cases} cases, ${tally.crashes.length} crashes, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  for (const line of report(tally)) process.stdout.write(line + '\n');
  process.stdout.write(`  ${((Date.now() - t0) / 1000).toFixed(1)} s, seeds ${seed}..${seed + cases - 1}\n`);
  process.exitCode = tally.crashes.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}

// Benchmark: `ckpt capture` against gdb's `gcore` on the same process, a child with 1 GiB of
// dirty anonymous memory resident. Both run as separate processes, alternately, several times;
// prints each one's median wall time and output size, and the ratio (the goal: capture within 2x).
// Needs Linux, ptrace access to the child (the child is ours), and gcore for the comparison: without
// gcore it says so and measures capture alone. Run with `npm run bench:capture`.
//
//   node dist/bench/capture-bench.js [--mib N] [--runs N] [--dir DIR] [--json]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../cli.js');
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const MIB = Number(opt('mib', '1024'));
const RUNS = Number(opt('runs', '3'));
const json = args.includes('--json');
const MiB = 1024 * 1024;

function hasGcore(): boolean {
  return spawnSync('gcore', ['--help'], { encoding: 'utf8' }).error === undefined;
}

/** A node child that fills MIB MiB of memory with random bytes, keeps it resident, and waits. */
async function startHog(mib: number): Promise<ChildProcess> {
  const script = `
    const { randomFillSync } = require('node:crypto');
    const keep = [];
    for (let i = 0; i < ${mib}; i += 64) keep.push(randomFillSync(Buffer.allocUnsafeSlow(Math.min(64, ${mib} - i) * 1048576)));
    globalThis.keep = keep;
    console.log('ready');
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the memory hog exited with ${code}`)));
  });
  return child;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function timed(cmd: string, argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

async function main(): Promise<number> {
  if (process.platform !== 'linux') {
    console.error('capture-bench: needs Linux (/proc); skipped');
    return 0;
  }
  if (!fs.existsSync(CLI)) {
    console.error(`capture-bench: ${CLI} not found: run npm run build first`);
    return 1;
  }
  const gcore = hasGcore();
  const dir = fs.mkdtempSync(path.join(opt('dir', os.tmpdir()), 'ckpt-capture-bench-'));
  const hog = await startHog(MIB);
  const pid = hog.pid!;
  const captureTimes: number[] = [];
  const gcoreTimes: number[] = [];
  let captureBytes = { json: 0, pages: 0 };
  let coreBytes = 0;
  try {
    const rss = rssMiB(pid);
    if (!json) console.log(`child pid ${pid}: ${rss.toFixed(0)} MiB resident; ${RUNS} run(s) each${gcore ? '' : ' (gcore not found: capture alone)'}`);
    for (let run = 0; run < RUNS; run++) {
      const sample = path.join(dir, 'bench.json');
      captureTimes.push(timed(process.execPath, [CLI, 'capture', String(pid), '-o', sample]));
      captureBytes = { json: size(sample), pages: size(`${sample}.pages`) };
      fs.rmSync(sample, { force: true });
      fs.rmSync(`${sample}.pages`, { force: true });
      if (gcore) {
        const prefix = path.join(dir, 'core');
        gcoreTimes.push(timed('gcore', ['-o', prefix, String(pid)]));
        coreBytes = size(`${prefix}.${pid}`);
        fs.rmSync(`${prefix}.${pid}`, { force: true });
      }
      if (!json) {
        console.log(`  run ${run + 1}: capture ${captureTimes[run]!.toFixed(2)} s` + (gcore ? `, gcore ${gcoreTimes[run]!.toFixed(2)} s` : ''));
      }
    }
    const result = {
      residentMiB: Math.round(rss), runs: RUNS,
      capture: { seconds: median(captureTimes), sampleBytes: captureBytes.json, pagesBytes: captureBytes.pages },
      gcore: gcore ? { seconds: median(gcoreTimes), coreBytes } : null,
      ratio: gcore ? median(captureTimes) / median(gcoreTimes) : null,
    };
    if (json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(`capture  median ${result.capture.seconds.toFixed(2)} s; sample ${result.capture.sampleBytes} bytes + pages ${result.capture.pagesBytes} bytes (${(result.capture.pagesBytes / MiB).toFixed(0)} MiB)`);
      if (result.gcore) {
        console.log(`gcore    median ${result.gcore.seconds.toFixed(2)} s; core ${result.gcore.coreBytes} bytes (${(result.gcore.coreBytes / MiB).toFixed(0)} MiB)`);
        console.log(`ratio    capture / gcore = ${result.ratio!.toFixed(2)} (goal: at most 2.00) ${result.ratio! <= 2 ? 'ok' : 'SLOWER THAN THE GOAL'}`);
      }
    }
    return result.ratio !== null && result.ratio > 2 ? 1 : 0;
  } finally {
    hog.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => (process.exitCode = code), (e: unknown) => {
  console.error(`capture-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});

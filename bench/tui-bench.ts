// Measures what the debugger costs, in a real pseudo-terminal:
//  1. run mode: `ckpt debug checkpoint SAMPLE -o IMAGE --run` (drawing all the way) against the
//     headless `ckpt checkpoint SAMPLE -o IMAGE`, wall time from spawn to the end, and the ratio;
//  2. keypress latency while paused: in the demo, press n and time until the screen has changed,
//     many times; median and p95.
//
//   npm run build && npm run bench:tui [-- SAMPLE] [--runs N] [--presses N]
//
// SAMPLE defaults to samples/bench-1g.json (1 GiB resident). The terminal is 120x40.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import * as pty from 'node-pty';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const runs = opt('--runs', 5);
const presses = opt('--presses', 60);
const sample = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? path.join(root, 'samples', 'bench-1g.json');
const COLS = 120;
const ROWS = 40;
// images go to memory-backed /dev/shm when there is one: a 1 GiB write to disk varies by seconds
const tmpBase = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const tmp = fs.mkdtempSync(path.join(tmpBase, 'ckpt-tui-bench-'));
const image = path.join(tmp, 'bench.img');

function env(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') e[k] = v;
  return { ...e, TERM: 'xterm-256color' };
}

/** The headless command: spawn to exit. */
function headless(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'checkpoint', sample, '-o', image], { cwd: root, stdio: 'ignore', env: env() });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ckpt checkpoint exited ${code}`))));
  });
}

interface Pty {
  text(): string;
  /** Resolves at the first screen state for which test() holds, checked after every write. */
  until(test: (screen: string) => boolean, timeoutMs: number): Promise<number>;
  press(keys: string): void;
  exited: Promise<number>;
}

function openPty(argv: string[]): Pty {
  const term = new xterm.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
  const child = pty.spawn(process.execPath, [cli, ...argv], { name: 'xterm-256color', cols: COLS, rows: ROWS, cwd: root, env: env() });
  const waiters = new Set<() => void>();
  child.onData((d) => term.write(d, () => {
    for (const w of [...waiters]) w();
  }));
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  const text = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < ROWS; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return out.join('\n');
  };
  return {
    text,
    until: (test, timeoutMs) => new Promise((resolve, reject) => {
      if (test(text())) return resolve(performance.now());
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out; screen:\n${text()}`));
      }, timeoutMs);
      const check = () => {
        if (!test(text())) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(performance.now());
      };
      waiters.add(check);
    }),
    press: (keys) => child.write(keys),
    exited,
  };
}

/** The debugger in run mode: spawn until the status line says finished. */
async function drawn(): Promise<number> {
  const t0 = performance.now();
  const p = openPty(['debug', 'checkpoint', sample, '-o', image, '--run']);
  const t1 = await p.until((s) => /■ finished|✗ failed/.test(s), 600_000);
  if (/✗ failed/.test(p.text())) throw new Error(`the debugger failed:\n${p.text()}`);
  p.press('q');
  const code = await p.exited;
  if (code !== 0) throw new Error(`the debugger exited ${code}`);
  return t1 - t0;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function latency(): Promise<number[]> {
  const p = openPty([]);
  await p.until((s) => s.includes('cr_write_head'), 30_000);
  await new Promise((r) => setTimeout(r, 300));
  const out: number[] = [];
  for (let i = 0; i < presses; i++) {
    if (p.text().includes('■ finished')) break;
    const before = p.text();
    const t0 = performance.now();
    p.press('n');
    const t1 = await p.until((s) => s !== before, 10_000);
    out.push(t1 - t0);
    await new Promise((r) => setTimeout(r, 60)); // let the frame settle before the next key
  }
  p.press('q');
  await p.exited;
  return out;
}

async function main(): Promise<void> {
  if (!fs.existsSync(cli)) throw new Error('build first: npm run build');
  if (!fs.existsSync(sample)) throw new Error(`no sample ${sample}`);
  console.log(`ckpt TUI bench: ${path.relative(root, sample)}, ${runs} run(s) each, images in ${tmpBase}, terminal ${COLS}x${ROWS}, node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
  const h: number[] = [];
  const d: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    // interleaved, alternating which goes first, so that load from elsewhere hits both alike
    if (i % 2 === 0) {
      h.push(await headless());
      d.push(await drawn());
    } else {
      d.push(await drawn());
      h.push(await headless());
    }
    ratios.push(d[i]! / h[i]!);
    console.log(`  run ${i + 1}: headless ${ms(h[i]!)}, debugger --run ${ms(d[i]!)}, ratio ${ratios[i]!.toFixed(3)}`);
  }
  console.log(`run mode: headless median ${ms(median(h))} (best ${ms(Math.min(...h))}), debugger median ${ms(median(d))} (best ${ms(Math.min(...d))})`);
  console.log(`  ratio: median of pairs ${median(ratios).toFixed(3)}, of medians ${(median(d) / median(h)).toFixed(3)}, of bests ${(Math.min(...d) / Math.min(...h)).toFixed(3)} (bar: <= 1.25)`);
  const lat = await latency();
  console.log(`keypress -> screen while paused (n, ${lat.length} presses): median ${ms(median(lat))}, p95 ${ms(quantile(lat, 0.95))}, max ${ms(Math.max(...lat))} (bar: < 100 ms)`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(`tui-bench: ${e instanceof Error ? e.message : String(e)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exitCode = 1;
});

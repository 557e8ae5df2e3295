// ckpt debug checkpoint SAMPLE [-o IMAGE] | ckpt debug restart IMAGE [--into SAMPLE]: the Ink
// debugger on any sample or image. On a terminal it draws; otherwise (stdout or stdin not a TTY,
// TERM=dumb, CI) it prints plain progress lines and exits with the engine's result. The UI is
// imported only here, after cli.tsx has mapped NO_COLOR / TERM=dumb / --no-color to FORCE_COLOR=0.

import { preflight } from '../ckpt/preflight.js';
import type { Breakpoint, JobOptions, Stage } from '../session/index.js';
import { BreakpointSyntaxError, debugCheckpointJob, debugRestartJob, parseBreakpoint } from '../session/index.js';
import { UsageError, str, type CommandIo, type Flags, type Command } from './command.js';
import { formatOf, profileOf } from './options.js';

export const DEFAULT_AUTOPLAY_MS = 700;

export interface DebuggerFlags {
  breakpoints: Breakpoint[];
  running: boolean;
  autoplayMs: number | null;
}

/** --break (repeatable), --run, --autoplay[=MS]. */
export function debuggerFlags(flags: Flags): DebuggerFlags {
  const raw = flags.break;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const breakpoints: Breakpoint[] = [];
  for (const text of list) {
    for (const part of text.split(',')) {
      try {
        breakpoints.push(parseBreakpoint(part.trim()));
      } catch (e) {
        if (e instanceof BreakpointSyntaxError) throw new UsageError(e.message);
        throw e;
      }
    }
  }
  const a = flags.autoplay;
  let autoplayMs: number | null = null;
  if (a !== undefined && a !== false) {
    if (a === '' || a === true) autoplayMs = DEFAULT_AUTOPLAY_MS;
    else if (typeof a === 'string' && /^\d+$/.test(a) && Number(a) >= 50 && Number(a) <= 60_000) autoplayMs = Number(a);
    else throw new UsageError(`--autoplay takes a pace in milliseconds (50 to 60000), not '${String(a)}'`);
  }
  return { breakpoints, running: flags.run === true, autoplayMs };
}

/** True when the debugger can draw and read keys: both ends are terminals that can move the cursor. */
export function canDraw(): boolean {
  const ci = process.env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
  return process.stdout.isTTY === true && process.stdin.isTTY === true && process.env.TERM !== 'dumb' && !inCi;
}

let ui: Promise<typeof import('../ui/run.js')> | null = null;

/** Starts loading Ink and the UI (slow: a WebAssembly layout engine) while the job is built. */
export function preloadUi(): void {
  if (canDraw() && !ui) {
    ui = import('../ui/run.js');
    ui.catch(() => undefined); // reported when awaited
  }
}

/** Runs stages in the debugger (drawn) or plainly, and returns the exit status. */
export async function debugStages(stages: Stage[], d: DebuggerFlags, io: CommandIo, intro: string | null): Promise<number> {
  if (!canDraw()) {
    const { runPlain } = await import('../ui/plain.js');
    return runPlain(stages, { breakpoints: d.breakpoints, out: io.out, err: io.err });
  }
  // the engine starts now (in --run it works while the UI loads)
  const { startSession } = await import('../ui/start.js');
  const started = startSession(stages, d.breakpoints, d.running);
  const { runDebugger } = await (ui ?? import('../ui/run.js'));
  return runDebugger(started, { autoplayMs: d.autoplayMs, intro, out: io.out, err: io.err });
}

export function jobOptions(flags: Flags): JobOptions {
  return { profile: profileOf(flags), format: formatOf(flags), preflight };
}

export const debugCommand: Command = {
  name: 'debug',
  summary: 'the debugger: step a checkpoint or a restart, inspect a failure',
  flags: ['output', 'into', 'profile', 'format', 'break', 'run', 'autoplay'],
  help: `Usage: ckpt debug checkpoint SAMPLE [-o IMAGE] [options]
       ckpt debug restart IMAGE [--into SAMPLE] [options]

Runs the checkpoint (cr_write_mm: per VMA scan, dump, free) or the restart (cr_read_mm) in the
terminal debugger, paused at the first phase boundary: live panes for the mm header, the VMAs,
the page-array chain and the restart progress, an event log, and a failure pane when a restart
fails. Press ? inside for the keys. When stdout is not a terminal it prints plain progress lines
instead and exits with the engine's result.

Options
  -o, --output IMAGE   checkpoint: also write the image there (default: kept in memory)
  --into SAMPLE        restart: the restarting task (its files are where names are opened)
  --break WHERE        stop at scan, dump, free, another phase, vma:N or error; repeatable
  --run                start running (to the first breakpoint) instead of paused
  --autoplay[=MS]      step by itself every MS ms (default ${DEFAULT_AUTOPLAY_MS}); any key takes over
  --profile NAME       rfc2008 (default) or hardened
  --format NAME        checkpoint image format: v1 (default) or v2

Exit status: 0 (q quits with 0; without a terminal: the engine succeeded), 1 failure, 2 usage.

Examples
  ckpt debug checkpoint samples/hello.json --break dump
  ckpt debug restart samples/bad/npages-wrapped.img --into samples/big-heap.json`,
  async run(input, flags, io) {
    const [what, target, ...rest] = input;
    if (what !== 'checkpoint' && what !== 'restart') throw new UsageError('debug takes checkpoint SAMPLE or restart IMAGE');
    if (!target || rest.length) throw new UsageError(`debug ${what} takes one ${what === 'checkpoint' ? 'SAMPLE' : 'IMAGE'}`);
    if (what === 'checkpoint' && str(flags, 'into')) throw new UsageError('--into is for debug restart');
    if (what === 'restart' && str(flags, 'output')) throw new UsageError('-o is for debug checkpoint');
    const d = debuggerFlags(flags);
    const opts = jobOptions(flags);
    preloadUi();
    const stages = what === 'checkpoint'
      ? debugCheckpointJob(target, str(flags, 'output') ?? null, opts)
      : debugRestartJob(target, str(flags, 'into') ?? null, opts);
    return debugStages(stages, d, io, null);
  },
};

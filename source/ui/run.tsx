// Runs the debugger in the terminal: draws the app with Ink, restores the terminal on q, Ctrl-C
// twice, a signal or a crash inside the UI, and prints one line about where it was left.

import { render } from 'ink';
import type { Snapshot } from '../session/index.js';
import type { StartedSession } from './start.js';
import { App, CrashBoundary } from './app.js';

export interface DebuggerOptions {
  autoplayMs: number | null;
  /** The hint line's first text (the demo's "press n ..."). */
  intro: string | null;
  out: (line: string) => void;
  err: (line: string) => void;
}

// Ink 6.8's incremental renderer moves the cursor up one line too few when the frame ends with a
// newline (every frame shorter than the terminal, which ours always is): each update lands one
// line lower. The standard renderer rewrites the frame in one write and is correct. Opt in with
// CKPT_INCREMENTAL=1 to compare.
const INCREMENTAL = process.env.CKPT_INCREMENTAL === '1';

const ALT_ON = '\x1b[?1049h';
const ALT_OFF = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** One line on where the session was left, printed after the screen is restored. */
export function farewell(s: Snapshot): string[] {
  if (s.failure) {
    const f = s.failure;
    const rec = f.record ? ` (record ${f.record.kind} #${f.record.index} at byte ${f.record.offset})` : '';
    return [`ckpt: ${f.stage} failed: -${f.errno} in ${f.fn}: ${f.check}, at byte ${f.offset}${rec}`];
  }
  if (s.state === 'finished') return s.results.map((r) => `ckpt: ${r}`);
  return [`ckpt: left the debugger ${s.state} at ${s.fn || 'the start'} (${s.stage.kind} ${s.stage.index + 1}/${s.stage.count}, ${s.phase ?? '-'}, offset ${s.imageOffset})`];
}

export async function runDebugger(started: StartedSession, opts: DebuggerOptions): Promise<number> {
  const { session } = started;
  let crash: unknown = null;
  let crashed = false;
  let unmount: (() => void) | null = null;
  const onCrash = (e: unknown) => {
    if (!crashed) {
      crashed = true;
      crash = e;
    }
    unmount?.();
  };
  started.crash.onCrash = onCrash;
  if (started.crash.seen) onCrash(started.crash.error);
  const stdout = process.stdout;
  stdout.write(ALT_ON);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    session.dispose();
    if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
    stdout.write(SHOW_CURSOR + ALT_OFF);
  };
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    unmount?.();
  };
  const onUncaught = (e: unknown) => onCrash(e);
  // before raw mode is on (or if a tool sends one) Ctrl-C is a signal: quit cleanly too
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onUncaught);
  try {
    const app = render(
      <CrashBoundary onCrash={onCrash}>
        <App session={session} autoplayMs={opts.autoplayMs} intro={opts.intro} />
      </CrashBoundary>,
      { exitOnCtrlC: false, patchConsole: false, incrementalRendering: INCREMENTAL, maxFps: 30 },
    );
    unmount = () => app.unmount();
    if (crashed) app.unmount();
    await app.waitUntilExit();
  } catch (e) {
    if (!crashed) {
      crashed = true;
      crash = e;
    }
  } finally {
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onUncaught);
    process.stdin.pause();
  }
  if (signalled && !crashed) {
    for (const line of farewell(session.getSnapshot())) opts.out(line);
    return 130;
  }
  if (crashed) {
    const e = (crash ?? {}) as { message?: string; stack?: string };
    opts.err(`ckpt: the debugger crashed: ${e.message ?? String(crash)}`);
    if (process.env.CKPT_DEBUG && e.stack) opts.err(e.stack);
    return 1;
  }
  for (const line of farewell(session.getSnapshot())) opts.out(line);
  return 0;
}

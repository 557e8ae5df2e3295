// The debugger without a terminal to draw on (stdout is not a TTY, or TERM=dumb): plain progress
// lines as the engine runs, the failure's forensics if it fails, and the engine's result as the
// exit status. Loads no Ink.

import { breakpointLabel, DebugSession, type Breakpoint, type LogLevel, type Stage } from '../session/index.js';

const SHOWN: ReadonlySet<LogLevel> = new Set(['phase', 'info', 'warning', 'defect', 'error']);

export interface PlainOptions {
  breakpoints: Breakpoint[];
  out: (line: string) => void;
  err: (line: string) => void;
}

export function runPlain(stages: Stage[], opts: PlainOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = new DebugSession(stages, { breakpoints: opts.breakpoints, notifyMs: 1000, onCrash: reject });
    session.onLog((e) => {
      if (SHOWN.has(e.level)) opts.out(`${e.level.padEnd(7)} ${e.text}`);
    });
    if (opts.breakpoints.length) opts.out(`info    breakpoints ${opts.breakpoints.map(breakpointLabel).join(', ')} are noted but not stopped at: not a terminal`);
    let last = 0;
    session.subscribe(() => {
      const s = session.getSnapshot();
      // breakpoints stop the session; with nobody at the keys, go on
      if (s.state === 'paused' && s.version !== last) {
        last = s.version;
        setImmediate(() => session.resume());
      }
    });
    session.onDone((state) => {
      const s = session.getSnapshot();
      session.dispose();
      if (state === 'failed' && s.failure) {
        const f = s.failure;
        opts.err(`ckpt: ${f.stage} failed: -${f.errno} (-${f.errnoValue}) in ${f.fn}: ${f.check}`);
        if (f.record) opts.err(`ckpt:   record ${f.record.kind} #${f.record.index} at byte ${f.record.offset}; failing offset ${f.offset}`);
        const bad = f.recordFields.find((x) => x.offending);
        if (bad) opts.err(`ckpt:   field ${bad.name} = ${bad.value} (byte ${bad.offset})`);
        if (f.stage === 'restart') {
          opts.err(`ckpt:   VMAs restored before it: ${f.restoredVmas.length ? f.restoredVmas.join(', ') : 'none'}; ${f.pastPointOfNoReturn ? 'past the point of no return: the task is half-built' : 'before the point of no return: the task is unchanged'}`);
        }
        resolve(1);
        return;
      }
      if (state === 'failed') {
        opts.err(`ckpt: ${s.stopReason}`);
        resolve(1);
        return;
      }
      resolve(0);
    });
    session.start(true);
  });
}

// ckpt (no command), ckpt demo [SAMPLE], npm start: the bundled sample checkpointed and then
// restarted in the debugger, paused at the first phase, with a hint of what to press.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoJob } from '../session/index.js';
import { UsageError, type Command } from './command.js';
import { debuggerFlags, debugStages, jobOptions, preloadUi } from './debug.js';

export const DEMO_INTRO = 'paused at the first phase · n: next phase (scan, dump, free ...)  space: run  v: next VMA  ?: help  q: quit';

/** samples/hello.json of this package, found from this module upwards (source/ or dist/source/). */
export function defaultSample(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'samples', 'hello.json');
    if (fs.existsSync(candidate)) return path.relative(process.cwd(), candidate) || candidate;
    dir = path.dirname(dir);
  }
  return 'samples/hello.json';
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the demo (also `ckpt` alone): checkpoint and restart a sample in the debugger',
  flags: ['profile', 'break', 'run', 'autoplay'],
  help: `Usage: ckpt [demo [SAMPLE]] [--break WHERE] [--run] [--autoplay[=MS]] [--profile NAME]

The demo: SAMPLE (default: the bundled samples/hello.json) is checkpointed into memory and the
image restarted into a fresh task, both in the debugger, paused at the first phase. Press n to
step from phase to phase (scan, dump, free for each VMA, then the restart's steps), space to run,
? for every key, q to quit. Options are those of ckpt debug. Without a terminal it prints plain
progress lines and exits with the result.

Examples
  ckpt
  ckpt demo samples/ldt.json --autoplay=400`,
  async run(input, flags, io) {
    if (input.length > 1) throw new UsageError('demo takes at most one SAMPLE');
    const d = debuggerFlags(flags);
    preloadUi();
    const sample = input[0] ?? defaultSample();
    const stages = demoJob(sample, jobOptions(flags));
    return debugStages(stages, d, io, d.running || d.autoplayMs !== null ? null : DEMO_INTRO);
  },
};

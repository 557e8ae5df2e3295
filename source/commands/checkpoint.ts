// ckpt checkpoint SAMPLE -o IMAGE: runs the checkpoint to the end and prints a summary.

import * as fs from 'node:fs';
import { checkpoint, type Outcome } from '../ckpt/engine.js';
import type { Engine } from '../ckpt/events.js';
import { openImageSink, writerFor } from '../image/open.js';
import { EXIT_FAILED, EXIT_OK, UsageError, str, type Command } from './command.js';
import { taskOfSample } from './load.js';
import { formatOf, profileOf } from './options.js';
import { checkpointSummary, failureLine } from './report.js';

/** Exit status of a checkpoint stopped by Ctrl-C (128 + SIGINT) or by SIGTERM (128 + 15). */
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

/** How long the engine runs between two turns of the event loop: short enough that a Ctrl-C is seen at once. */
const SLICE_MS = 20;

/** Runs an engine to its end a slice at a time, yielding to the event loop between slices; null when stopped early. */
export async function driveInSlices<T>(events: Engine<T>, stop: () => boolean): Promise<T | null> {
  for (;;) {
    const deadline = performance.now() + SLICE_MS;
    for (let i = 0; (i & 15) !== 0 || performance.now() < deadline; i++) {
      const r = events.next();
      if (r.done) return r.value;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stop()) return null;
  }
}

export const checkpointCommand: Command = {
  name: 'checkpoint',
  summary: 'checkpoint a sample process to an image, headless',
  flags: ['output', 'profile', 'format'],
  help: `Usage: ckpt checkpoint SAMPLE -o IMAGE [--profile rfc2008|hardened] [--format v1|v2]

Builds the process SAMPLE describes in the simulated kernel and checkpoints its memory with the
seed's algorithm (cr_write_mm: per VMA scan, dump, free). The image is written to a temporary
file and renamed to IMAGE only when complete: a failed or interrupted (Ctrl-C) checkpoint
leaves IMAGE as it was.

Options
  -o, --output IMAGE   where to write the image (required)
  --profile NAME       rfc2008 (default: the seed as posted, defects and all) or hardened
  --format NAME        image format: v1 (the seed's, default) or v2 (u32/u64 counts, page runs,
                       a CRC32C on every record and run, a tail with totals)

Exit status: 0 written, 1 the checkpoint failed (errno named), 2 usage, 130 interrupted.

Example
  ckpt checkpoint samples/hello.json -o hello.img`,
  async run(input, flags, io) {
    const [sample, ...rest] = input;
    if (!sample || rest.length) throw new UsageError('checkpoint takes one SAMPLE');
    const output = str(flags, 'output');
    if (!output) throw new UsageError('checkpoint needs -o IMAGE');
    const profile = profileOf(flags);
    const format = formatOf(flags);
    const { task, sample: described } = taskOfSample(sample);
    const sink = openImageSink(output);
    const run = checkpoint(task, writerFor(format, sink, task.pid, described.warnings ?? []), { profile, tracePages: false, warnings: described.warnings ?? [] });
    // The engine runs in slices so that a Ctrl-C is seen mid-run: the partial image is dropped
    // (its temporary file removed) and an existing image under that name is left as it was.
    let interrupted: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals) => {
      interrupted = sig;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let outcome: Outcome | null;
    try {
      outcome = await driveInSlices(run.events, () => interrupted !== null);
    } catch (e) {
      sink.abort();
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (outcome === null) {
      run.events.return({ ok: true });
      sink.abort();
      const where = run.ctx.fn ? ` in ${run.ctx.fn}` : '';
      io.err(`ckpt: checkpoint interrupted (${interrupted ?? 'signal'})${where} at image byte ${run.ctx.imageOffset}; ${output} not written${fs.existsSync(output) ? ' (the existing file is untouched)' : ''}`);
      return interrupted === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    }
    if (!outcome.ok) {
      io.err(`ckpt: ${failureLine('checkpoint', outcome.error, run.ctx)}; ${output} not written`);
      return EXIT_FAILED;
    }
    for (const line of checkpointSummary(run.ctx, output, fs.statSync(output).size)) io.out(line);
    return EXIT_OK;
  },
};

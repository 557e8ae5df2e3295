// ckpt checkpoint SAMPLE -o IMAGE: runs the checkpoint to the end and prints a summary.

import * as fs from 'node:fs';
import { checkpoint, runToEnd } from '../ckpt/engine.js';
import { writerFor } from '../image/open.js';
import { FileSink } from '../image/sink.js';
import { EXIT_FAILED, EXIT_OK, UsageError, str, type Command } from './command.js';
import { taskOfSample } from './load.js';
import { formatOf, profileOf } from './options.js';
import { checkpointSummary, failureLine } from './report.js';

export const checkpointCommand: Command = {
  name: 'checkpoint',
  summary: 'checkpoint a sample process to an image, headless',
  flags: ['output', 'profile', 'format'],
  help: `Usage: ckpt checkpoint SAMPLE -o IMAGE [--profile rfc2008|hardened] [--format v1]

Builds the process SAMPLE describes in the simulated kernel and checkpoints its memory with the
seed's algorithm (cr_write_mm: per VMA scan, dump, free). The image is written to a temporary
file and renamed to IMAGE only when complete: a failed checkpoint leaves IMAGE as it was.

Options
  -o, --output IMAGE   where to write the image (required)
  --profile NAME       rfc2008 (default: the seed as posted, defects and all) or hardened
  --format NAME        image format: v1 (the seed's)

Exit status: 0 written, 1 the checkpoint failed (errno named), 2 usage.

Example
  ckpt checkpoint samples/hello.json -o hello.img`,
  run(input, flags, io) {
    const [sample, ...rest] = input;
    if (!sample || rest.length) throw new UsageError('checkpoint takes one SAMPLE');
    const output = str(flags, 'output');
    if (!output) throw new UsageError('checkpoint needs -o IMAGE');
    const profile = profileOf(flags);
    const format = formatOf(flags);
    const { task } = taskOfSample(sample);
    let sink: FileSink;
    try {
      sink = new FileSink(output);
    } catch (e) {
      io.err(`ckpt: cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return EXIT_FAILED;
    }
    const run = checkpoint(task, writerFor(format, sink, task.pid), { profile });
    const outcome = (() => {
      try {
        return runToEnd(run.events);
      } catch (e) {
        sink.abort();
        throw e;
      }
    })();
    if (!outcome.ok) {
      io.err(`ckpt: ${failureLine('checkpoint', outcome.error, run.ctx)}; ${output} not written`);
      return EXIT_FAILED;
    }
    for (const line of checkpointSummary(run.ctx, output, fs.statSync(output).size)) io.out(line);
    return EXIT_OK;
  },
};

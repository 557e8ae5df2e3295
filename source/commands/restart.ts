// ckpt restart IMAGE [--into SAMPLE] [--verify SAMPLE]: restarts an image into a simulated task.

import { restart, runToEnd } from '../ckpt/engine.js';
import { preflight } from '../ckpt/preflight.js';
import { printable } from '../image/errors.js';
import { openImage } from '../image/open.js';
import { Kernel } from '../kernel/task.js';
import { buildTask, loadSample, verifyTask } from '../sample/index.js';
import { EXIT_FAILED, EXIT_OK, UsageError, str, type Command } from './command.js';
import { restartingTask } from './load.js';
import { profileOf } from './options.js';
import { defectLines, failureLine, restartSummary, verifyLines } from './report.js';

export const restartCommand: Command = {
  name: 'restart',
  summary: 'restart an image into a simulated task, headless, and verify it',
  flags: ['into', 'verify', 'profile'],
  help: `Usage: ckpt restart IMAGE [--into SAMPLE] [--verify SAMPLE] [--profile rfc2008|hardened]

Restarts IMAGE (format v1 or v2, detected from its head) with the seed's algorithm (cr_read_mm)
inside a restarting task: its old memory is destroyed at the point of no return, then every VMA
is mapped again and its pages read in.

Options
  --into SAMPLE     the restarting task (default: a small built-in program); file names in the
                    image are opened in its root
  --verify SAMPLE   compare the restored memory with the process SAMPLE describes (VMAs, flags,
                    every page, LDT) and list each difference; the seed's documented losses are
                    marked with the defect that causes them. Its files are also made available.
  --profile NAME    rfc2008 (default) or hardened: validates the whole image (lengths, counts
                    against the file's size, page addresses, names inside the root, v2
                    checksums) before the point of no return, so a bad image leaves the
                    restarting task exactly as it was

Exit status: 0 restarted (and verified), 1 the restart failed or verify found a difference, 2 usage.

Example
  ckpt restart hello.img --verify samples/hello.json`,
  run(input, flags, io) {
    const [image, ...rest] = input;
    if (!image || rest.length) throw new UsageError('restart takes one IMAGE');
    const profile = profileOf(flags);
    const verifyFile = str(flags, 'verify');
    const verifySample = verifyFile ? loadSample(verifyFile) : null;
    const task = restartingTask(str(flags, 'into'), verifySample);
    const reader = openImage(image);
    const run = restart(task, reader, { profile, preflight, tracePages: false });
    const outcome = runToEnd(run.events);
    if (!outcome.ok) {
      io.err(`ckpt: ${image}: ${failureLine('restart', outcome.error, run.ctx)}`);
      for (const line of defectLines(run.ctx)) io.err(printable(`ckpt: ${line}`));
      if (outcome.error.errno === 'ENOENT' && !str(flags, 'into') && !verifyFile) {
        io.err('ckpt: hint: the built-in restarting task has no files of the checkpointed program; pass --into SAMPLE (or --verify SAMPLE) whose files include it');
      }
      return EXIT_FAILED;
    }
    for (const line of restartSummary(run.ctx, image)) io.out(line);
    if (verifySample && verifyFile) {
      const expected = buildTask(new Kernel(), verifySample);
      const report = verifyTask(task, expected);
      for (const line of verifyLines(report, verifyFile)) io.out(line);
      if (!report.ok) return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

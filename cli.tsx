#!/usr/bin/env node
// ckpt: one meow call, then dispatch on the first word to a command.

import meow from 'meow';
import { COMMANDS, DEFAULT_COMMAND, findCommand } from './source/commands/index.js';
import { EXIT_FAILED, EXIT_USAGE, UsageError, type Flags } from './source/commands/command.js';
import { describeError } from './source/commands/errors.js';

// Colours off before anything loads chalk: NO_COLOR, TERM=dumb and --no-color all mean no colour.
// No module imported above loads chalk; Ink is imported later, only by the debugger's run().
// React's development build (the default when NODE_ENV is unset) renders several times slower.
process.env.NODE_ENV ??= 'production';
if ((process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') || process.env.TERM === 'dumb' || process.argv.includes('--no-color')) {
  process.env.FORCE_COLOR = '0';
}

const HELP = `
  Usage
    $ ckpt                        the demo: a sample checkpointed and restarted in the debugger
    $ ckpt <command> [options]

  Commands
${COMMANDS.map((c) => `    ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

  Run \`ckpt <command> --help\` for a command's options and an example.

  Options
    --help       this help, or a command's
    --version    the version
    --no-color   no colours (also NO_COLOR=1 or TERM=dumb)
`;

const cli = meow(HELP, {
  importMeta: import.meta,
  autoHelp: false,
  allowUnknownFlags: true, // unknown flags are reported below, in one line
  flags: {
    help: { type: 'boolean', shortFlag: 'h' },
    output: { type: 'string', shortFlag: 'o' },
    into: { type: 'string' },
    verify: { type: 'string' },
    profile: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    // convert
    to: { type: 'string' },
    // the debugger
    break: { type: 'string', isMultiple: true },
    run: { type: 'boolean' },
    autoplay: { type: 'string' },
    color: { type: 'boolean', default: true },
    // capture
    skipUnsupported: { type: 'boolean' },
    stopped: { type: 'boolean' },
  },
});

// a reader that goes away (ckpt | head) ends the output, not with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const io = {
  out: (line: string) => process.stdout.write(line + '\n'),
  err: (line: string) => process.stderr.write(line + '\n'),
};

async function main(): Promise<number> {
  const [first, ...rest] = cli.input;
  if (!first && cli.flags.help) {
    io.out(HELP.trim());
    return 0;
  }
  // no command name: the demo (a sample given alone is the demo's sample)
  const named = first ? findCommand(first) : undefined;
  const command = named ?? (first === undefined || first.endsWith('.json') ? DEFAULT_COMMAND : undefined);
  const name = command?.name ?? first ?? '';
  const input = named ? rest : cli.input;
  if (!command) {
    io.err(`ckpt: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    return EXIT_USAGE;
  }
  if (cli.flags.help) {
    io.out(command.help);
    return 0;
  }
  const flags = cli.flags as unknown as Flags;
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined || v === false || k === 'help' || k === 'color' || (Array.isArray(v) && v.length === 0)) continue; // isMultiple flags default to []
    if (!command.flags.includes(k)) {
      io.err(`ckpt ${name}: unknown option --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} (see ckpt ${name} --help)`);
      return EXIT_USAGE;
    }
  }
  try {
    return await command.run(input, flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ckpt ${name}: ${e.message} (see ckpt ${name} --help)`);
      return EXIT_USAGE;
    }
    io.err(`ckpt: ${describeError(e)}`);
    return EXIT_FAILED;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    io.err(`ckpt: ${describeError(e)}`);
    process.exitCode = EXIT_FAILED;
  },
);

#!/usr/bin/env node
// ckpt: one meow call, then dispatch on the first word to a command.

import meow from 'meow';
import { COMMANDS, findCommand } from './source/commands/index.js';
import { EXIT_FAILED, EXIT_USAGE, UsageError, type Flags } from './source/commands/command.js';
import { describeError } from './source/commands/errors.js';

const HELP = `
  Usage
    $ ckpt <command> [options]

  Commands
${COMMANDS.map((c) => `    ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

  Run \`ckpt <command> --help\` for a command's options and an example.

  Options
    --help       this help, or a command's
    --version    the version
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
    // capture
    skipUnsupported: { type: 'boolean' },
    stopped: { type: 'boolean' },
  },
});

const io = {
  out: (line: string) => process.stdout.write(line + '\n'),
  err: (line: string) => process.stderr.write(line + '\n'),
};

async function main(): Promise<number> {
  const [name, ...input] = cli.input;
  if (!name) {
    if (cli.flags.help) {
      io.out(HELP.trim());
      return 0;
    }
    io.out(HELP.trim());
    return 0;
  }
  const command = findCommand(name);
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
    if (v === undefined || v === false || k === 'help' || (Array.isArray(v) && v.length === 0)) continue; // isMultiple flags default to []
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

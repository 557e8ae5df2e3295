// Every command, by the name typed after `ckpt`.

import type { Command } from './command.js';
import { captureCommand } from './capture.js';
import { checkpointCommand } from './checkpoint.js';
import { convertCommand } from './convert.js';
import { debugCommand } from './debug.js';
import { demoCommand } from './demo.js';
import { inspectCommand } from './inspect.js';
import { restartCommand } from './restart.js';

export const COMMANDS: readonly Command[] = [checkpointCommand, restartCommand, inspectCommand, convertCommand, debugCommand, demoCommand, captureCommand];

/** What `ckpt` with no command runs. */
export const DEFAULT_COMMAND: Command = demoCommand;

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

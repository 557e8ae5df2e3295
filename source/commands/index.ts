// Every command, by the name typed after `ckpt`.

import type { Command } from './command.js';
import { checkpointCommand } from './checkpoint.js';
import { inspectCommand } from './inspect.js';
import { restartCommand } from './restart.js';

export const COMMANDS: readonly Command[] = [checkpointCommand, restartCommand, inspectCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

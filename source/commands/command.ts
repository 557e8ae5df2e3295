// What every command is: a name, its help, the options it takes, and a run that returns the exit code.

export interface Flags {
  [name: string]: string | boolean | number | string[] | undefined;
}

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  /** The full --help text. */
  help: string;
  /** Option names (meow's camelCase) this command accepts. */
  flags: readonly string[];
  run(input: string[], flags: Flags, io: CommandIo): Promise<number> | number;
}

/** A wrong invocation: exit 2 with this line. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

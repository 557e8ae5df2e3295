// vm_flags as names, for messages and the debugger.

import { VM_FLAG_NAMES } from './constants.js';

/** The names of the bits set in flags, lowest bit first (unknown bits as hex). */
export function vmFlagNames(flags: number): string[] {
  const names: string[] = [];
  let known = 0;
  for (const [name, bit] of Object.entries(VM_FLAG_NAMES)) {
    if (flags & bit) names.push(name);
    known |= bit;
  }
  const rest = flags & ~known;
  if (rest) names.push('0x' + rest.toString(16));
  return names;
}

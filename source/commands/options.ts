// Options shared by several commands: --profile, --format.

import { isProfileName, PROFILES, type Profile } from '../ckpt/profile.js';
import type { FormatName } from '../image/io.js';
import { UsageError, str, type Flags } from './command.js';

export function profileOf(flags: Flags): Profile {
  const name = str(flags, 'profile') ?? 'rfc2008';
  if (!isProfileName(name)) throw new UsageError(`--profile must be rfc2008 or hardened, not '${name}'`);
  return PROFILES[name];
}

export const FORMATS: readonly FormatName[] = ['v1', 'v2'];

export function formatOf(flags: Flags): FormatName {
  const name = str(flags, 'format') ?? 'v1';
  if (!(FORMATS as readonly string[]).includes(name)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not '${name}'`);
  return name as FormatName;
}

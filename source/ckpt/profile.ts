// Profiles: `rfc2008` runs the seed as posted, defects and all; `hardened` fixes them.

import type { DefectId } from './defects.js';

export type ProfileName = 'rfc2008' | 'hardened';

export interface Profile {
  readonly name: ProfileName;
  /** True where this profile repairs the seed's defect. */
  fixes(defect: DefectId): boolean;
  /** Validate the whole image before the point of no return. */
  readonly validateBeforeDestroy: boolean;
}

export const RFC2008: Profile = { name: 'rfc2008', fixes: () => false, validateBeforeDestroy: false };
export const HARDENED: Profile = { name: 'hardened', fixes: () => true, validateBeforeDestroy: true };

export const PROFILES: Record<ProfileName, Profile> = { rfc2008: RFC2008, hardened: HARDENED };

export function isProfileName(s: string): s is ProfileName {
  return s === 'rfc2008' || s === 'hardened';
}

import { RFC2008 } from '../../source/ckpt/profile.js';
import type { DebugSession } from '../../source/session/index.js';

export const opts = { profile: RFC2008, format: 'v1' as const };

/** Lets React 19 flush after a write to stdin or a session change. */
export async function tick(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 0));
}

/** Runs the session's pending slices until it stops, then lets the UI render. */
export async function settle(s: DebugSession): Promise<void> {
  await tick();
  for (let i = 0; i < 20_000 && s.getSnapshot().state === 'running'; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 60)); // past the session's notify throttle
  await tick();
}

/** Presses a key and waits for the session and the UI. */
export async function press(stdin: { write(d: string): void }, s: DebugSession, key: string): Promise<void> {
  stdin.write(key);
  await settle(s);
}

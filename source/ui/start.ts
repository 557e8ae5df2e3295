// The session the debugger draws, created and started before Ink is loaded: loading the UI takes
// a while, and the engine (in --run) gets on with its work meanwhile. Loads no Ink.

import { DebugSession, type Breakpoint, type Stage } from '../session/index.js';

export interface StartedSession {
  session: DebugSession;
  /** An engine error the session did not expect; `onCrash` is set once the UI is up. */
  crash: { error: unknown; seen: boolean; onCrash: ((e: unknown) => void) | null };
}

export function startSession(stages: Stage[], breakpoints: Breakpoint[], running: boolean): StartedSession {
  const crash: StartedSession['crash'] = { error: null, seen: false, onCrash: null };
  // snapshots every 100 ms while running; the UI draws fewer when frames are dear
  const session = new DebugSession(stages, {
    breakpoints,
    notifyMs: 100,
    onCrash: (e) => {
      if (!crash.seen) {
        crash.seen = true;
        crash.error = e;
      }
      crash.onCrash?.(e);
    },
  });
  session.start(running);
  return { session, crash };
}

// The session's snapshot as React state. Paused (or finished, or failed) every change is drawn at
// once; while the engine runs, changes are drawn at most so often that drawing takes about a twentieth
// of the time (the interval follows what frames have cost so far), so rendering never paces the
// engine.

import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react';
import type { DebugSession, Snapshot } from '../../session/index.js';

/** The share of the time drawing may take while the engine runs. */
export const DRAW_BUDGET = 0.05;
const MIN_INTERVAL_MS = 150;
const MAX_INTERVAL_MS = 1000;

export interface SessionView {
  snap: Snapshot;
  /** Call with how long the last frame took (render to commit), in ms. */
  frameCost(ms: number): void;
}

export function useSession(session: DebugSession): SessionView {
  const cost = useRef(20); // a moving average of frame costs, ms
  const subscribe = useMemo(
    () => (listener: () => void) => {
      let last = 0;
      let timer: NodeJS.Timeout | null = null;
      const draw = () => {
        timer = null;
        last = performance.now();
        listener();
      };
      const unsubscribe = session.subscribe(() => {
        if (session.getSnapshot().state !== 'running') {
          if (timer) clearTimeout(timer);
          draw();
          return;
        }
        const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, cost.current / DRAW_BUDGET));
        const wait = last + interval - performance.now();
        if (wait <= 0) draw();
        else if (!timer) timer = setTimeout(draw, wait);
      });
      return () => {
        if (timer) clearTimeout(timer);
        unsubscribe();
      };
    },
    [session],
  );
  const snap = useSyncExternalStore(subscribe, session.getSnapshot, session.getSnapshot);
  const frameCost = useCallback((ms: number) => {
    cost.current = cost.current * 0.7 + ms * 0.3;
  }, []);
  return { snap, frameCost };
}

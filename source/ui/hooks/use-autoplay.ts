// --autoplay: steps to the next phase boundary by itself every `ms` while paused.

import { useEffect } from 'react';
import type { DebugSession, RunState } from '../../session/index.js';

export function useAutoplay(session: DebugSession, ms: number | null, state: RunState, version: number): void {
  useEffect(() => {
    if (ms === null || state !== 'paused') return;
    const t = setTimeout(() => session.next(), ms);
    return () => clearTimeout(t);
  }, [session, ms, state, version]);
}

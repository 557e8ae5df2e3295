// The debugger's screen: layout only. State comes from the session's snapshot; keys go through
// the key table to the session's commands.

import { Box, useApp } from 'ink';
import { Component, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { DebugSession } from '../session/index.js';
import { useAutoplay } from './hooks/use-autoplay.js';
import { useKeyCommands } from './hooks/use-key-commands.js';
import { useSession } from './hooks/use-session.js';
import { useTerminalSize, type TerminalSize } from './hooks/use-terminal-size.js';
import type { PaneId } from './keys.js';
import { layout } from './layout.js';
import { ChainPane, stripCells } from './panes/chain-pane.js';
import { FailurePane } from './panes/failure-pane.js';
import { HelpOverlay } from './panes/help-overlay.js';
import { LogPane } from './panes/log-pane.js';
import { MmPane } from './panes/mm-pane.js';
import { RestartPane } from './panes/restart-pane.js';
import { StatusLine } from './panes/status-line.js';
import { VmaPane } from './panes/vma-pane.js';

export interface AppProps {
  session: DebugSession;
  /** Step every this many ms by itself until a key is pressed (--autoplay). */
  autoplayMs?: number | null;
  /** The first line of hints (the demo says what to press). */
  intro?: string | null;
  /** Called after q / second Ctrl-C, before Ink exits. */
  onQuit?: () => void;
  /** A fixed terminal size (tests); by default the terminal's, following resizes. */
  size?: TerminalSize;
}

const PANE_KEYS: Record<string, PaneId> = { '1': 'mm', '2': 'vma', '3': 'chain', '4': 'restart', '5': 'log' };

export function App({ session, autoplayMs = null, intro = null, onQuit, size }: AppProps) {
  const renderStart = performance.now();
  const { snap, frameCost } = useSession(session);
  // what this frame cost, render to commit (Ink writes the frame during the commit)
  useEffect(() => frameCost(performance.now() - renderStart));
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const { exit } = useApp();
  const failed = snap.failure !== null;
  const L = layout(columns, rows, snap.vmas.length, failed);

  const [focus, setFocus] = useState<PaneId>('vma');
  const [selected, setSelected] = useState<number | null>(null);
  const [logBack, setLogBack] = useState(0);
  const [chainScroll, setChainScroll] = useState(0);
  const [failScroll, setFailScroll] = useState(0);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<string | null>(intro);
  const [autoplay, setAutoplay] = useState<number | null>(autoplayMs);
  const ctrlC = useRef<NodeJS.Timeout | null>(null);
  // CKPT_TEST_CRASH=1: the next key makes the render throw (to test that a crash restores the terminal)
  const [crashNow, setCrashNow] = useState(false);
  if (crashNow) throw new Error('a crash inside the UI, on purpose (CKPT_TEST_CRASH)');

  useAutoplay(session, autoplay, snap.state, snap.version);

  const panes: PaneId[] = failed ? ['mm', 'vma', 'restart', 'failure'] : ['mm', 'vma', 'chain', 'restart', 'log'];
  const visible = panes.filter((p) => L.top > 0 || (p !== 'mm' && p !== 'restart'));
  const focused: PaneId = visible.includes(focus) ? focus : failed ? 'failure' : 'vma';

  const move = useCallback((delta: number) => {
    switch (focused) {
      case 'vma': {
        const count = snap.vmas.length;
        if (!count) return;
        const from = selected ?? snap.currentVma ?? (delta > 0 ? -1 : count);
        setSelected(Math.max(0, Math.min(count - 1, from + delta)));
        return;
      }
      case 'log':
        setLogBack((b) => Math.max(0, Math.min(Math.max(0, snap.log.length - 1), b - delta)));
        return;
      case 'chain':
        setChainScroll((s) => Math.max(0, Math.min(Math.max(0, snap.chain.arrays.length - 1), s - delta)));
        return;
      case 'failure':
        setFailScroll((s) => s + delta);
        return;
      default:
        return;
    }
  }, [focused, selected, snap]);

  const quit = useCallback(() => {
    onQuit?.();
    exit();
  }, [exit, onQuit]);

  useKeyCommands(
    {
      togglePause: () => session.togglePause(),
      next: () => session.next(),
      stepPgarr: () => session.step('pgarr'),
      stepPage: () => session.step('page'),
      nextVma: () => session.nextVma(),
      continue: () => session.resume(),
      breakpoint: () => {
        const on = session.toggleBreakpointHere();
        if (on !== null) setMessage(`breakpoint on every ${snap.phase ?? 'phase'} ${on ? 'set' : 'removed'}`);
      },
      focusNext: () => setFocus(visible[(visible.indexOf(focused) + 1) % visible.length]!),
      focusPrev: () => setFocus(visible[(visible.indexOf(focused) + visible.length - 1) % visible.length]!),
      focusPane: (input) => {
        const p = PANE_KEYS[input];
        const id = p === 'log' && failed ? 'failure' : p;
        if (id && visible.includes(id)) setFocus(id);
      },
      up: () => move(-1),
      down: () => move(1),
      pageUp: () => move(-5),
      pageDown: () => move(5),
      help: () => setHelp((h) => !h),
      close: () => setHelp(false),
      quit: (input) => {
        if (input === 'q') return quit();
        if (ctrlC.current) return quit();
        setMessage('press Ctrl-C again to quit');
        ctrlC.current = setTimeout(() => {
          ctrlC.current = null;
          setMessage(null);
        }, 2000);
      },
    },
    (input, key, command) => {
      if (process.env.CKPT_TEST_CRASH === '1') setCrashNow(true);
      if (autoplay !== null) setAutoplay(null);
      if (!(key.ctrl && input === 'c')) setMessage(null);
      // while the help overlay is open, a key other than ?, Esc or quit only closes it
      if (help && command !== 'help' && command !== 'close' && command !== 'quit') {
        setHelp(false);
        return false;
      }
      return true;
    },
  );

  // keys are read from here on (useInput turned raw mode on in its effect, which ran before this
  // one): until then the hint line says so instead of offering keys
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  const stripVma = selected ?? snap.currentVma;
  const cells = stripCells(L.chainWidth, L.bottom);
  // the session reads the kernel's pages; redo it only when the snapshot or the choice changes
  const strip = useMemo(
    () => (stripVma === null || failed ? null : session.pageStrip(stripVma, cells)),
    [session, snap, stripVma, cells, failed],
  );

  const w = L.columns;
  return (
    <Box flexDirection="column" width={w} height={L.frame}>
      {help ? (
        <HelpOverlay width={w} height={L.frame - L.status} />
      ) : (
        <>
          {L.top > 0 ? (
            <Box height={L.top}>
              <MmPane snap={snap} focused={focused === 'mm'} width={L.mmWidth} height={L.top} />
              <RestartPane snap={snap} focused={focused === 'restart'} width={w - L.mmWidth} height={L.top} />
            </Box>
          ) : null}
          <VmaPane snap={snap} focused={focused === 'vma'} width={w} height={L.vma} selected={selected} />
          {snap.failure ? (
            <FailurePane failure={snap.failure} focused={focused === 'failure'} width={w} height={L.bottom} scroll={failScroll} />
          ) : (
            <Box height={L.bottom}>
              <ChainPane snap={snap} focused={focused === 'chain'} width={L.chainWidth} height={L.bottom} stripVma={stripVma} strip={strip} scroll={chainScroll} />
              <LogPane snap={snap} focused={focused === 'log'} width={w - L.chainWidth} height={L.bottom} back={logBack} />
            </Box>
          )}
        </>
      )}
      <StatusLine snap={snap} width={w} message={ready ? message : 'starting…'} autoplay={autoplay !== null} />
    </Box>
  );
}

interface BoundaryProps {
  onCrash: (e: unknown) => void;
  children: ReactNode;
}

/** A render error inside the UI: the runner restores the terminal and prints it. */
export class CrashBoundary extends Component<BoundaryProps, { crashed: boolean }> {
  override state = { crashed: false };
  static getDerivedStateFromError(): { crashed: boolean } {
    return { crashed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.onCrash(error);
  }
  override render(): ReactNode {
    return this.state.crashed ? null : this.props.children;
  }
}

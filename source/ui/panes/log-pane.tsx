// 5: the event log, windowed: C-function entries, phase boundaries, warnings and seed defects.

import { Text } from 'ink';
import type { LogEntry, LogLevel, Snapshot } from '../../session/index.js';
import { PaneBox } from '../widgets/box-title.js';

const LEVEL: Record<LogLevel, { tag: string; color?: string }> = {
  call: { tag: '  ', color: 'gray' },
  phase: { tag: '▸ ', color: 'cyan' },
  pgarr: { tag: '  ', color: 'magenta' },
  page: { tag: '  ', color: 'gray' },
  info: { tag: '● ', color: 'white' },
  warning: { tag: '! ', color: 'yellow' },
  defect: { tag: '✗ ', color: 'red' },
  error: { tag: '✗ ', color: 'red' },
};

export interface LogPaneProps {
  snap: Snapshot;
  focused: boolean;
  width: number;
  height: number;
  /** Lines scrolled back from the newest. */
  back: number;
}

export function visibleLog(log: LogEntry[], lines: number, back: number): LogEntry[] {
  const end = Math.max(Math.min(lines, log.length), log.length - back);
  return log.slice(Math.max(0, end - lines), end);
}

export function LogPane({ snap, focused, width, height, back }: LogPaneProps) {
  const lines = Math.max(1, height - 2);
  const shown = visibleLog(snap.log, lines, back);
  const title = back > 0 ? `log (${back} back, j to follow)` : `log · ${snap.logTotal} events`;
  return (
    <PaneBox title={title} hotkey="5" focused={focused} width={width} height={height}>
      {shown.map((e) => (
        <Text key={e.seq} wrap="truncate" color={LEVEL[e.level].color}>
          {LEVEL[e.level].tag}
          {e.text}
        </Text>
      ))}
    </PaneBox>
  );
}

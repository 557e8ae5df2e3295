// The status line: state, stage, current C function and phase, image offset, breakpoints, why it
// stopped; and the key hints (from the key table) or a message.

import { Box, Text } from 'ink';
import { breakpointLabel, type RunState, type Snapshot } from '../../session/index.js';
import { hintLine } from '../keys.js';

const STATE: Record<RunState, { label: string; color: string }> = {
  paused: { label: '❚❚ paused', color: 'yellow' },
  running: { label: '▶ running', color: 'green' },
  finished: { label: '■ finished', color: 'cyan' },
  failed: { label: '✗ failed', color: 'red' },
};

const n = (x: number) => x.toLocaleString('en-US');

export interface StatusLineProps {
  snap: Snapshot;
  width: number;
  /** Replaces the hints (e.g. "press Ctrl-C again to quit"). */
  message: string | null;
  autoplay: boolean;
}

export function StatusLine({ snap, width, message, autoplay }: StatusLineProps) {
  const s = STATE[snap.state];
  const off = snap.imageSize !== null ? `${n(snap.imageOffset)}/${n(snap.imageSize)}` : n(snap.imageOffset);
  const bps = snap.breakpoints.length ? ` · break ${snap.breakpoints.map(breakpointLabel).join(',')}` : '';
  return (
    <Box flexDirection="column" width={width} height={2}>
      <Text wrap="truncate">
        <Text bold color={s.color}>{s.label}</Text>
        {autoplay ? <Text color="magenta">{' autoplay'}</Text> : null}
        {' · '}
        <Text bold>{snap.fn || '-'}</Text>
        {` · ${snap.phase ?? '-'}${snap.currentVma !== null ? ` VMA #${snap.currentVma}` : ''} · offset ${off}${bps}`}
        {snap.state !== 'running' ? <Text dimColor>{` · ${snap.stopReason}`}</Text> : null}
        {` · ${snap.stage.kind} ${snap.stage.index + 1}/${snap.stage.count}`}
      </Text>
      <Text wrap="truncate" dimColor={message === null}>{message ?? hintLine(width)}</Text>
    </Box>
  );
}

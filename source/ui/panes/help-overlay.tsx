// The help overlay: every binding of the key table, and the page-strip legend.

import { Box, Text } from 'ink';
import { BINDINGS } from '../keys.js';
import { CELL } from './page-strip.js';

export interface HelpOverlayProps {
  width: number;
  height: number;
}

export function HelpOverlay({ width, height }: HelpOverlayProps) {
  const legend = Object.values(CELL).filter((c) => c.ch !== ' ').map((c) => `${c.ch} ${c.label}`).join('  ');
  const room = height - 3; // borders and the title line
  const rows = BINDINGS.slice(0, Math.max(0, room));
  const keyWidth = Math.max(...BINDINGS.map((b) => b.keys.length)) + 2;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="cyan" width={width} height={height} paddingX={1} overflow="hidden">
      <Text bold color="cyan">keys (Esc or ? closes)</Text>
      {rows.map((b) => (
        <Text key={b.command} wrap="truncate">
          <Text bold>{b.keys.padEnd(keyWidth)}</Text>
          {b.description}
        </Text>
      ))}
      {room > rows.length ? <Text wrap="truncate" dimColor>{`pages: ${legend}`}</Text> : null}
    </Box>
  );
}

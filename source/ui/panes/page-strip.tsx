// The selected VMA's pages as a strip of cells: not present / zero / clean file / dirty / listed /
// dumped / restored, each cell the most notable state among the pages it covers.

import { Box, Text } from 'ink';
import type { PageCell, PageStrip } from '../../session/index.js';

export const CELL: Record<PageCell, { ch: string; color?: string; label: string }> = {
  none: { ch: ' ', label: 'unmapped' },
  absent: { ch: '·', color: 'gray', label: 'not present' },
  zero: { ch: '0', color: 'gray', label: 'zero' },
  clean: { ch: 'c', color: 'blue', label: 'clean file' },
  dirty: { ch: 'd', color: 'yellow', label: 'dirty' },
  listed: { ch: 'L', color: 'magenta', label: 'listed (pinned)' },
  dumped: { ch: 'D', color: 'green', label: 'dumped' },
  restored: { ch: 'R', color: 'green', label: 'restored' },
};

const ORDER: PageCell[] = ['absent', 'zero', 'clean', 'dirty', 'listed', 'dumped', 'restored'];

/** Runs of equal cells, so a long strip is a handful of Text nodes. */
function runs(cells: PageCell[]): Array<[PageCell, number]> {
  const out: Array<[PageCell, number]> = [];
  for (const c of cells) {
    const last = out[out.length - 1];
    if (last && last[0] === c) last[1]++;
    else out.push([c, 1]);
  }
  return out;
}

export interface PageStripViewProps {
  vma: number | null;
  strip: PageStrip | null;
  width: number;
  /** Lines available: the strip wraps over them; the legend takes the last. */
  lines: number;
}

export function PageStripView({ vma, strip, width, lines }: PageStripViewProps) {
  if (vma === null || strip === null) return <Text dimColor wrap="truncate">select a VMA (2, then ↑ ↓) to see its pages</Text>;
  const legend = ORDER.filter((c) => strip.counts[c] > 0).map((c) => `${CELL[c].ch} ${CELL[c].label} ${strip.counts[c]}`).join('  ');
  const perCell = strip.pagesPerCell > 1 ? `, ${strip.pagesPerCell} pages a cell` : '';
  const cells = runs(strip.cells).map(([c, n], i) => <Text key={i} color={CELL[c].color}>{CELL[c].ch.repeat(n)}</Text>);
  if (lines <= 2) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate">
          <Text bold>{`VMA #${vma} `}</Text>
          {cells}
        </Text>
        <Text dimColor wrap="truncate">{legend}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>{`VMA #${vma} pages`}</Text>
        <Text dimColor>{perCell}</Text>
      </Text>
      <Box height={Math.max(1, lines - 2)} overflow="hidden">
        <Text wrap="wrap">{cells}</Text>
      </Box>
      <Text dimColor wrap="truncate">{legend}</Text>
    </Box>
  );
}

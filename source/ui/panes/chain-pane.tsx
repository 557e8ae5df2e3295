// 3: the page-array chain: every cr_pgarr as a bar of nused / nleft of 512, pgcur marked, pages
// pinned, arrays allocated vs in use (the seed's growing chain), and the selected VMA's page strip.

import { Box, Text } from 'ink';
import type { PageStrip, Snapshot } from '../../session/index.js';
import { Bar } from '../widgets/bar.js';
import { PaneBox } from '../widgets/box-title.js';
import { PageStripView } from './page-strip.js';
import { windowStart } from './vma-pane.js';

export const CR_PGARR_TOTAL = 512;

export interface ChainPaneProps {
  snap: Snapshot;
  focused: boolean;
  width: number;
  height: number;
  /** The VMA whose pages the strip shows. */
  stripVma: number | null;
  strip: PageStrip | null;
  /** Arrays scrolled back from the window that follows pgcur. */
  scroll: number;
}

/** How many cells the strip may use in a pane of this size. */
export function stripCells(width: number, height: number): number {
  const lines = stripLines(height);
  return Math.max(8, lines <= 2 ? width - 12 : (width - 2) * (lines - 2));
}

export function stripLines(height: number): number {
  return height >= 14 ? 6 : height >= 9 ? 4 : 2;
}

export function ChainPane({ snap, focused, width, height, stripVma, strip, scroll }: ChainPaneProps) {
  const c = snap.chain;
  const inner = height - 2;
  const sLines = stripLines(height);
  const barLines = Math.max(1, inner - 1 - sLines);
  // follow pgcur (the seed's chain only grows at its end); ↑ scrolls back from there
  const cur = Math.max(0, c.arrays.findIndex((a) => a.isCur));
  const follow = windowStart(c.arrays.length, barLines, cur, cur - barLines + 2);
  const start = Math.max(0, follow - scroll);
  const shown = c.arrays.slice(start, start + barLines);
  const barWidth = Math.max(6, width - 2 - 30);
  const grew = c.allocated > 1 && c.inUse < c.allocated;
  return (
    <PaneBox title="page-array chain · cr_pgarr" hotkey="3" focused={focused} width={width} height={height}>
      <Text wrap="truncate">
        {`${c.allocated} allocated, ${c.inUse} in use · ${c.pinned} ${snap.stage.kind === 'restart' ? 'addresses listed' : 'pages pinned'}`}
        {c.arrays.length > barLines ? <Text dimColor>{` · #${c.arrays[start]?.serial ?? 0}-#${c.arrays[Math.min(c.arrays.length, start + barLines) - 1]?.serial ?? 0} shown`}</Text> : null}
        {grew ? <Text color="yellow">{' · chain grows (defect 5)'}</Text> : null}
      </Text>
      <Box flexDirection="column" height={barLines} overflow="hidden">
        {shown.length === 0 ? <Text dimColor>no page-array (cr_ctx_alloc not run)</Text> : shown.map((a) => (
          <Text key={a.serial} wrap="truncate">
            <Text color={a.isCur ? 'yellow' : undefined} bold={a.isCur}>{`${a.isCur ? '▶' : ' '}#${String(a.serial).padEnd(3)} `}</Text>
            <Bar value={a.nused} total={CR_PGARR_TOTAL} width={barWidth} color={a.isCur ? 'yellow' : 'green'} />
            {` ${String(a.nused).padStart(3)} used ${String(a.nleft).padStart(3)} left${a.isCur ? ' pgcur' : ''}`}
          </Text>
        ))}
      </Box>
      <PageStripView vma={stripVma} strip={strip} width={width - 2} lines={sLines} />
    </PaneBox>
  );
}

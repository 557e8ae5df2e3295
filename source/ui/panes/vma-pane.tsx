// 2: the VMA list as a table (ink-table's API), windowed to its box; the current VMA is marked ▶,
// the selected one (whose pages the chain pane shows) ›.

import { Table, type CellProps } from '@alcalzone/ink-table';
import { Text } from 'ink';
import type { Snapshot, VmaRow } from '../../session/index.js';
import { PaneBox } from '../widgets/box-title.js';

type Row = Record<string, string>;

export interface VmaPaneProps {
  snap: Snapshot;
  focused: boolean;
  width: number;
  height: number;
  selected: number | null;
}

const STATE_COLOR: Record<string, string> = {
  pending: 'gray', scanning: 'yellow', dumping: 'yellow', freeing: 'yellow', dumped: 'green', refused: 'red',
  mapping: 'yellow', reading: 'yellow', restored: 'green', failed: 'red',
};

function size(pages: number): string {
  const kib = pages * 4;
  if (kib >= 1024 * 1024) return `${+(kib / 1024 / 1024).toFixed(1)}G`;
  if (kib >= 1024) return `${+(kib / 1024).toFixed(1)}M`;
  return `${kib}K`;
}

const hex = (n: number, prefix: boolean) => (prefix ? '0x' : '') + n.toString(16);

function trunc(s: string, n: number): string {
  return s.length <= n ? s : '…' + s.slice(s.length - n + 1);
}

/** A VMA's row; `wide` keeps every column, narrow drops end and pgoff and merges the counts. */
export function vmaRow(v: VmaRow, mark: string, wide: boolean, restart: boolean): Row {
  const known = v.end > v.start; // a restart's VMA not read yet has no range
  const file = v.file ? v.file.split('/').pop()! : '';
  const skipped = restart ? '-' : `${v.zero}z ${v.clean}c`;
  const state = v.state;
  const pages = restart ? 'read' : 'dumped';
  // a count that wrapped in the image's __s16 npages (defect 4) shows as written: 33000→-32536
  // (narrow: 33000!, the log says the rest)
  const wrapped = !restart && v.npagesInImage !== null && v.npagesInImage !== v.dumped ? `→${v.npagesInImage}` : '';
  if (wide) {
    return {
      '#': `${mark}${v.index}`, 'start-end': known ? `${hex(v.start, true)}-${hex(v.end, true)}` : 'not read yet', size: known ? size(v.pages) : '-',
      rwxp: known ? v.perms : '-', map: known ? v.kind : '-', file: trunc(file, 14), pgoff: known ? '0x' + v.pgoff.toString(16) : '-',
      [pages]: `${v.dumped}${wrapped}`, 'skipped': skipped, state,
    };
  }
  return {
    '#': `${mark}${v.index}`, start: known ? hex(v.start, false) : 'not read', size: known ? size(v.pages) : '-', rwxp: known ? v.perms : '-',
    map: known ? v.kind : '-', file: trunc(file, 8), [restart ? 'read' : 'dump/skip']: restart ? String(v.dumped) : `${v.dumped}${wrapped ? '!' : ''}/${v.zero + v.clean}`, state,
  };
}

const BORDER = new Set(['┌', '┬', '┐', '├', '┼', '┤', '└', '┴', '┘']);

/** The table's skeleton without horizontal rules: one line per row. */
function Skeleton({ children }: { children?: React.ReactNode }) {
  // corners, crossings and the rules themselves: ink-table draws a rule with the skeleton as its cell
  if (typeof children === 'string' && (BORDER.has(children) || /^─+$/.test(children))) return null;
  return <Text dimColor>{children}</Text>;
}

function Header({ children }: { children?: React.ReactNode }) {
  return <Text bold>{children}</Text>;
}

function Cell({ children }: CellProps) {
  const text = typeof children === 'string' ? children : String(children ?? '');
  if (/^─+$/.test(text)) return null;
  const t = text.trim();
  if (t.startsWith('▶')) return <Text bold color="yellow">{text}</Text>;
  if (t.startsWith('›')) return <Text bold color="cyan">{text}</Text>;
  const c = STATE_COLOR[t];
  if (c) return <Text color={c}>{text}</Text>;
  return <Text>{text}</Text>;
}

/** The first row to show so that `keep` stays in a window of `n` rows. */
export function windowStart(total: number, n: number, keep: number | null, prev = 0): number {
  if (total <= n) return 0;
  let s = Math.min(Math.max(0, prev), total - n);
  if (keep !== null) {
    if (keep < s) s = keep;
    else if (keep >= s + n) s = keep - n + 1;
  }
  return Math.max(0, Math.min(s, total - n));
}

export function VmaPane({ snap, focused, width, height, selected }: VmaPaneProps) {
  const wide = width >= 112;
  const visible = Math.max(1, height - 3); // borders and the heading
  const keep = selected ?? snap.currentVma;
  const start = windowStart(snap.vmas.length, visible, keep, keep !== null ? keep - Math.floor(visible / 2) : 0);
  const rows = snap.vmas.slice(start, start + visible).map((v) => {
    const mark = v.index === snap.currentVma ? '▶' : v.index === selected ? '›' : ' ';
    return vmaRow(v, mark, wide, snap.stage.kind === 'restart');
  });
  const more = snap.vmas.length > visible ? ` ${start + 1}-${start + rows.length} of ${snap.vmas.length}` : '';
  return (
    <PaneBox title={`VMAs${more}`} hotkey="2" focused={focused} width={width} height={height}>
      {rows.length === 0 ? (
        <Text dimColor>{snap.stage.kind === 'restart' ? 'no VMA read yet' : 'no VMA reached yet'}</Text>
      ) : (
        <Table data={rows} skeleton={Skeleton} header={Header} cell={Cell} />
      )}
    </PaneBox>
  );
}

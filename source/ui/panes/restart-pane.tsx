// 4: restart progress: VMA k of map_count, pages and bytes read, a bar, the current step, and the
// point of no return. During the checkpoint stage: what has been written so far.

import { Text } from 'ink';
import type { Phase, Snapshot } from '../../session/index.js';
import { Bar } from '../widgets/bar.js';
import { PaneBox } from '../widgets/box-title.js';

export const RESTART_STEPS: ReadonlyArray<[Phase, string, string]> = [
  ['destroy', 'destroy mm', 'cr_destroy_mm'],
  ['mmap', 'mmap', 'do_mmap_pgoff'],
  ['writable', 'make writable', 'cr_vma_writable'],
  ['read_addrs', 'read addresses', 'cr_vma_read_pages_addr'],
  ['read_data', 'read data', 'cr_vma_read_pages_data'],
  ['protect', 'protect', 'sys_mprotect'],
  ['flush_icache', 'flush icache', 'flush_icache_range'],
  ['mm_context', 'mm_context', 'cr_read_mm_context'],
];

const n = (x: number) => x.toLocaleString('en-US');

export interface RestartPaneProps {
  snap: Snapshot;
  focused: boolean;
  width: number;
  height: number;
}

export function RestartPane({ snap, focused, width, height }: RestartPaneProps) {
  const r = snap.restart;
  const barWidth = Math.max(6, width - 12);
  if (!r) {
    const done = snap.vmas.filter((v) => v.state === 'dumped').length;
    const pages = snap.vmas.reduce((s, v) => s + v.dumped, 0);
    return (
      <PaneBox title={`restart progress · ${snap.profile} ${snap.format}`} hotkey="4" focused={focused} width={width} height={height}>
        <Text dimColor wrap="truncate">{snap.stage.count > 1 ? `restart is stage 2 of ${snap.stage.count}` : 'checkpoint only'}</Text>
        <Text wrap="truncate">{`checkpoint: VMA ${done} of ${snap.mm ? snap.vmas.length : '?'} dumped`}</Text>
        <Text wrap="truncate">{`pages listed ${n(pages)} · written ${n(snap.imageOffset)} bytes`}</Text>
        <Text wrap="truncate">{`phase ${snap.phase ?? '-'} (${snap.fn || '-'})`}</Text>
      </PaneBox>
    );
  }
  const total = r.totalBytes ?? 0;
  const pct = total > 0 ? Math.floor((r.bytesRead / total) * 100) : 0;
  const totalPages = snap.vmas.reduce((s, v) => s + Math.max(0, v.npagesInImage ?? 0), 0);
  const step = RESTART_STEPS.find(([p]) => p === r.step);
  return (
    <PaneBox title={`restart progress · ${snap.profile} ${snap.format}`} hotkey="4" focused={focused} width={width} height={height}>
      <Text wrap="truncate">{`VMA ${r.vmaIndex >= 0 ? r.vmaIndex + 1 : 0} of ${r.mapCount ?? '?'} (map_count)`}</Text>
      <Text wrap="truncate">{`pages ${n(r.pagesRead)} of ${n(totalPages)} · bytes ${n(r.bytesRead)} of ${total ? n(total) : '?'}`}</Text>
      <Text wrap="truncate">
        <Bar value={r.bytesRead} total={total} width={barWidth} color="cyan" />
        {` ${String(pct).padStart(3)}%`}
      </Text>
      <Text wrap="truncate">
        {'step '}
        <Text bold color="yellow">{step ? step[1] : (r.step ?? '-')}</Text>
        <Text dimColor>{step ? ` (${step[2]})` : ''}</Text>
      </Text>
      {r.pastPointOfNoReturn ? (
        <Text color="red" bold wrap="truncate">{'✗ point of no return CROSSED: old mm destroyed'}</Text>
      ) : (
        <Text color="green" wrap="truncate">{'point of no return not crossed: task unchanged'}</Text>
      )}
    </PaneBox>
  );
}

// The key table: one list of bindings that drives the input handler, the hint line and the help
// overlay, so the three can never disagree.

import type { Key } from 'ink';

export type KeyCommand =
  | 'togglePause' | 'next' | 'stepPgarr' | 'stepPage' | 'nextVma' | 'continue' | 'breakpoint'
  | 'focusNext' | 'focusPrev' | 'focusPane' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'help' | 'close' | 'quit';

export interface Binding {
  command: KeyCommand;
  /** The keys as the help overlay and hint line print them. */
  keys: string;
  /** A word or two for the hint line; absent: the binding is only in the help overlay. */
  hint?: string;
  description: string;
  matches(input: string, key: Key): boolean;
}

const letter = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;

export const BINDINGS: readonly Binding[] = [
  { command: 'togglePause', keys: 'space', hint: 'run/pause', description: 'pause, or resume running to the next breakpoint', matches: letter(' ') },
  { command: 'next', keys: 'n', hint: 'next phase', description: 'step to the next phase boundary (scan, dump, free, mmap, read ...)', matches: letter('n') },
  { command: 'stepPgarr', keys: 's', hint: 'step', description: 'step finer: to the next page-array (cr_pgarr) or phase boundary', matches: letter('s') },
  { command: 'stepPage', keys: 'S', description: 'step finest: to the next page', matches: letter('S') },
  { command: 'nextVma', keys: 'v', hint: 'next VMA', description: 'run to the first phase of the next VMA', matches: letter('v') },
  { command: 'continue', keys: 'c', hint: 'continue', description: 'continue to the next breakpoint, failure or the end', matches: letter('c') },
  { command: 'breakpoint', keys: 'b', hint: 'break', description: 'toggle a breakpoint on the current phase kind (e.g. every scan)', matches: letter('b') },
  { command: 'focusNext', keys: 'Tab', hint: 'pane', description: 'focus the next pane', matches: (_i, k) => k.tab && !k.shift },
  { command: 'focusPrev', keys: 'Shift-Tab', description: 'focus the previous pane', matches: (_i, k) => k.tab && k.shift },
  { command: 'focusPane', keys: '1-5', description: 'focus a pane: 1 mm header, 2 VMAs, 3 page-arrays, 4 restart, 5 log (or failure)', matches: (i, k) => !k.ctrl && !k.meta && /^[1-5]$/.test(i) },
  { command: 'up', keys: '↑ / k', description: 'move up in the focused pane (select a VMA to see its pages)', matches: (i, k) => k.upArrow || (i === 'k' && !k.ctrl) },
  { command: 'down', keys: '↓ / j', description: 'move down in the focused pane', matches: (i, k) => k.downArrow || (i === 'j' && !k.ctrl) },
  { command: 'pageUp', keys: 'PgUp', description: 'move a page up in the focused pane', matches: (_i, k) => k.pageUp },
  { command: 'pageDown', keys: 'PgDn', description: 'move a page down in the focused pane', matches: (_i, k) => k.pageDown },
  { command: 'help', keys: '?', hint: 'help', description: 'show or hide this help', matches: letter('?') },
  { command: 'close', keys: 'Esc', description: 'close the help overlay', matches: (_i, k) => k.escape },
  { command: 'quit', keys: 'q / Ctrl-C twice', hint: 'quit', description: 'quit, leaving the terminal as it was', matches: (i, k) => (i === 'q' && !k.ctrl) || (i === 'c' && k.ctrl) },
];

/** The binding a keypress runs, if any. */
export function bindingFor(input: string, key: Key): Binding | undefined {
  return BINDINGS.find((b) => b.matches(input, key));
}

/** "space run/pause  n next phase ..." for the hint line, shortened to fit `width`. */
export function hintLine(width = Infinity): string {
  const hinted = BINDINGS.filter((b) => b.hint);
  const key = (b: Binding) => b.keys.split(' / ')[0]!;
  const long = hinted.map((b) => `${key(b)} ${b.hint}`).join('  ');
  if (long.length <= width) return long;
  const short = hinted.map((b) => `${key(b)} ${b.hint!.split(/[ /]/)[0]}`).join(' ');
  return short;
}

export type PaneId = 'mm' | 'vma' | 'chain' | 'restart' | 'log' | 'failure';

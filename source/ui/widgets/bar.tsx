// A horizontal bar: `used` of `total` as filled cells, optionally a second part (e.g. pages pinned).

import { Text } from 'ink';

export interface BarProps {
  value: number;
  total: number;
  width: number;
  color?: string;
}

export function barText(value: number, total: number, width: number): [string, string] {
  const w = Math.max(1, width);
  const filled = total > 0 ? Math.min(w, Math.round((value / total) * w)) : 0;
  const shown = value > 0 && filled === 0 ? 1 : filled;
  return ['█'.repeat(shown), '░'.repeat(w - shown)];
}

export function Bar({ value, total, width, color = 'green' }: BarProps) {
  const [on, off] = barText(value, total, width);
  return (
    <Text>
      <Text color={color}>{on}</Text>
      <Text dimColor>{off}</Text>
    </Text>
  );
}

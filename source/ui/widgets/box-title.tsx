// A bordered pane with its number and title in the top border line; the focused one is drawn
// with a double border. The top line is text (so the title sits in it), the rest is Ink's border.

import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export interface PaneBoxProps {
  title: string;
  /** The key that focuses it (1-5), shown before the title. */
  hotkey?: string;
  focused: boolean;
  width: number;
  height: number;
  borderColor?: string;
  children?: ReactNode;
}

/** "┌─ 2 VMAs ───┐" exactly `width` wide. */
export function topLine(title: string, width: number, focused: boolean): string {
  const [l, h, r] = focused ? ['╔', '═', '╗'] : ['┌', '─', '┐'];
  const inner = Math.max(0, width - 2);
  let t = ` ${title} `;
  if (t.length > inner - 1) t = t.slice(0, Math.max(0, inner - 3)) + '… ';
  if (inner < 4) t = '';
  return l + h + t + h.repeat(Math.max(0, inner - 1 - t.length)) + r;
}

export function PaneBox({ title, hotkey, focused, width, height, borderColor, children }: PaneBoxProps) {
  const color = borderColor ?? (focused ? 'cyan' : 'gray');
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text color={color} bold={focused} wrap="truncate">{topLine(`${hotkey ? `${hotkey} ` : ''}${title}`, width, focused)}</Text>
      <Box
        flexDirection="column"
        borderStyle={focused ? 'double' : 'single'}
        borderTop={false}
        borderColor={color}
        height={height - 1}
        width={width}
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}

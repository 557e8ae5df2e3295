// 1: the mm header, every field of cr_hdr_mm as in the image (during restart: as read so far).

import { Box, Text } from 'ink';
import type { MmField, Snapshot } from '../../session/index.js';
import { PaneBox } from '../widgets/box-title.js';

const RANGES: ReadonlyArray<[string, string, string | null]> = [
  ['code', 'start_code', 'end_code'],
  ['data', 'start_data', 'end_data'],
  ['brk', 'start_brk', 'brk'],
  ['stack', 'start_stack', null],
  ['arg', 'arg_start', 'arg_end'],
  ['env', 'env_start', 'env_end'],
];

export interface MmPaneProps {
  snap: Snapshot;
  focused: boolean;
  width: number;
  height: number;
}

function value(fields: MmField[] | null, name: string): string {
  return fields?.find((f) => f.name === name)?.value ?? '?';
}

export function MmPane({ snap, focused, width, height }: MmPaneProps) {
  const f = snap.mm;
  const wide = width >= 50;
  const source = snap.stage.kind === 'restart' ? 'read from the image' : 'written to the image';
  // seven lines of fields; in a shorter box map_count and tag move into the title
  const inTitle = height - 2 < 7 && f !== null;
  const title = inTitle ? `cr_hdr_mm · map_count ${value(f, 'map_count')} · tag ${value(f, 'tag')}` : 'mm header · cr_hdr_mm';
  return (
    <PaneBox title={title} hotkey="1" focused={focused} width={width} height={height}>
      {f === null ? (
        <Text dimColor wrap="truncate">{snap.stage.kind === 'restart' ? 'not read yet (cr_read_mm)' : 'not written yet (cr_write_mm)'}</Text>
      ) : (
        <>
          {RANGES.map(([label, a, b]) => (
            <Text key={label} wrap="truncate">
              <Text color="cyan">{(wide ? (b ? `${a}..${b.replace(/^(start_|end_)/, '')}` : a) : label).padEnd(wide ? 20 : 6)}</Text>
              {value(f, a)}
              {b ? `-${value(f, b)}` : ''}
            </Text>
          ))}
          {inTitle ? null : <Text wrap="truncate">
            <Text color="cyan">{'map_count'.padEnd(wide ? 20 : 10)}</Text>
            {value(f, 'map_count')}
            <Text color="cyan">{'  tag '}</Text>
            {value(f, 'tag')}
            {width > 44 ? <Text dimColor>{`  (${source})`}</Text> : null}
          </Text>}
        </>
      )}
      <Box flexGrow={1} />
    </PaneBox>
  );
}

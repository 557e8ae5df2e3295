// The failure pane (replaces the chain and log panes when a stage fails): errno, C function and
// check, record kind and index, byte offset, the record's decoded fields with the offending one
// marked, a hex dump around the offset, the VMAs restored before it, and the point of no return.

import { Box, Text } from 'ink';
import type { FailedVma, Failure, HexLine } from '../../session/index.js';
import { PaneBox } from '../widgets/box-title.js';

const n = (x: number) => x.toLocaleString('en-US');
const hex8 = (x: number) => x.toString(16).padStart(8, '0');

export interface FailurePaneProps {
  failure: Failure;
  focused: boolean;
  width: number;
  height: number;
  /** Hex lines scrolled from the default window. */
  scroll: number;
}

/** One hex line; marked bytes are bracketed (readable without colour) and drawn inverse. */
export function HexRow({ line, ascii }: { line: HexLine; ascii: boolean }) {
  const parts: Array<{ text: string; marked: boolean }> = [];
  line.bytes.forEach((b, i) => {
    const m = line.marked.includes(i);
    const prevMarked = i > 0 && line.marked.includes(i - 1);
    const sep = (i === 8 ? ' ' : '') + (m && !prevMarked ? '[' : !m && prevMarked ? ']' : ' ');
    parts.push({ text: sep, marked: false });
    parts.push({ text: b.toString(16).padStart(2, '0'), marked: m });
  });
  const lastMarked = line.marked.includes(line.bytes.length - 1);
  const text = line.bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return (
    <Text wrap="truncate">
      <Text dimColor>{hex8(line.offset)}</Text>
      {parts.map((p, i) => (p.marked ? <Text key={i} inverse color="red">{p.text}</Text> : <Text key={i}>{p.text}</Text>))}
      {lastMarked ? ']' : ' '}
      {ascii ? <Text dimColor>{' '.repeat(Math.max(0, 16 - line.bytes.length) * 3)}{` ${text}`}</Text> : null}
    </Text>
  );
}

/** The hex lines to show: `lines` of them around the first marked one, moved by scroll. */
export function hexWindow(hex: HexLine[], lines: number, scroll: number, offset: number): HexLine[] {
  let mark = hex.findIndex((l) => l.marked.length > 0);
  if (mark < 0) mark = hex.findIndex((l) => offset < l.offset + 16);
  if (mark < 0) mark = hex.length - 1;
  const start = Math.max(0, Math.min(hex.length - lines, mark - Math.floor((lines - 1) / 2) + scroll));
  return hex.slice(Math.max(0, start), Math.max(0, start) + lines);
}

/** A checkpoint's failing VMA: where it is, its vm_flags by name with the refused ones marked, what was written before. */
function FailedVmaLines({ vma }: { vma: FailedVma }) {
  const size = (vma.end - vma.start) / 1024;
  return (
    <>
      <Text wrap="truncate">
        {`VMA #${vma.index} 0x${vma.start.toString(16)}-0x${vma.end.toString(16)} (${n(size)}K) `}
        {vma.file ? `file ${vma.file}` : 'anonymous'}
      </Text>
      <Text wrap="truncate">
        {`vm_flags 0x${vma.flags.toString(16)}:`}
        {vma.offending.map((name) => <Text key={name} color="red" bold>{` [${name}]`}</Text>)}
        {vma.flagNames.filter((name) => !vma.offending.includes(name)).map((name) => ` ${name}`).join('')}
      </Text>
      <Text wrap="truncate" dimColor>
        {`${vma.doneBefore} VMA(s) dumped before it; a failed checkpoint keeps no image`}
      </Text>
    </>
  );
}

export function FailurePane({ failure: f, focused, width, height, scroll }: FailurePaneProps) {
  const inner = height - 2;
  const wide = width >= 110;
  const rec = f.record;
  const restored = f.restoredVmas.length ? f.restoredVmas.map((i) => `#${i}`).join(' ') : 'none';
  const ponr = f.stage !== 'restart' ? null : f.pastPointOfNoReturn
    ? `point of no return CROSSED: task half-built · VMAs restored: ${restored}`
    : `before the point of no return: task unchanged · VMAs restored: ${restored}`;
  const head = 2 + (ponr ? 1 : 0) + (f.vma ? Math.min(3, Math.max(0, inner - 2)) : 0);
  const body = Math.max(1, inner - head);
  const fieldsText = f.recordFields.map((x) => (x.offending ? `»${x.name}=${x.value}«` : `${x.name}=${x.value}`));
  const fieldLines = wide ? Math.min(body, f.recordFields.length) : Math.min(Math.max(1, body - 3), Math.ceil(fieldsText.join(' ').length / Math.max(1, width - 12)) + (f.recordFields.length ? 0 : -1));
  const last = f.hex[f.hex.length - 1];
  // a read past the end: say so under the last byte there is
  const pastEnd = f.errno === 'EIO' && last !== undefined && f.offset >= last.offset + last.bytes.length;
  const hexLines = Math.max(0, (wide ? body : body - Math.max(0, fieldLines)) - (pastEnd ? 1 : 0));
  const hex = hexWindow(f.hex, hexLines, scroll, f.offset);
  const fields = (
    <Box flexDirection="column" width={wide ? 44 : width - 2} height={fieldLines} overflow="hidden">
      {wide ? (
        f.recordFields.slice(0, fieldLines).map((x) => (
          <Text key={x.name + x.offset} wrap="truncate" color={x.offending ? 'red' : undefined} bold={x.offending}>
            {`${x.offending ? '▶' : ' '}${x.name.padEnd(13)}${x.value.padEnd(19)}@${x.offset}`}
          </Text>
        ))
      ) : (
        <Text wrap="wrap">
          {f.recordFields.map((x, i) => (
            <Text key={x.name + x.offset} color={x.offending ? 'red' : undefined} bold={x.offending}>{(i ? ' ' : '') + fieldsText[i]}</Text>
          ))}
        </Text>
      )}
    </Box>
  );
  return (
    <PaneBox title={`${f.stage} failed`} hotkey="5" focused={focused} width={width} height={height} borderColor="red">
      <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate">
        <Text bold color="red">{`-${f.errno}`}</Text>
        {` (-${f.errnoValue}) in `}
        <Text bold>{f.fn}</Text>
        {`: ${f.check}`}
      </Text>
      <Text wrap="truncate">
        {rec ? `record ${rec.kind} #${rec.index} at byte ${n(rec.offset)}` : f.stage === 'checkpoint' ? 'checkpoint of the task' : 'no record'}
        {` · failing offset `}
        <Text bold>{`${n(f.offset)} (0x${f.offset.toString(16)})`}</Text>
        {f.field ? ` · field ${f.field}` : ''}
      </Text>
      {ponr ? <Text wrap="truncate" color={f.pastPointOfNoReturn ? 'red' : 'green'} bold={f.pastPointOfNoReturn}>{ponr}</Text> : null}
      {f.vma ? <FailedVmaLines vma={f.vma} /> : null}
      </Box>
      <Box flexDirection={wide ? 'row' : 'column'} height={body} overflow="hidden">
        {f.recordFields.length ? fields : null}
        <Box flexDirection="column" marginLeft={wide ? 2 : 0}>
          {hex.map((l) => <HexRow key={l.offset} line={l} ascii={width - (wide ? 48 : 2) >= 76} />)}
          {pastEnd ? <Text color="red" wrap="truncate">{`${hex8(f.offset)} <end of image: byte ${n(f.offset)} is past the last one>`}</Text> : null}
        </Box>
      </Box>
    </PaneBox>
  );
}

import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { VmaPane } from '../../source/ui/panes/vma-pane.js';
import type { Snapshot, VmaRow } from '../../source/session/index.js';

const vma = (index: number, file: string | null): VmaRow => ({
  index, start: 0x100000000 + index * 0x1000, end: 0x100001000 + index * 0x1000, pages: 1, perms: 'rw-p',
  kind: file ? 'FILE' : 'ANON', file, pgoff: 0, flags: 0x73, dumped: 0, zero: 1, clean: 0, npagesInImage: null, state: 'dumping',
});

function frame(vmas: VmaRow[], width: number): string {
  const snap = { vmas, currentVma: 0, stage: { index: 0, count: 1, kind: 'checkpoint', label: '' } } as unknown as Snapshot;
  const r = render(<VmaPane snap={snap} focused={false} width={width} height={5 + vmas.length} selected={null} />);
  const f = r.lastFrame() ?? '';
  r.unmount();
  return f;
}

describe('VmaPane', () => {
  for (const width of [80, 120]) {
    it(`draws one anonymous VMA as a header and a row, with no table rules, at ${width} columns`, () => {
      const f = frame([vma(0, null)], width);
      const inner = f.split('\n').slice(1, -1);
      expect(inner[0]).toMatch(/│ #\s+│ start/);
      expect(inner[1]).toMatch(/▶0 │ (0x)?100000000/);
      expect(f).not.toMatch(/│─{5,}/); // a rule of the table would show as a line of ─ inside the box
    });
  }

  it('keeps every row of several VMAs, files or not', () => {
    const f = frame([vma(0, null), vma(1, '/lib/libc.so.6'), vma(2, null)], 120);
    expect(f).toContain('libc.so.6');
    expect(f).toMatch(/│\s+2 │/);
    expect(f).not.toMatch(/│─{5,}/);
  });

  it('shows a page count that wrapped in the image (defect 4) as written', () => {
    const heap = { ...vma(0, null), dumped: 33000, npagesInImage: -32536, zero: 0 };
    expect(frame([heap], 120)).toContain('33000→-32536');
    expect(frame([heap], 80)).toContain('33000!/0');
    expect(frame([{ ...heap, npagesInImage: 33000 }], 120)).not.toContain('→');
  });
});

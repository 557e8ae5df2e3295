// Height and width budgets for the panes, from the terminal size: the frame is never taller than
// rows - 1 (Ink clears the whole screen when it is), and long lists are windowed to their boxes.

export interface Layout {
  columns: number;
  /** Rows the frame uses (<= terminal rows - 1). */
  frame: number;
  /** The top row (mm header | restart progress); 0 when hidden to make room for the failure pane. */
  top: number;
  mmWidth: number;
  vma: number;
  /** The bottom row: chain | log, or the failure pane. */
  bottom: number;
  chainWidth: number;
  status: number;
}

export const STATUS_ROWS = 2;

export function layout(columns: number, rows: number, vmaCount: number, failed: boolean): Layout {
  const cols = Math.max(40, columns);
  const frame = Math.max(10, rows - 1);
  const avail = frame - STATUS_ROWS;
  let top = avail >= 34 ? 9 : 8;
  const mmWidth = cols >= 110 ? 52 : Math.min(40, Math.floor(cols / 2));
  const chainWidth = cols >= 110 ? Math.floor(cols * 0.55) : Math.floor(cols / 2);
  const vmaWant = 3 + Math.max(1, vmaCount);
  if (failed) {
    // the failure pane wants about 17 rows; the VMA table keeps at least two rows
    const failWant = 17;
    if (avail - top - 5 < 12) top = 0;
    const vma = Math.max(5, Math.min(vmaWant, avail - top - failWant));
    return { columns: cols, frame, top, mmWidth, vma, bottom: avail - top - vma, chainWidth, status: STATUS_ROWS };
  }
  const bottomMin = avail >= 30 ? 12 : 6;
  if (avail - top - 5 < bottomMin) top = 0; // a very short terminal: the VMAs and the chain first
  const vma = Math.max(5, Math.min(vmaWant, avail - top - bottomMin));
  return { columns: cols, frame, top, mmWidth, vma, bottom: avail - top - vma, chainWidth, status: STATUS_ROWS };
}

// The real CLI in a pseudo-terminal: keys in, the emulated screen asserted.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnCli, type Screen } from './pty.js';

const live: Screen[] = [];
function run(args: string[], cols: number, rows: number, opts: Parameters<typeof spawnCli>[3] = {}): Screen {
  const s = spawnCli(args, cols, rows, opts);
  live.push(s);
  return s;
}

beforeAll(() => ensureBuilt(), 180_000);
afterEach(() => {
  for (const s of live.splice(0)) s.kill();
});

const statusLine = (s: Screen) => s.lines().find((l) => /paused|running|finished|failed/.test(l) && l.includes('·')) ?? '';
const rowOf = (s: Screen, re: RegExp) => s.lines().find((l) => re.test(l)) ?? '';

describe.each([
  [120, 40],
  [80, 24],
])('the debugger at %ix%i', (cols, rows) => {
  it('demo starts paused with the hint; n n n steps scan -> dump -> free on the heap VMA', async () => {
    const s = run([], cols, rows);
    await s.waitFor('paused at the first phase');
    await s.waitFor('cr_write_head'); // the session has started; the hint above says keys are read
    expect(statusLine(s)).toContain('cr_write_head');
    for (let i = 0; i < 4; i++) {
      s.press('v');
      await s.waitFor(new RegExp(`scan VMA #${i} `)); // the log line of the boundary v stopped at
    }
    await s.waitFor(/scan VMA #3/);
    expect(rowOf(s, /▶3 /)).toContain('scanning');
    expect(s.text()).toContain('0 pages pinned');
    expect(statusLine(s)).toContain('offset 8,838');

    s.press('n');
    await s.waitFor(/dump VMA #3/);
    expect(rowOf(s, /▶3 /)).toContain('dumping');
    expect(s.text()).toContain('3 pages pinned');
    expect(rowOf(s, /▶#0/)).toContain('3 used 509 left');
    expect(s.text()).toContain('LLL00000');

    s.press('n');
    await s.waitFor(/free VMA #3/);
    expect(statusLine(s)).toContain('offset 21,214');

    s.press('n');
    await s.waitFor(/scan VMA #4/);
    expect(rowOf(s, /│\s+3 │/)).toContain('dumped');
    expect(s.text()).toContain('0 pages pinned');
    expect(rowOf(s, /▶#0/)).toContain('0 used 512 left');
    // the frame never reaches the last row (Ink would clear the whole screen)
    expect(s.lines()[rows - 1]!.trim()).toBe('');

    s.press('q');
    expect(await s.exited).toBe(0);
  });

  it('a failed restart stops at its failure pane with the errno and the byte offset', async () => {
    const s = run(['debug', 'restart', 'samples/bad/truncated.img', '--into', 'samples/hello.json', '--run'], cols, rows);
    await s.waitFor('restart failed');
    const t = s.text();
    expect(t).toContain('-EIO (-5) in cr_vma_read_pages_data');
    expect(t).toContain('failing offset 14,022 (0x36c6)');
    expect(t).toContain('record CR_HDR_VMA #9 at byte 8,838');
    expect(t).toMatch(/point of no return CROSSED: task half-built · VMAs restored: #0 #1 #2/);
    expect(t).toContain('<end of image: byte 14,022');
    expect(statusLine(s)).toContain('✗ failed');
    s.press('q');
    expect(await s.exited).toBe(0);
    expect(s.raw()).toContain('-EIO in cr_vma_read_pages_data');
  });

  it('? shows the help and Esc closes it', async () => {
    const s = run([], cols, rows);
    await s.waitFor('paused at the first phase');
    await s.waitFor('cr_write_head'); // the session has started; the hint above says keys are read
    s.press('?');
    await s.waitFor('keys (Esc or ? closes)');
    // the overlay is drawn over several writes: wait for its last line rather than read a half frame
    await s.waitFor('continue to the next breakpoint');
    await s.waitFor('quit, leaving the terminal as it was');
    s.press('\x1b');
    await s.waitFor('page-array chain');
    expect(s.text()).not.toContain('keys (Esc or ? closes)');
    s.press('q');
    expect(await s.exited).toBe(0);
  });
});

describe('leaving the terminal as it was', () => {
  it('q exits 0 with raw mode off, the cursor shown and the main screen back', async () => {
    const s = run([], 100, 30, { shell: `node dist/cli.js; echo "exit=$?"; stty -a` });
    await s.waitFor('paused at the first phase');
    await s.waitFor('cr_write_head'); // the session has started; the hint above says keys are read
    expect(s.terminal.buffer.active.type).toBe('alternate');
    s.press('q');
    await s.waitFor(/exit=0/);
    await s.waitFor(/icanon/);
    expect(s.text()).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(s.text()).toMatch(/(^|\s)echo(\s|$)/m);
    expect(s.terminal.buffer.active.type).toBe('normal');
    const raw = s.raw();
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
    expect(await s.exited).toBe(0);
  });

  it('Ctrl-C twice quits with 0', async () => {
    const s = run([], 100, 30);
    await s.waitFor('paused at the first phase');
    await s.waitFor('cr_write_head'); // the session has started; the hint above says keys are read
    s.press('\x03');
    await s.waitFor('press Ctrl-C again to quit');
    s.press('\x03');
    expect(await s.exited).toBe(0);
  });

  it('follows a resize and stays within the new size', async () => {
    const s = run([], 120, 40);
    await s.waitFor('paused at the first phase');
    await s.waitFor('cr_write_head'); // the session has started; the hint above says keys are read
    s.press('v');
    await s.waitFor(/scan VMA #0/);
    s.resize(80, 24);
    await s.waitFor('cr_hdr_mm · map_count 8'); // the mm pane's short form: drawn for 24 rows
    await new Promise((r) => setTimeout(r, 300));
    const lines = s.lines();
    expect(lines).toHaveLength(24);
    expect(lines[23]!.trim()).toBe('');
    expect(lines.some((l) => l.includes('cr_vma_scan_pages'))).toBe(true);
    s.press('q');
    expect(await s.exited).toBe(0);
  });

  it('a crash inside the UI restores the terminal and prints the error', async () => {
    const s = run([], 100, 30, { shell: `node dist/cli.js; echo "exit=$?"; stty -a`, env: { CKPT_TEST_CRASH: '1' } });
    await s.waitFor('paused at the first phase'); // the hint appears once keys are read
    s.press('n');
    await s.waitFor(/exit=1/);
    await s.waitFor(/icanon/);
    expect(s.text()).toContain('ckpt: the debugger crashed: a crash inside the UI, on purpose');
    expect(s.text()).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(s.terminal.buffer.active.type).toBe('normal');
    const raw = s.raw();
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
  });

  it('NO_COLOR draws without colour', async () => {
    const s = run(['debug', 'restart', 'samples/bad/bad-type.img', '--run'], 100, 30, { env: { NO_COLOR: '1' } });
    await s.waitFor('restart failed');
    expect(s.text()).toContain('-EINVAL (-22) in cr_read_mm');
    expect(s.raw()).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25])[;m]/);
    s.press('q');
    expect(await s.exited).toBe(0);
  });

  it('TERM=dumb prints plain progress lines and exits with the result', async () => {
    const s = run(['debug', 'restart', 'samples/bad/bad-type.img'], 100, 30, { env: { TERM: 'dumb' } });
    expect(await s.exited).toBe(1);
    const raw = s.raw();
    expect(raw).not.toContain('\x1b[?1049h');
    expect(raw).toContain('phase   mm (cr_read_mm)');
    expect(raw).toContain('ckpt:   field type = 999 (byte 288)');
    expect(raw).toContain('before the point of no return: the task is unchanged');
  });

  it('bad input is one line and exit 2, with no screen drawn', async () => {
    const s = run(['debug', 'checkpoint', 'samples/hello.json', '--break', 'bogus'], 100, 30);
    expect(await s.exited).toBe(2);
    expect(s.raw()).toMatch(/ckpt debug: --break takes scan, dump, free/);
    expect(s.raw()).not.toContain('\x1b[?1049h');
    const m = run(['debug', 'restart', 'no/such.img'], 100, 30);
    expect(await m.exited).toBe(1);
    expect(m.raw().trim().split('\n')).toHaveLength(1);
  });
});

import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { DebugSession, debugRestartJob, demoJob } from '../../source/session/index.js';
import { App } from '../../source/ui/app.js';
import { opts, press, settle } from './helpers.js';

afterEach(() => cleanup());

function demo(size = { columns: 100, rows: 40 }, intro: string | null = 'press n to step') {
  const session = new DebugSession(demoJob('samples/hello.json', opts));
  const ui = render(<App session={session} size={size} intro={intro} />);
  session.start(false);
  return { session, ...ui };
}

/** A terminal of a given size for Ink: frames written, a stdin that takes keys, resize. */
function fakeTerminal(columns: number, rows: number) {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns, rows, isTTY: true,
    write: (s: string) => {
      frames.push(s);
      return true;
    },
  });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true, data: null as string | null,
    write(d: string) {
      this.data = d;
      this.emit('readable');
      this.emit('data', d);
    },
    read() {
      const d = this.data;
      this.data = null;
      return d;
    },
    setEncoding() {}, setRawMode() {}, resume() {}, pause() {}, ref() {}, unref() {},
  });
  return {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream & { write(d: string): void },
    frames,
    last: () => frames[frames.length - 1],
    resize(c: number, r: number) {
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
  };
}

const lines = (frame: string | undefined) => (frame ?? '').split('\n');
const row = (frame: string | undefined, re: RegExp) => lines(frame).find((l) => re.test(l)) ?? '';

describe('App', () => {
  it('starts paused at the first phase with the hint', async () => {
    const { session, lastFrame } = demo();
    await settle(session);
    const f = lastFrame()!;
    expect(f).toContain('❚❚ paused');
    expect(f).toContain('cr_write_head');
    expect(f).toContain('press n to step');
    expect(f).toContain('not written yet (cr_write_mm)');
    expect(f).toMatch(/restart progress · rfc2008 v1/); // the debugger names the active profile and format
  });

  it('n steps scan -> dump -> free on the heap VMA and the panes follow', async () => {
    const { session, stdin, lastFrame } = demo();
    await settle(session);
    for (let i = 0; i < 4; i++) await press(stdin, session, 'v');
    let f = lastFrame();
    expect(row(f, /paused/)).toContain('cr_vma_scan_pages');
    expect(row(f, /▶3 /)).toContain('scanning');
    expect(f).toContain('0 pages pinned');

    await press(stdin, session, 'n');
    f = lastFrame();
    expect(row(f, /paused/)).toContain('cr_vma_dump_pages');
    expect(row(f, /▶3 /)).toMatch(/dumping/);
    expect(row(f, /▶3 /)).toMatch(/│ 3\/5\s+│/); // 3 dumped, 5 skipped (zero page)
    expect(f).toContain('3 pages pinned');
    expect(row(f, /▶#0/)).toContain('3 used 509 left pgcur');
    expect(f).toMatch(/VMA #3 pages[\s\S]*LLL00000/);
    expect(row(f, /paused/)).toContain('offset 8,838');

    await press(stdin, session, 'n');
    f = lastFrame();
    expect(row(f, /paused/)).toContain('cr_pgarr_release');
    expect(row(f, /paused/)).toContain('offset 21,214');
    expect(row(f, /▶3 /)).toContain('freeing');
    expect(f).toContain('3 pages pinned'); // the references are dropped by the free phase itself

    await press(stdin, session, 'n');
    f = lastFrame();
    expect(row(f, /paused/)).toContain('VMA #4');
    expect(row(f, /│\s+3 │/)).toContain('dumped');
    expect(f).toContain('0 pages pinned');
    expect(row(f, /▶#0/)).toContain('0 used 512 left');
    await press(stdin, session, '2');
    await press(stdin, session, 'k'); // select VMA #3
    f = lastFrame();
    expect(row(f, /›3 /)).toContain('dumped');
    expect(f).toMatch(/VMA #3 pages[\s\S]*DDD00000/);
  });

  it('? shows the help from the key table and Esc closes it', async () => {
    const { session, stdin, lastFrame } = demo();
    await settle(session);
    await press(stdin, session, '?');
    expect(lastFrame()).toContain('keys (Esc or ? closes)');
    expect(lastFrame()).toContain('q / Ctrl-C twice');
    await press(stdin, session, '\u001b');
    await new Promise((r) => setTimeout(r, 80)); // Ink waits a moment to tell Esc from a sequence
    expect(lastFrame()).not.toContain('keys (Esc or ? closes)');
    expect(lastFrame()).toContain('VMAs');
  });

  it('arrows in the VMA pane select a VMA and show its pages', async () => {
    const { session, stdin, lastFrame } = demo();
    await settle(session);
    await press(stdin, session, 'c'); // to the end: every VMA restored
    await press(stdin, session, '2');
    await press(stdin, session, 'j');
    await press(stdin, session, 'j');
    const f = lastFrame();
    expect(row(f, /›1 /)).toContain('restored');
    expect(f).toContain('VMA #1 pages');
    expect(row(f, /finished/)).toContain('■ finished');
  });

  it('b sets a breakpoint on the current phase kind and c stops there', async () => {
    const { session, stdin, lastFrame } = demo();
    await settle(session);
    await press(stdin, session, 'v'); // scan VMA #0
    await press(stdin, session, 'b');
    expect(lastFrame()).toContain('breakpoint on every scan set');
    await press(stdin, session, 'c');
    expect(row(lastFrame(), /paused/)).toContain('breakpoint scan');
    expect(row(lastFrame(), /paused/)).toContain('break scan');
  });

  it('Ctrl-C once asks again instead of quitting', async () => {
    const { session, stdin, lastFrame } = demo();
    await settle(session);
    await press(stdin, session, '\u0003');
    expect(lastFrame()).toContain('press Ctrl-C again to quit');
  });

  it('a failed restart shows the failure pane with errno, offset and the offending field', async () => {
    const session = new DebugSession(debugRestartJob('samples/bad/bad-type.img', 'samples/hello.json', opts));
    const { lastFrame } = render(<App session={session} size={{ columns: 100, rows: 40 }} />);
    session.start(true);
    await settle(session);
    const f = lastFrame()!;
    expect(f).toContain('✗ failed');
    expect(f).toContain('-EINVAL (-22) in cr_read_mm');
    expect(f).toContain('at byte 288');
    expect(f).toContain('»type=999«');
    expect(f).toContain('before the point of no return: task unchanged');
    expect(row(f, /^│00000120/)).toContain('[e7 03]');
  });

  it.each([
    [80, 24],
    [120, 40],
    [100, 30],
    [60, 20],
  ])('never draws a frame as tall as a %ix%i terminal, nor wider', async (columns, rows) => {
    const term = fakeTerminal(columns, rows);
    const session = new DebugSession(demoJob('samples/hello.json', opts));
    const ink = inkRender(<App session={session} />, { stdout: term.stdout, stdin: term.stdin, debug: true, exitOnCtrlC: false, patchConsole: false });
    session.start(false);
    await settle(session);
    for (let i = 0; i < 5; i++) await press(term.stdin, session, 'v');
    for (const frame of [term.last(), ...term.frames.slice(-3)]) {
      const ls = lines(frame);
      expect(ls.length).toBeLessThanOrEqual(rows - 1);
      for (const l of ls) expect([...l].length).toBeLessThanOrEqual(columns);
    }
    // a resize redraws within the new size
    term.resize(80, 24);
    await settle(session);
    expect(lines(term.last()).length).toBeLessThanOrEqual(23);
    expect(term.last()).toContain('VMAs');
    ink.unmount();
  });
});

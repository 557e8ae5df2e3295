// Runs the built CLI in a real pseudo-terminal and keeps an emulated screen of what it draws.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import xterm from '@xterm/headless';
import * as pty from 'node-pty';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ when a source file is newer than dist/cli.js (a type error elsewhere still emits). */
export function ensureBuilt(): void {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  const src = Math.max(newest(path.join(ROOT, 'source')), fs.statSync(path.join(ROOT, 'cli.tsx')).mtimeMs);
  if (src <= built) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    // tsc exits non-zero on any type error but still writes dist/
  }
  execFileSync(process.execPath, ['scripts/post-build.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

export interface Screen {
  /** The visible lines, trailing spaces trimmed. */
  lines(): string[];
  text(): string;
  /** Resolves when the screen matches; rejects with the screen after timeoutMs. */
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the screen differs from `before`. */
  waitForChange(before: string, timeoutMs?: number): Promise<void>;
  press(keys: string): void;
  resize(cols: number, rows: number): void;
  /** Everything the program wrote, escape sequences included. */
  raw(): string;
  exited: Promise<number>;
  kill(): void;
  terminal: xterm.Terminal;
}

export function spawnCli(args: string[], cols: number, rows: number, opts: { shell?: string; env?: Record<string, string> } = {}): Screen {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && !k.startsWith('VITEST')) env[k] = v;
  Object.assign(env, { TERM: 'xterm-256color', FORCE_COLOR: '1' }, opts.env ?? {});
  const [file, argv] = opts.shell ? ['/bin/sh', ['-c', opts.shell]] : [process.execPath, [CLI, ...args]];
  const child = pty.spawn(file, argv, { name: env.TERM!, cols, rows, cwd: ROOT, env }); // node-pty sets TERM from name
  let raw = '';
  let pending = Promise.resolve();
  child.onData((d) => {
    raw += d;
    pending = new Promise((r) => term.write(d, r));
  });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  const lines = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < term.rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return out;
  };
  const text = () => lines().join('\n');
  const poll = async (ok: () => boolean, timeoutMs: number, what: string) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await pending;
      if (ok()) return;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${text()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    lines,
    text,
    waitFor: (what, timeoutMs = 10_000) =>
      poll(() => (typeof what === 'string' ? text().includes(what) : what.test(text())), timeoutMs, String(what)),
    waitForChange: (before, timeoutMs = 10_000) => poll(() => text() !== before, timeoutMs, 'a change'),
    press: (keys) => child.write(keys),
    resize: (c, r) => {
      child.resize(c, r);
      term.resize(c, r);
    },
    raw: () => raw,
    exited,
    kill: () => {
      try {
        child.kill();
      } catch {
        // already gone
      }
    },
    terminal: term,
  };
}

import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Key } from 'ink';
import { BINDINGS, bindingFor, hintLine } from '../../source/ui/keys.js';
import { layout } from '../../source/ui/layout.js';

const key = (k: Partial<Key> = {}): Key => ({
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false, ...k,
});

describe('the key table', () => {
  it('maps each key to one command', () => {
    expect(bindingFor(' ', key())?.command).toBe('togglePause');
    expect(bindingFor('n', key())?.command).toBe('next');
    expect(bindingFor('s', key())?.command).toBe('stepPgarr');
    expect(bindingFor('S', key({ shift: true }))?.command).toBe('stepPage');
    expect(bindingFor('v', key())?.command).toBe('nextVma');
    expect(bindingFor('c', key())?.command).toBe('continue');
    expect(bindingFor('c', key({ ctrl: true }))?.command).toBe('quit');
    expect(bindingFor('', key({ tab: true }))?.command).toBe('focusNext');
    expect(bindingFor('', key({ tab: true, shift: true }))?.command).toBe('focusPrev');
    expect(bindingFor('3', key())?.command).toBe('focusPane');
    expect(bindingFor('j', key())?.command).toBe('down');
    expect(bindingFor('', key({ upArrow: true }))?.command).toBe('up');
    expect(bindingFor('', key({ escape: true }))?.command).toBe('close');
    expect(bindingFor('x', key())).toBeUndefined();
    expect(new Set(BINDINGS.map((b) => b.command)).size).toBe(BINDINGS.length);
  });

  it('gives a hint line that fits 80 columns and names every hinted key', () => {
    expect(hintLine(80).length).toBeLessThanOrEqual(80);
    for (const b of BINDINGS.filter((x) => x.hint)) expect(hintLine()).toContain(`${b.keys.split(' / ')[0]} ${b.hint}`);
  });

  it('is what docs/DEBUGGER.md lists', () => {
    const doc = fs.readFileSync('docs/DEBUGGER.md', 'utf8');
    for (const b of BINDINGS) expect(doc).toContain(`| ${b.keys} | ${b.description} |`);
  });
});

describe('layout', () => {
  it.each([[80, 24], [120, 40], [100, 30], [60, 20], [200, 60]])('keeps the frame within %ix%i - 1 row', (cols, rows) => {
    for (const failed of [false, true]) {
      for (const vmas of [0, 8, 19, 200]) {
        const l = layout(cols, rows, vmas, failed);
        expect(l.top + l.vma + l.bottom + l.status).toBe(l.frame);
        expect(l.frame).toBeLessThanOrEqual(rows - 1);
        expect(l.vma).toBeGreaterThanOrEqual(5);
        expect(l.bottom).toBeGreaterThanOrEqual(failed ? 8 : 6);
      }
    }
  });
});

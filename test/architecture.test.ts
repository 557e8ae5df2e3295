// The layers import only the ones below them: kernel <- engine and image <- session <- ui <- cli.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE = path.resolve(import.meta.dirname, '..', 'source');

/** Every relative import of every file below source/<dir>, as the source directory it reaches. */
function importsOf(dir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name)) {
        const text = fs.readFileSync(p, 'utf8');
        const reached = new Set<string>();
        for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
          const target = path.relative(SOURCE, path.resolve(path.dirname(p), m[1]!));
          reached.add(target.split(path.sep)[0]!);
        }
        out.set(path.relative(SOURCE, p), reached);
      }
    }
  };
  walk(path.join(SOURCE, dir));
  return out;
}

/** Which source directories each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  kernel: [],
  image: ['kernel'],
  ckpt: ['kernel', 'image'],
  sample: ['kernel', 'ckpt'],
  capture: ['kernel', 'sample'],
  session: ['kernel', 'image', 'ckpt', 'sample'],
  ui: ['session'],
};

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`source/${layer} imports only ${allowed.length ? allowed.join(', ') : 'itself'}`, () => {
      const files = importsOf(layer);
      expect(files.size).toBeGreaterThan(0);
      const bad: string[] = [];
      for (const [file, reached] of files) {
        for (const r of reached) if (r !== layer && !allowed.includes(r)) bad.push(`${file} -> ${r}`);
      }
      expect(bad).toEqual([]);
    });
  }

  it('the engine and the image know nothing of React or Ink', () => {
    for (const layer of ['kernel', 'image', 'ckpt', 'session']) {
      for (const file of importsOf(layer).keys()) {
        const text = fs.readFileSync(path.join(SOURCE, file), 'utf8');
        expect(text, file).not.toMatch(/from '(react|ink)/);
      }
    }
  });
});

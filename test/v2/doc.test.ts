// The annotated v2 hex dump in docs/FORMAT.md is of samples/tiny.json's v2 image: every byte it
// shows must be the byte the checkpoint writes (the HEAD record's CRC, which covers the time, aside).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../source/image/source.js';
import { decodeV2 } from '../../source/image/v2/inspect.js';
import { imageOf, sampleTask } from './helpers.js';

describe('docs/FORMAT.md, format v2', () => {
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/FORMAT.md'), 'utf8');
  const v2 = doc.slice(doc.indexOf('## Format v2'));
  const img = imageOf(sampleTask('samples/tiny.json'), 'v2');
  const lines = [...v2.matchAll(/^ {2}([0-9a-f]{8}): ((?:[0-9a-f]{2} )*[0-9a-f]{2})/gm)];

  it('shows the v2 image of samples/tiny.json', () => {
    expect(lines.length).toBeGreaterThan(40);
    expect(v2).toContain(`end of image (${img.length.toLocaleString('en-US')} bytes)`);
    for (const [, off, bytes] of lines) {
      const at = parseInt(off!, 16);
      const want = Buffer.from(bytes!.replace(/ /g, ''), 'hex');
      const got = Buffer.from(img.subarray(at, at + want.length));
      if (at === 0) {
        // HEAD's CRC covers the time
        want.fill(0, 12, 16);
        got.fill(0, 12, 16);
      }
      expect(got.toString('hex'), `line ${off}`).toBe(want.toString('hex'));
    }
  });

  it('names the record offsets inspect prints', () => {
    const offsets = decodeV2(new BufferSource(img)).records.map((r) => r.offset);
    expect(offsets).toEqual([0, 264, 304, 336, 464, 544, 570, 650, 690, 4794, 8914]);
    expect(v2).toContain('prints the records at 0, 264, 304, 336, 464, 544, 570, 650, 690 (the');
  });
});

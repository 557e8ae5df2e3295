// Deterministic contents for samples: the same seed and address always give the same bytes.

import { PAGE_SIZE } from '../kernel/constants.js';

/** Fills a page with xorshift128 output seeded by (seed, address): fast, and unique per page. */
export function fillRandom(page: Buffer, seed: number, addr: number): void {
  const words = new Uint32Array(page.buffer, page.byteOffset, page.length >>> 2);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let y = (addr / PAGE_SIZE) >>> 0 ^ 0x85ebca6b;
  let z = Math.floor(addr / 2 ** 32) ^ 0xc2b2ae35;
  let w = 0x27d4eb2f ^ seed;
  for (let i = 0; i < words.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    words[i] = w;
  }
}

/** Every 16 bytes: the address of the line and the seed, so a hex dump shows where a page came from. */
export function fillPattern(page: Buffer, seed: number, addr: number): void {
  for (let off = 0; off < page.length; off += 16) {
    const a = addr + off;
    page.writeUInt32LE(a % 2 ** 32, off);
    page.writeUInt32LE(Math.floor(a / 2 ** 32), off + 4);
    page.writeUInt32LE(seed >>> 0, off + 8);
    page.writeUInt32LE((0xc0ffee00 | (off >>> 4)) >>> 0, off + 12);
  }
}

/** Bytes that look like x86 text in a hex dump: prologues, calls and returns. */
export function fillCode(page: Buffer, seed: number, addr: number): void {
  const ops = [0x55, 0x48, 0x89, 0xe5, 0xe8, 0xc3, 0x90, 0x31, 0xc0, 0x0f, 0x1f, 0x44];
  let s = (seed * 2654435761 + addr / PAGE_SIZE) >>> 0;
  for (let i = 0; i < page.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    page[i] = ops[(s >>> 16) % ops.length]!;
  }
}

export type Generator = 'random' | 'pattern' | 'code' | 'zero';

/** Fills one page-sized buffer that will sit at addr. */
export function fillPage(kind: Generator, page: Buffer, seed: number, addr: number): void {
  switch (kind) {
    case 'random': return fillRandom(page, seed, addr);
    case 'pattern': return fillPattern(page, seed, addr);
    case 'code': return fillCode(page, seed, addr);
    case 'zero': page.fill(0); return;
  }
}

// Regenerates the failing images in this folder from the samples, with the built CLI:
//   npm run build && node samples/bad/make.mjs
// Each image is a good checkpoint with one thing broken; README.md says what and how to show it.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-bad-'));

function checkpoint(sample) {
  const out = path.join(tmp, path.basename(sample, '.json') + '.img');
  execFileSync(process.execPath, [cli, 'checkpoint', path.join(root, 'samples', sample), '-o', out], { stdio: 'ignore' });
  // inspect exits 1 on a malformed image (the wrapped one is) but still prints every record
  const { records } = JSON.parse(spawnSync(process.execPath, [cli, 'inspect', out, '--json'], { maxBuffer: 1 << 26 }).stdout.toString());
  return { bytes: fs.readFileSync(out), records };
}

const vmaRecord = (records, n) => records.find((r) => r.kind === 'CR_HDR_VMA' && r.fields.vma === n);
const raw = (records, n, what) => records.find((r) => r.kind === 'raw' && r.fields.vma === n && r.fields.what === what);

function write(name, bytes, note) {
  fs.writeFileSync(path.join(here, name), bytes);
  console.log(`${name.padEnd(22)} ${String(bytes.length).padStart(6)} bytes  ${note}`);
}

const hello = checkpoint('hello.json');

// 1. truncated: the image ends in the middle of VMA #3's page contents (the heap)
{
  const data = raw(hello.records, 3, 'page contents');
  const cut = data.offset + 4096 + 1000;
  write('truncated.img', hello.bytes.subarray(0, cut), `cut at byte ${cut}, inside VMA #3's second page`);
}

// 2. bad record type: the CR_HDR_MM record's type (201) becomes 999
{
  const b = Buffer.from(hello.bytes);
  const mm = hello.records.find((r) => r.kind === 'CR_HDR_MM');
  b.writeInt16LE(999, mm.offset);
  write('bad-type.img', b, `type of the record at byte ${mm.offset} set to 999`);
}

// 3. a file name that does not exist in the restarting task's VFS: VMA #0's /bin/hello -> /bin/hellx
{
  const b = Buffer.from(hello.bytes);
  const name = hello.records.find((r) => r.kind === 'CR_HDR_STRING' && r.fields.name === '/bin/hello');
  const at = b.indexOf('/bin/hello', name.offset + 8, 'latin1');
  b.write('x', at + '/bin/hell'.length, 'latin1');
  write('missing-file.img', b, `name at byte ${at} changed to /bin/hellx`);
}

// 4. a page address outside its VMA: VMA #3's first address 0x607000 -> 0x10000000 (unmapped)
{
  const b = Buffer.from(hello.bytes);
  const addrs = raw(hello.records, 3, 'page addresses');
  b.writeBigUInt64LE(0x10000000n, addrs.offset);
  write('addr-outside.img', b, `address at byte ${addrs.offset} set to 0x10000000`);
}

// 5. npages wrapped by __s16: big-heap.json's heap of 33,000 dirty pages is written as -32536.
// The full image is over 128 MiB; restart fails at that VMA record before reading any page, so
// only the prefix through the record is kept.
if (fs.existsSync(path.join(root, 'samples', 'big-heap.json'))) {
  const big = checkpoint('big-heap.json');
  const heap = big.records.find((r) => r.kind === 'CR_HDR_VMA' && r.fields.npages < 0);
  const end = heap.offset + 8 + 56;
  write('npages-wrapped.img', big.bytes.subarray(0, end), `prefix through the VMA record at byte ${heap.offset} (npages ${heap.fields.npages}) of a ${big.bytes.length}-byte image`);
} else {
  console.log('npages-wrapped.img     skipped: samples/big-heap.json is missing');
}

fs.rmSync(tmp, { recursive: true, force: true });

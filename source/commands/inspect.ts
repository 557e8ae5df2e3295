// ckpt inspect IMAGE [--json]: every record with its offset, ending at the first malformed byte.

import { decodeV1, type DecodedRecord } from '../image/v1/inspect.js';
import { openSource } from '../image/open.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from './command.js';

function line(r: DecodedRecord): string {
  const fields = Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(' ');
  const hdr = r.hdr ? ` len=${r.hdr.len} id=${r.hdr.id}` : '';
  return `${String(r.offset).padStart(10)}  #${String(r.index).padEnd(4)} ${r.kind.padEnd(18)}${hdr}  ${fields}`;
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'decode every record of an image with its byte offset',
  flags: ['json'],
  help: `Usage: ckpt inspect IMAGE [--json]

Decodes IMAGE record by record in the seed's order, printing each record's byte offset, type,
length and fields; page addresses and contents are summarised. Decoding stops at the first
malformed byte and names the reason, the record and the offset.

Options
  --json   one JSON document: { records: [...], failure: null | {offset, record, errno, reason} }

Exit status: 0 the image is well formed, 1 it is not, 2 usage.

Example
  ckpt inspect hello.img`,
  run(input, flags, io) {
    const [image, ...rest] = input;
    if (!image || rest.length) throw new UsageError('inspect takes one IMAGE');
    const src = openSource(image);
    try {
      if (flags.json) {
        const d = decodeV1(src);
        io.out(JSON.stringify({ image, size: d.size, format: 'v1', records: d.records, failure: d.failure }, null, 2));
        return d.failure ? EXIT_FAILED : EXIT_OK;
      }
      io.out(`${image}: ${src.size} bytes, format v1`);
      io.out(`${'offset'.padStart(10)}  ${'#'.padEnd(5)} ${'record'.padEnd(18)}`);
      const d = decodeV1(src, (r) => io.out(line(r)));
      if (d.failure) {
        io.err(`ckpt: ${image}: malformed at byte ${d.failure.offset} (${d.failure.record}): -${d.failure.errno}: ${d.failure.reason}`);
        return EXIT_FAILED;
      }
      io.out(`${d.records.length} records, well formed`);
      return EXIT_OK;
    } finally {
      src.close();
    }
  },
};

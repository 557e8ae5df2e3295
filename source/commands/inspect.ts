// ckpt inspect IMAGE [--json]: every record with its offset, ending at the first malformed byte.

import { decodeV1, type Decoded, type DecodedRecord } from '../image/v1/inspect.js';
import { decodeV2 } from '../image/v2/inspect.js';
import { printable } from '../image/errors.js';
import { detectFormat, openSource } from '../image/open.js';
import type { ImageSource } from '../image/source.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from './command.js';

/** Decodes with the decoder of the format the head announces (v1 when it announces none). */
function decode(src: ImageSource, format: 'v1' | 'v2', on?: (r: DecodedRecord) => void): Decoded {
  return format === 'v2' ? decodeV2(src, on) : decodeV1(src, on);
}

function line(r: DecodedRecord): string {
  const fields = Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(' ');
  const hdr = r.hdr ? ` len=${r.hdr.len} id=${r.hdr.id}` : '';
  return printable(`${String(r.offset).padStart(10)}  #${String(r.index).padEnd(4)} ${r.kind.padEnd(18)}${hdr}  ${fields}`);
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'decode every record of an image with its byte offset',
  flags: ['json'],
  help: `Usage: ckpt inspect IMAGE [--json]

Decodes IMAGE (format v1 or v2, detected from its head) record by record in the seed's order,
printing each record's byte offset, type, length and fields; page addresses and contents are
summarised (v2: every record's and every run's CRC32C is checked). Decoding stops at the first
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
      const format = detectFormat(src) ?? 'v1';
      if (flags.json) {
        const d = decode(src, format);
        io.out(JSON.stringify({ image, size: d.size, format, records: d.records, failure: d.failure }, null, 2));
        return d.failure ? EXIT_FAILED : EXIT_OK;
      }
      io.out(`${image}: ${src.size} bytes, format ${format}`);
      io.out(`${'offset'.padStart(10)}  ${'#'.padEnd(5)} ${'record'.padEnd(18)}`);
      const d = decode(src, format, (r) => io.out(line(r)));
      if (d.failure) {
        io.err(printable(`ckpt: ${image}: malformed at byte ${d.failure.offset} (${d.failure.record}): -${d.failure.errno}: ${d.failure.reason}`));
        return EXIT_FAILED;
      }
      io.out(`${d.records.length} records, well formed`);
      return EXIT_OK;
    } finally {
      src.close();
    }
  },
};

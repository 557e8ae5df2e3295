// ckpt convert IN -o OUT [--to v1|v2]: the in-userspace conversion program the seed promised.

import { convertImage } from '../image/convert.js';
import { CrError } from '../image/errors.js';
import { detectFormat, ImageOpenError, openImageSink, openSource } from '../image/open.js';
import { EXIT_FAILED, EXIT_OK, UsageError, str, type Command } from './command.js';
import { FORMATS } from './options.js';
import type { FormatName } from '../image/io.js';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert an image between format v1 and v2, losslessly or not at all',
  flags: ['output', 'to'],
  help: `Usage: ckpt convert IN -o OUT [--to v1|v2]

Converts the image IN (its format detected from its head) into OUT, as a stream: records one at a
time, page contents one page at a time, so a large image converts in bounded memory. Every record
of IN is checked on the way (v2: every CRC32C). v1 -> v2 -> v1 gives the same bytes back.

Where the target cannot hold the image (a VMA of more than 32767 pages, or mm->flags, into v1)
the conversion stops with an error naming what and the limit, and OUT is not written. OUT is
written to a temporary file and renamed into place only when complete.

Options
  -o, --output OUT   where to write the converted image (required)
  --to FORMAT        v1 or v2 (default: the other format than IN's)

Exit status: 0 converted, 1 IN is malformed or OUT cannot hold it (nothing written), 2 usage.

Example
  ckpt convert hello.img -o hello.v2.img --to v2`,
  run(input, flags, io) {
    const [image, ...rest] = input;
    if (!image || rest.length) throw new UsageError('convert takes one IN image');
    const output = str(flags, 'output');
    if (!output) throw new UsageError('convert needs -o OUT');
    const toName = str(flags, 'to');
    if (toName !== undefined && !(FORMATS as readonly string[]).includes(toName)) {
      throw new UsageError(`--to must be one of ${FORMATS.join(', ')}, not '${toName}'`);
    }
    const src = openSource(image);
    try {
      const from = detectFormat(src);
      if (!from) throw new ImageOpenError(image, `not a ckpt image: ${src.size} bytes and no known head at byte 0`);
      const to: FormatName = (toName as FormatName | undefined) ?? (from === 'v1' ? 'v2' : 'v1');
      const sink = openImageSink(output);
      try {
        const r = convertImage(src, from, sink, to);
        io.out(`converted ${image} (${from}, ${src.size.toLocaleString('en-US')} bytes) to ${output} (${to}, ${r.bytes.toLocaleString('en-US')} bytes): ${r.records} records, ${r.pages.toLocaleString('en-US')} pages`);
        return EXIT_OK;
      } catch (e) {
        if (e instanceof CrError) {
          io.err(`ckpt: convert ${image} failed: ${e.describe()}; ${output} not written`);
          return EXIT_FAILED;
        }
        throw e;
      }
    } finally {
      src.close();
    }
  },
};

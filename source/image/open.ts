// Opens an image for reading, detecting its format from the head, and makes writers by format.

import * as fs from 'node:fs';
import type { FormatName, ImageReader, ImageWriter } from './io.js';
import { FileSink, type ImageSink } from './sink.js';
import { FileSource, type ImageSource } from './source.js';
import { CR_HEAD_MAGIC } from './v1/format.js';
import { V1Reader } from './v1/reader.js';
import { V1Writer } from './v1/writer.js';
import { V2_MAGIC, V2_MAGIC_OFFSET } from './v2/format.js';
import { V2Reader } from './v2/reader.js';
import { V2Writer } from './v2/writer.js';

/** Why an image cannot be opened at all: a missing file or one that is no image. */
export class ImageOpenError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** The format an image's first bytes announce, or null when they announce none we know. */
export function detectFormat(src: ImageSource): FormatName | null {
  const at = src.offset;
  if (src.size >= V2_MAGIC_OFFSET + 8) {
    const head = src.read(V2_MAGIC_OFFSET + 8);
    src.seek(at);
    if (head.readBigUInt64LE(V2_MAGIC_OFFSET) === V2_MAGIC) return 'v2';
  }
  if (src.size < 16) return src.size >= 8 ? 'v1' : null;
  const head = src.read(16);
  src.seek(at);
  if (head.readBigUInt64LE(8) === CR_HEAD_MAGIC) return 'v1';
  const type = head.readInt16LE(0);
  return type === 1 ? 'v1' : null;
}

export function openSource(file: string): FileSource {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new ImageOpenError(file, 'is a directory (EISDIR)');
    return new FileSource(file);
  } catch (e) {
    if (e instanceof ImageOpenError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ImageOpenError(file, `cannot open the image (${code})`);
  }
}

export function readerFor(src: ImageSource, file: string): ImageReader {
  const format = detectFormat(src);
  if (format === 'v1') return new V1Reader(src);
  if (format === 'v2') return new V2Reader(src);
  throw new ImageOpenError(file, `not a ckpt image: ${src.size} bytes and no known head at byte 0`);
}

export function openImage(file: string): ImageReader {
  const src = openSource(file);
  try {
    return readerFor(src, file);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** A FileSink writing to output (through a temporary file), or an ImageOpenError naming output and the errno. */
export function openImageSink(output: string): FileSink {
  try {
    return new FileSink(output);
  } catch (e) {
    throw new ImageOpenError(output, `cannot write the image (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
}

/** A writer of the format; warnings are kept where the format has room for them (v2). */
export function writerFor(format: FormatName, sink: ImageSink, pid: number, warnings: readonly string[] = []): ImageWriter {
  if (format === 'v1') return new V1Writer(sink, pid);
  if (format === 'v2') return new V2Writer(sink, pid, warnings);
  throw new Error(`format ${format} is not available`);
}

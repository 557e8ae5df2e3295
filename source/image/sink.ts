// Where an image is written: a buffered stream with an exact offset, written to a temporary
// file and renamed into place only when complete, so a good image is never overwritten by a half one.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelError } from '../kernel/errno.js';

export interface ImageSink {
  /** Bytes written so far: the offset of the next byte. */
  readonly offset: number;
  write(bytes: Uint8Array): void;
  /** Makes the image final (a file sink renames it into place). */
  commit(): void;
  /** Drops a partial image; the destination is left as it was. */
  abort(): void;
}

const BUFFER_BYTES = 1 << 20;

export interface SinkOptions {
  /** Fail with -ENOSPC once this many bytes are written: a full disk, for tests. */
  limitBytes?: number;
}

abstract class BufferedSink implements ImageSink {
  offset = 0;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  constructor(private readonly limit = Infinity) {}

  protected abstract flushChunk(chunk: Buffer): void;
  abstract commit(): void;
  abstract abort(): void;

  write(bytes: Uint8Array): void {
    if (this.offset + bytes.length > this.limit) {
      throw new KernelError('ENOSPC', 'cr_kwrite', `no space left after ${this.limit} bytes`);
    }
    if (bytes.length > BUFFER_BYTES - this.used) this.flush();
    if (bytes.length >= BUFFER_BYTES) this.flushChunk(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.offset += bytes.length;
  }

  protected flush(): void {
    if (this.used) this.flushChunk(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

/** Writes to `<dir>/.<name>.<pid>.tmp`, renamed over the destination on commit. */
export class FileSink extends BufferedSink {
  private fd: number | null;
  readonly tempPath: string;
  constructor(readonly destination: string, opts: SinkOptions = {}) {
    super(opts.limitBytes);
    const dir = path.dirname(path.resolve(destination));
    this.tempPath = path.join(dir, `.${path.basename(destination)}.${process.pid}.tmp`);
    this.fd = fs.openSync(this.tempPath, 'w', 0o644);
  }

  protected flushChunk(chunk: Buffer): void {
    let done = 0;
    while (done < chunk.length) done += fs.writeSync(this.fd!, chunk, done, chunk.length - done);
  }

  commit(): void {
    this.flush();
    fs.fsyncSync(this.fd!);
    fs.closeSync(this.fd!);
    this.fd = null;
    fs.renameSync(this.tempPath, this.destination);
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.tempPath, { force: true });
  }
}

/** Keeps the image in memory: for tests and for the debugger's demo. */
export class MemorySink extends BufferedSink {
  private readonly chunks: Buffer[] = [];
  image: Buffer | null = null;
  constructor(opts: SinkOptions = {}) {
    super(opts.limitBytes);
  }
  protected flushChunk(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }
  commit(): void {
    this.flush();
    this.image = Buffer.concat(this.chunks);
  }
  abort(): void {
    this.chunks.length = 0;
  }
}

/** Discards the bytes: checkpoints whose image nobody keeps (benchmarks of the engine alone). */
export class NullSink implements ImageSink {
  offset = 0;
  write(bytes: Uint8Array): void {
    this.offset += bytes.length;
  }
  commit(): void {}
  abort(): void {}
}

// Where an image is read from: a buffered stream with an exact offset and a known total size.

import * as fs from 'node:fs';

/** A short read: the stream ended `wanted - got` bytes early, at `offset`. */
export class ShortRead extends Error {
  constructor(readonly offset: number, readonly wanted: number, readonly got: number) {
    super(`image ends at byte ${offset + got}: wanted ${wanted} bytes at ${offset}`);
  }
}

export interface ImageSource {
  /** The offset of the next byte to read. */
  readonly offset: number;
  /** The stream's real size in bytes. */
  readonly size: number;
  /** Reads exactly len bytes into target at targetOff, or throws ShortRead. */
  readInto(target: Buffer, targetOff: number, len: number): void;
  /** Reads exactly len bytes into a new buffer. */
  read(len: number): Buffer;
  /** Moves to an absolute offset (validation passes read ahead and come back). */
  seek(offset: number): void;
  close(): void;
}

abstract class BaseSource implements ImageSource {
  abstract readonly offset: number;
  abstract readonly size: number;
  abstract readInto(target: Buffer, targetOff: number, len: number): void;
  abstract seek(offset: number): void;
  close(): void {}
  read(len: number): Buffer {
    const b = Buffer.allocUnsafe(len);
    this.readInto(b, 0, len);
    return b;
  }
}

export class BufferSource extends BaseSource {
  offset = 0;
  constructor(private readonly image: Buffer) {
    super();
  }
  get size(): number {
    return this.image.length;
  }
  readInto(target: Buffer, targetOff: number, len: number): void {
    const got = Math.max(0, Math.min(len, this.image.length - this.offset));
    this.image.copy(target, targetOff, this.offset, this.offset + got);
    if (got < len) {
      const at = this.offset;
      this.offset += got;
      throw new ShortRead(at, len, got);
    }
    this.offset += len;
  }
  seek(offset: number): void {
    this.offset = offset;
  }
}

const BUFFER_BYTES = 1 << 20;

/** Reads a file through a 1 MiB window; large reads go straight into their target. */
export class FileSource extends BaseSource {
  offset = 0;
  readonly size: number;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private bufStart = 0;
  private bufLen = 0;

  constructor(readonly file: string) {
    super();
    this.fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.fd).size;
  }

  private pread(target: Buffer, off: number, len: number, pos: number): number {
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, target, off + done, len - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  readInto(target: Buffer, targetOff: number, len: number): void {
    let done = 0;
    while (done < len) {
      const pos = this.offset + done;
      if (pos >= this.bufStart && pos < this.bufStart + this.bufLen) {
        const n = Math.min(len - done, this.bufStart + this.bufLen - pos);
        this.buf.copy(target, targetOff + done, pos - this.bufStart, pos - this.bufStart + n);
        done += n;
        continue;
      }
      if (len - done >= BUFFER_BYTES) {
        const want = len - done;
        const n = this.pread(target, targetOff + done, want, pos);
        done += n;
        if (n < want) break;
        continue;
      }
      this.bufStart = pos;
      this.bufLen = this.pread(this.buf, 0, BUFFER_BYTES, pos);
      if (this.bufLen === 0) break;
    }
    const at = this.offset;
    this.offset += done;
    if (done < len) throw new ShortRead(at, len, done);
  }

  seek(offset: number): void {
    this.offset = offset;
  }

  override close(): void {
    fs.closeSync(this.fd);
  }
}

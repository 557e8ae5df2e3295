// What both decoders (v1, v2) share: the decoded record, the failure that ends a walk, and the
// walk's bookkeeping (numbering records, reading exactly, stopping at the first bad byte).

import type { ErrnoName } from '../kernel/errno.js';
import { ShortRead, type ImageSource } from './source.js';
import type { CrHdr } from './v1/format.js';

export type FieldValue = string | number;

export interface DecodedRecord {
  index: number;
  offset: number;
  /** CR_HDR_VMA, ... or "raw" for data that follows a record without a header. */
  kind: string;
  /** Header fields (absent for raw data). */
  hdr: CrHdr | null;
  /** Total bytes the record and its payload occupy. */
  length: number;
  fields: Record<string, FieldValue>;
}

export interface DecodeFailure {
  offset: number;
  record: string;
  errno: ErrnoName;
  reason: string;
}

export interface Decoded {
  records: DecodedRecord[];
  failure: DecodeFailure | null;
  size: number;
}

/** Thrown by stop() to end a walk; run() turns it into the walk's failure. */
class Stop extends Error {
  constructor(readonly f: DecodeFailure) {
    super(f.reason);
  }
}

/** One walk over an image: decoders call emit / read / stop, and run() collects the result. */
export class DecodeWalk {
  readonly records: DecodedRecord[] = [];

  constructor(
    private readonly src: ImageSource,
    private readonly on: (r: DecodedRecord) => void,
    /** Appended to the reason of a short read (v2 knows the image is truncated). */
    private readonly shortNote = '',
  ) {}

  emit = (r: Omit<DecodedRecord, 'index'>): void => {
    const rec = { ...r, index: this.records.length };
    this.records.push(rec);
    this.on(rec);
  };

  stop = (offset: number, record: string, errno: ErrnoName, reason: string): never => {
    throw new Stop({ offset, record, errno, reason });
  };

  /** Exactly n bytes, or a stop with -EIO naming what was being read. */
  read = (n: number, what: string): Buffer => {
    try {
      return this.src.read(n);
    } catch (e) {
      if (e instanceof ShortRead) {
        this.stop(e.offset + e.got, what, 'EIO', `image ends at byte ${e.offset + e.got}: ${what} needs ${n} bytes, ${e.got} left${this.shortNote}`);
      }
      throw e;
    }
  };

  /** Runs the decoder body; a stop becomes the failure, anything else is a bug and propagates. */
  run(body: () => void): Decoded {
    let failure: DecodeFailure | null = null;
    try {
      body();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      failure = e.f;
    }
    return { records: this.records, failure, size: this.src.size };
  }
}

/** A C string: the bytes before the first NUL. */
export function cstr(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

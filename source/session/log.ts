// The event log: a ring buffer of what the engine did, newest last.

export type LogLevel = 'call' | 'phase' | 'pgarr' | 'page' | 'info' | 'warning' | 'defect' | 'error';

export interface LogEntry {
  seq: number;
  level: LogLevel;
  /** The C function the entry is about. */
  fn: string;
  text: string;
}

export class EventLog {
  private readonly ring: LogEntry[] = [];
  private seq = 0;
  constructor(private readonly capacity = 400) {}

  add(level: LogLevel, fn: string, text: string): void {
    this.ring.push({ seq: this.seq++, level, fn, text });
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** The newest entries, oldest first. */
  tail(n: number): LogEntry[] {
    return n <= 0 ? [] : this.ring.slice(-n); // slice(-0) would be the whole ring
  }

  get total(): number {
    return this.seq;
  }
}

// /proc/PID/stat: the task's state and the mm's layout fields, where the kernel exposes them.

export interface ProcStat {
  pid: number;
  /** comm as stat prints it, between the parentheses. */
  comm: string;
  /** R, S, D, T (stopped), t (traced), Z, X ... */
  state: string;
  startCode: number;
  endCode: number;
  startStack: number;
  /** Fields 45-51, present since Linux 3.3/3.5; 0 when absent or hidden. */
  startData: number;
  endData: number;
  startBrk: number;
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
}

/** Parses /proc/PID/stat. comm may hold spaces and parentheses: it ends at the last ')'. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('not a /proc/PID/stat line');
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // fields from 3 (state) on; field n is rest[n - 3]
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const f = (n: number): number => {
    const v = rest[n - 3];
    if (v === undefined) return 0;
    const x = Number(v);
    return Number.isSafeInteger(x) && x >= 0 ? x : 0;
  };
  return {
    pid, comm, state: rest[0] ?? '?',
    startCode: f(26), endCode: f(27), startStack: f(28),
    startData: f(45), endData: f(46), startBrk: f(47), argStart: f(48), argEnd: f(49), envStart: f(50), envEnd: f(51),
  };
}

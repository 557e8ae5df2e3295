// /proc/PID/maps and /proc/PID/smaps: the VMAs, and the kernel's own vm_flags mnemonics for each.

export interface MapsEntry {
  start: number;
  end: number;
  /** rwxp / rwxs, as printed. */
  perms: string;
  /** Offset in the file, in bytes. */
  offset: number;
  dev: string;
  inode: number;
  /** start and end as printed (exact even above 2^53, as the vsyscall page is). */
  startHex: string;
  endHex: string;
  /** The path or pseudo-name ([heap], [stack], [vdso], [anon:NAME], ...), '' for anonymous memory. */
  name: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;

/** Parses one line of /proc/PID/maps, or returns null when it is not one. */
export function parseMapsLine(line: string): MapsEntry | null {
  const m = LINE.exec(line);
  if (!m) return null;
  return {
    start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), startHex: '0x' + m[1]!, endHex: '0x' + m[2]!, perms: m[3]!, offset: parseInt(m[4]!, 16), dev: m[5]!,
    inode: Number(m[6]), name: m[7] ?? '',
  };
}

/** Parses /proc/PID/maps; throws on a line that is not a maps line, naming it. */
export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = parseMapsLine(line);
    if (!e) throw new Error(`not a /proc/PID/maps line: ${JSON.stringify(line.slice(0, 80))}`);
    out.push(e);
  }
  return out;
}

export interface SmapsEntry extends MapsEntry {
  /** The VmFlags: mnemonics (rd wr ex sh mr mw me ms gd pf ... ), or null on kernels without them. */
  vmFlags: string[] | null;
  /** Resident and swapped kB: both 0 means no page is present, so pagemap need not be read. */
  rssKb: number;
  swapKb: number;
}

/** Parses /proc/PID/smaps: each VMA header line followed by its fields. */
export function parseSmaps(text: string): SmapsEntry[] {
  const out: SmapsEntry[] = [];
  let cur: SmapsEntry | null = null;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const head = parseMapsLine(line);
    if (head) {
      cur = { ...head, vmFlags: null, rssKb: 0, swapKb: 0 };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('VmFlags:')) cur.vmFlags = line.slice(8).trim().split(/\s+/).filter(Boolean);
    else if (line.startsWith('Rss:')) cur.rssKb = parseInt(line.slice(4), 10);
    else if (line.startsWith('Swap:')) cur.swapKb = parseInt(line.slice(5), 10);
  }
  return out;
}

/** The kind of mapping a maps name denotes. */
export type MappingKind = 'anon' | 'heap' | 'stack' | 'vdso' | 'vvar' | 'vsyscall' | 'special' | 'file';

export function mappingKind(e: MapsEntry): MappingKind {
  const n = e.name;
  if (n === '' || n.startsWith('[anon:')) return 'anon';
  if (n === '[heap]') return 'heap';
  if (n === '[stack]' || n.startsWith('[stack:')) return 'stack';
  if (n === '[vdso]') return 'vdso';
  if (n === '[vvar]' || n.startsWith('[vvar_')) return 'vvar';
  if (n === '[vsyscall]') return 'vsyscall';
  if (n.startsWith('[')) return 'special';
  return 'file';
}

/**
 * The Linux process table as the agent reads it itself from /proc: the executable (the kernel's
 * link, which the process cannot change), argv and working directory, and from the stat line the
 * parent, the session and the start time that tells two processes with one pid apart.
 */
import { readFile, readlink } from 'node:fs/promises';
import type { ProcessRecord, ProcessTable } from '../core/ports.ts';

/** The fields of /proc/<pid>/stat the agent uses. */
export interface StatFields {
  ppid: number;
  sid: number;
  /** Field 22: clock ticks after boot, kept as the decimal text the kernel wrote. */
  startTime: string;
}

const WHOLE = /^\d{1,20}$/;
/** The unit of stat's start time: USER_HZ, 100 on every Linux architecture Node runs on (sysconf(_SC_CLK_TCK)). */
const USER_HZ = 100;

/**
 * Parses a /proc/<pid>/stat line of process `pid`, or `undefined` when it is not one. Field 2, the
 * command name in parentheses, is whatever the process named itself (up to 15 bytes, spaces,
 * parentheses and newlines included), so it is skipped by the last ')' in the line: no later
 * field can hold one. Fields are then counted from 3 (the state).
 */
export function parseStat(text: string, pid: number): StatFields | undefined {
  if (!text.startsWith(`${pid} (`)) return undefined;
  const close = text.lastIndexOf(')');
  if (close < 0 || text[close + 1] !== ' ') return undefined;
  const fields = text.slice(close + 2).trimEnd().split(' ');
  // fields[n - 3] is field n
  const [state, ppid, sid, startTime] = [fields[0], fields[4 - 3], fields[6 - 3], fields[22 - 3]];
  if (state === undefined || !/^[A-Za-z]$/.test(state)) return undefined;
  if (!WHOLE.test(ppid ?? '') || !WHOLE.test(sid ?? '') || !WHOLE.test(startTime ?? '')) return undefined;
  return { ppid: Number(ppid), sid: Number(sid), startTime: startTime! };
}

/** The NUL-separated arguments of /proc/<pid>/cmdline. */
export function splitCmdline(text: string): string[] {
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

const orEmpty = <T>(p: Promise<T>, empty: T): Promise<T> => p.catch(() => empty);

/** Reads processes from a procfs mounted at `root` (/proc). */
export class ProcProcessTable implements ProcessTable {
  private readonly root: string;

  constructor(root = '/proc') {
    this.root = root;
  }

  private async stat(pid: number): Promise<StatFields | undefined> {
    const text = await orEmpty(readFile(`${this.root}/${pid}/stat`, 'utf8'), '');
    return parseStat(text, pid);
  }

  /** Ticks since boot from /proc/uptime (seconds with two decimals), in the 1/100 s USER_HZ of stat's start times, rounded up. */
  async now(): Promise<string | undefined> {
    const text = await orEmpty(readFile(`${this.root}/uptime`, 'utf8'), '');
    const m = /^(\d{1,15})\.(\d{2}) /.exec(text);
    return m ? String(Number(m[1]) * USER_HZ + Number(m[2]) + 1) : undefined;
  }

  async read(pid: number): Promise<ProcessRecord | undefined> {
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    const before = await this.stat(pid);
    if (!before) return undefined;
    const dir = `${this.root}/${pid}`;
    const [exe, cmdline, cwd] = await Promise.all([orEmpty(readlink(`${dir}/exe`), ''), orEmpty(readFile(`${dir}/cmdline`, 'utf8'), ''), orEmpty(readlink(`${dir}/cwd`), '')]);
    // Read the start time again: if the process exited and its pid was taken meanwhile, what was read may be the new one's.
    const after = await this.stat(pid);
    if (!after || after.startTime !== before.startTime) return undefined;
    return { pid, ppid: after.ppid, sid: after.sid, startTime: after.startTime, exe, argv: splitCmdline(cmdline), cwd };
  }
}

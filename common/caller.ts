/**
 * What a client says about the process that asked for credentials. The helper sends it, the agent
 * records it and shows it in prompts: claims, not proof, until the agent checks them with the OS.
 * This file imports nothing.
 */

/** Most arguments a caller's argv may carry on the wire; the helper sends no more. */
export const MAX_CALLER_ARGS = 256;
/** Longest single argument, in UTF-16 units; the helper cuts longer ones. */
export const MAX_CALLER_ARG = 4096;
/** Longest argv in total (sum of its arguments' lengths). */
export const MAX_CALLER_ARGV = 16 * 1024;

/** The claimed caller of one request. */
export interface CallerClaim {
  /** pid of the helper's parent (the `aws` process or SDK host). */
  pid: number;
  /** pid of that process's parent (usually the shell). */
  ppid: number;
  /**
   * The parent's command line, arguments joined by spaces: a display form. When `argv` is
   * present the agent rebuilds it from the redacted `argv`; older helpers send only this.
   */
  command: string;
  /** The parent's arguments as the kernel holds them (protocol 1, optional: newer helpers only). */
  argv?: string[];
  /** The parent's working directory. */
  cwd: string;
}

/** A caller's argv within the bounds above: an array of strings, counted and measured. */
export function isCallerArgv(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length > MAX_CALLER_ARGS) return false;
  let total = 0;
  for (const arg of value as unknown[]) {
    if (typeof arg !== 'string' || arg.length > MAX_CALLER_ARG) return false;
    total += arg.length;
  }
  return total <= MAX_CALLER_ARGV;
}

/** What the agent read from the OS about one process (never what a client said). */
export interface ProcessFacts {
  pid: number;
  /**
   * When the process started, as the OS counts it (Linux: field 22 of /proc/<pid>/stat, clock
   * ticks since boot). With `pid` it names one process instance: a reused pid has another.
   */
  startTime: string;
  /** The executable's path (Linux: /proc/<pid>/exe; macOS: proc_pidpath). */
  exe: string;
  /** The arguments as the kernel holds them; redacted by the agent before they are kept. */
  argv: string[];
  /** The working directory. */
  cwd: string;
  /** The controlling terminal's device number (Linux: field 7 of /proc/<pid>/stat), 0 for none; absent where the OS table does not say. */
  tty?: number | undefined;
}

/** One process in a requester's ancestry. */
export interface AncestorFacts {
  pid: number;
  exe: string;
  argv: string[];
}

/**
 * A caller as the kernel names it: the socket peer's credentials (SO_PEERCRED, LOCAL_PEERPID with
 * getpeereid) and what the agent itself read about the requesting program. Absent where the
 * platform gives no verification (Windows today): then only the {@link CallerClaim} exists.
 */
export interface VerifiedCaller {
  /** How the peer was identified, e.g. `SO_PEERCRED` or `LOCAL_PEERPID`. */
  method: string;
  /** The process on the other end of the socket (usually tray-cred-helper). */
  peer: { pid: number; uid: number };
  /**
   * The requesting program: the first ancestor of the peer that is not the helper, a shell
   * running `sh -c`, or an SDK's process wrapper.
   */
  requester: ProcessFacts;
  /** The requester's ancestors up to the session leader, nearest first. */
  ancestry: AncestorFacts[];
  /**
   * What could not be verified and why (the peer exited before the agent read it, a process
   * changed while it was read): the kernel's pid and uid still hold, the rest is as far as it goes.
   */
  incomplete?: string;
}

/**
 * `args` cut to at most `maxArgs` arguments of at most {@link MAX_CALLER_ARG} characters and
 * `maxTotal` in all: a cut argument ends in '…', and arguments past the total are dropped.
 */
export function boundArgv(args: readonly string[], maxArgs = MAX_CALLER_ARGS, maxTotal = MAX_CALLER_ARGV): string[] {
  const out: string[] = [];
  let total = 0;
  for (const arg of args.slice(0, maxArgs)) {
    const limit = Math.min(MAX_CALLER_ARG, maxTotal);
    const kept = arg.length > limit ? `${arg.slice(0, limit - 1)}…` : arg;
    if (total + kept.length > maxTotal) break;
    total += kept.length;
    out.push(kept);
  }
  return out;
}

/** Most ancestors a verified caller records, and the most argv characters each keeps. */
export const MAX_ANCESTORS = 8;
export const MAX_ANCESTOR_ARGV = 1024;
/** Longest path (executable, working directory) a verified caller records. */
export const MAX_PATH = 4096;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPath = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_PATH;

function isProcess(v: unknown, full: boolean): boolean {
  if (!isObject(v) || typeof v.pid !== 'number' || !isPath(v.exe) || !isCallerArgv(v.argv)) return false;
  return (
    !full ||
    (typeof v.startTime === 'string' &&
      v.startTime.length <= 32 &&
      isPath(v.cwd) &&
      (v.tty === undefined || (typeof v.tty === 'number' && Number.isSafeInteger(v.tty))))
  );
}

/** A verified caller within the bounds the agent records it in (the audit log's readers check every line with it). */
export function isVerifiedCaller(v: unknown): v is VerifiedCaller {
  if (
    !isObject(v) ||
    typeof v.method !== 'string' ||
    v.method.length > 64 ||
    !isObject(v.peer) ||
    typeof v.peer.pid !== 'number' ||
    typeof v.peer.uid !== 'number'
  )
    return false;
  if (!isProcess(v.requester, true) || !Array.isArray(v.ancestry) || v.ancestry.length > MAX_ANCESTORS) return false;
  return (
    v.ancestry.every((a) => isProcess(a, false)) &&
    (v.incomplete === undefined || (typeof v.incomplete === 'string' && v.incomplete.length <= 2048))
  );
}

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

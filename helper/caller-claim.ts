/**
 * The one constructor of a caller claim, for both processes that make one: the helper (its
 * parent, read from /proc) and a `tray-cred` process naming itself (main/node/client/this-process.ts).
 * A dependency-cruiser rule keeps it theirs, so every claim on the wire is cut to what the agent
 * accepts in the same way.
 *
 * Only common/: the helper bundles it, and its start-up is paid before every `aws` command.
 */
import { MAX_PATH, boundArgv, type CallerClaim } from '../common/caller.ts';

/** Longest claimed command line: a display form, and the wire takes text of 8 KiB at most. */
const MAX_COMMAND = 4096;

/** What a claim says about one process; `argv` where it was read, else `command` describes it. */
export interface ClaimFacts {
  pid: number;
  ppid: number;
  cwd: string;
  /** The arguments as the process holds them: they become the claim's argv and, joined, its command. */
  argv?: readonly string[] | undefined;
  /** Without `argv`: what the process is doing, in words (the tray app's action). */
  command?: string | undefined;
}

/**
 * A claim within the wire's bounds: `argv` cut by {@link boundArgv} (a cut argument ends in
 * '…'), the command its arguments joined by spaces, the command and the directory cut to 4096
 * characters.
 */
export function callerClaim(facts: ClaimFacts): CallerClaim {
  const argv = facts.argv && boundArgv(facts.argv);
  // Sent as an array so the agent redacts whole arguments; quoting is lost once joined.
  const command = (argv ? argv.join(' ') : (facts.command ?? '')).slice(0, MAX_COMMAND);
  return { pid: facts.pid, ppid: facts.ppid, command, ...(argv ? { argv } : {}), cwd: facts.cwd.slice(0, MAX_PATH) };
}

/**
 * "This process as a caller": what a `tray-cred` command (through the agent client) and the
 * tray app (to its in-process broker) claim about themselves, so the prompt and the audit entry
 * name them. The helper claims its parent instead; both go through the one constructor,
 * helper/caller-claim.ts.
 */
import type { CallerClaim } from '../../../common/caller.ts';
import { callerClaim } from '../../../helper/caller-claim.ts';

/**
 * This process as the caller, in its directory. `what` is its argv as a person would type it
 * (`['tray-cred', 'exec', 'prod', '--', 'terraform', 'plan']`: the agent redacts it by argument,
 * as the helper's), or, for the tray app whose own argv says nothing of the action, words
 * (`tray-cred app: Rotate now (prod)`).
 */
export function thisProcessAsCaller(what: readonly string[] | string): CallerClaim {
  const facts = { pid: process.pid, ppid: process.ppid, cwd: process.cwd() };
  return callerClaim(typeof what === 'string' ? { ...facts, command: what } : { ...facts, argv: what });
}

/** A `tray-cred` command as the caller: `tray-cred` and the arguments it was run with. */
export const thisCommandAsCaller = (): CallerClaim => thisProcessAsCaller(['tray-cred', ...process.argv.slice(2)]);

/**
 * Who may answer a waiting prompt through the socket (`tray-cred approve`). The socket takes only
 * the agent's own user, and that user's processes could read the master key from the keychain
 * anyway; what this adds is that the program that asked cannot simply answer its own prompt:
 * the answer must come from a terminal, not the one the request came from, and not from the
 * requesting program, its ancestors or its children. A same-user program that opens a terminal
 * of its own can still pass (SECURITY.md says so); this closes the one-line self-approval.
 */
import type { VerifiedCaller } from '../../../common/caller.ts';
import type { ApprovalRequest } from '../ports/ports.ts';

/** The pids of a verified caller's peer, requester and ancestors. */
function lineage(v: VerifiedCaller): Set<number> {
  return new Set([v.peer.pid, v.requester.pid, ...v.ancestry.map((a) => a.pid)]);
}

/**
 * Why `answerer` may not answer `request`, or `undefined` when it may. `verifies`: this platform
 * names socket peers (Linux, macOS); where it cannot (Windows) nothing can be checked and any
 * answer from the user is taken, as before.
 */
export function answererRefusal(
  answerer: VerifiedCaller | undefined,
  request: ApprovalRequest,
  verifies: boolean,
): string | undefined {
  if (!verifies) return undefined;
  if (!answerer || answerer.requester.exe === '')
    return 'the agent could not verify which program answers: run `tray-cred approve` in a terminal window of your own';
  const tty = answerer.requester.tty;
  if (tty === undefined || tty === 0)
    return 'answers come only from a terminal: run `tray-cred approve` in a terminal window';
  const asker = request.verified;
  if (!asker) return undefined;
  const ours = lineage(answerer);
  if (ours.has(asker.requester.pid) || lineage(asker).has(answerer.requester.pid))
    return 'the program that asked cannot answer its own prompt: answer with `tray-cred approve` in another terminal window';
  if (asker.requester.tty !== undefined && asker.requester.tty !== 0 && asker.requester.tty === tty)
    return 'the answer must come from another terminal than the one the request came from: run `tray-cred approve` in a second terminal window';
  return undefined;
}

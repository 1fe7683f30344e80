import { AgentUnreachableError, sendRequest } from '../../../helper/client.ts';
import { PROTOCOL_VERSION } from '../../../helper/wire.ts';
import { AgentNotRunningError, TrayCredError } from '../../core/errors.ts';
import type { CliContext } from '../cli/context.ts';

/** An approval prompt may stay open this long (the agent's own deadline is shorter). */
const GATE_TIMEOUT_MS = 10 * 60_000;

/**
 * Puts a use of `profile`'s key by this command (rotating it) through the agent's pipeline,
 * exactly like a client's request: the lock, the policy, the approval prompt and the audit
 * entry. What the agent answers is dropped; a refusal throws with the agent's code
 * (DENIED, LOCKED, TIMEOUT, ...), before anything has changed.
 */
export async function passAgentGate(c: CliContext, profile: string, command: string): Promise<void> {
  const caller = { pid: process.pid, ppid: process.ppid, command, cwd: process.cwd(), argv: process.argv.slice(1) };
  let response;
  try {
    response = await sendRequest(c.socket, { v: PROTOCOL_VERSION, id: `cli-${process.pid}-gate`, op: 'credentials', profile, caller }, GATE_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof AgentUnreachableError) {
      await c.vault.requireExists();
      throw new AgentNotRunningError(`${error.message}: rotating uses the key, so the agent decides it like any use (policy, approval, audit): start the tray app or \`tray-cred agent\`, then run this again`);
    }
    throw error;
  }
  if (!response.ok) throw new TrayCredError(response.error.code, `not approved: ${response.error.message}`);
}

/** Tells the agent to drop what it cached for the profile (after its key changed). Best effort: the agent may be gone. */
export async function agentForget(c: CliContext, profile: string, command: string): Promise<void> {
  const caller = { pid: process.pid, ppid: process.ppid, command, cwd: process.cwd() };
  await sendRequest(c.socket, { v: PROTOCOL_VERSION, id: `cli-${process.pid}-forget`, op: 'forget', profile, caller }, 5_000).catch(() => undefined);
}

/**
 * "`ask` profiles, and nothing can approve": said by `status`, `doctor` and setup's last line,
 * from the agent's status, with the ways to fix it.
 */
import type { StatusResult } from '../../../helper/wire.ts';
import { displayText } from '../../../common/display.ts';

/** The warning, or `undefined` when something can answer (or nothing asks, or the agent is too old to say). */
export function nobodyApproves(s: Pick<StatusResult, 'approver' | 'askProfiles'>): string | undefined {
  const ask = s.askProfiles ?? [];
  if (s.approver !== 'nobody' || ask.length === 0) return undefined;
  const names = ask.map((p) => `"${displayText(p, 64)}"`).join(', ');
  return `${names} ${ask.length === 1 ? 'asks' : 'ask'} for approval, and nothing can approve: a request waits (up to the approval time-out) for \`tray-cred approve\` in another terminal; to answer with a command instead, \`tray-cred service install --approver CMD\` (a service) or \`tray-cred stop\`, then \`tray-cred agent --approver CMD\``;
}

import { parseStatusResult } from '../../../../helper/wire.ts';
import { commandAgent } from '../../client/agent-client.ts';
import type { CliContext } from '../context.ts';
import { nobodyApproves } from '../nobody-approves.ts';

/** Where doctor puts what this check finds. */
interface ApproverFindings {
  ok(text: string): void;
  act(text: string): void;
}

/** The running agent's answer to "who approves `ask` profiles?"; nothing is said when no agent answers. */
export async function checkApprovers(c: CliContext, f: ApproverFindings): Promise<void> {
  const status = await commandAgent(c)
    .call({ op: 'status' }, parseStatusResult)
    .catch(() => undefined);
  if (!status) return;
  const nobody = nobodyApproves(status);
  if (nobody) f.act(`agent ${status.agentPid}: ${nobody}`);
}

/** `tray-cred stop` and `tray-cred restart` (service/agent-control.ts). */
import type { Command } from 'commander';
import { parseStatusResult } from '../../../../helper/wire.ts';
import { commandAgent } from '../../client/agent-client.ts';
import { runCommand } from '../../platform/run-command.ts';
import { restartAgent, stopAgent, type AgentControl } from '../../service/agent-control.ts';
import type { CliContext } from '../context.ts';
import { serviceOptions } from './service.ts';

function control(c: CliContext): AgentControl {
  const { place, out } = serviceOptions(c);
  return {
    place,
    run: (argv) => runCommand(argv, c.env),
    out,
    answering: () =>
      commandAgent(c)
        .call({ op: 'status' }, (r) => parseStatusResult(r).agentPid)
        .catch(() => null),
  };
}

export function registerStop(program: Command, ctx: () => CliContext): void {
  program
    .command('stop')
    .description(
      'stop the agent: through its service manager when it runs as a service (`tray-cred service install`), else the one that answers on the socket',
    )
    .action(async () => stopAgent(control(ctx())));
  program
    .command('restart')
    .description(
      'restart the agent as it was started: through its service manager, or in the background with the same options (log: agent.log in the data directory)',
    )
    .action(async () => restartAgent(control(ctx())));
}

import type { Command } from 'commander';
import { CommandApprover } from '../command-approver.ts';
import { startAgentRuntime } from '../agent-runtime.ts';
import type { CliContext } from '../context.ts';
import { openSettings } from '../settings-file.ts';

export function registerAgent(program: Command, ctx: () => CliContext): void {
  program
    .command('agent')
    .description('run the headless agent in the foreground: the same core and socket as the tray app')
    .option('--approver <command>', 'run for each `ask` request; exit 0 allows. TRAY_CRED_PROFILE and TRAY_CRED_CALLER describe the request. Without it, `ask` is denied')
    .option('--locked', 'start locked (unlock later with `tray-cred unlock`)')
    .option('--unlock-on-request', 'with --approver: a request that arrives while locked asks the approver to unlock and allow, instead of failing (the shared unlockOnRequest setting can still turn it off)')
    .action(async (options: { approver?: string; locked?: boolean; unlockOnRequest?: boolean }) => {
      const c = ctx();
      const warn = (message: string): void => c.err(`tray-cred agent: ${message}`);
      const settings = openSettings(c.dataDir);
      const agent = await startAgentRuntime({
        place: { uid: c.uid, dataDir: c.dataDir, socket: c.socket },
        approver: new CommandApprover(options.approver),
        warn,
        frontEnd: 'headless agent',
        // The tray's "Unlock when a request arrives" needs someone to answer: here, the approver command.
        // Opt-in on the command line: scripts that start a headless agent expect a locked one to refuse.
        broker: { unlockOnRequest: () => options.approver !== undefined && options.unlockOnRequest === true && settings.get('unlockOnRequest') },
      });
      if (!options.locked) {
        try {
          await agent.broker.unlock();
        } catch (error) {
          warn(`staying locked: ${(error as Error).message}`);
        }
      }
      let stopping = false;
      const stop = async (signal: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        let status = 0;
        try {
          await agent.stop(signal);
        } catch (error) {
          warn(`stopped, but could not record it: ${(error as Error).message}`);
          status = 1;
        }
        process.exit(status);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      c.err(`tray-cred agent ${process.pid}: listening on ${c.socket}, ${agent.broker.locked ? 'locked' : 'unlocked'}${options.approver ? '' : '; `ask` profiles are denied (no --approver)'}. Ctrl-C stops it.`);
      await new Promise<never>(() => {});
    });
}

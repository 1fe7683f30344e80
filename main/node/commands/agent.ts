import type { Command } from 'commander';
import { Broker } from '../../core/broker.ts';
import { CredentialSource } from '../../core/credential-source.ts';
import { AwsSts } from '../aws-sts.ts';
import { ShellCommandRunner } from '../shell-command-runner.ts';
import { CommandApprover } from '../command-approver.ts';
import type { CliContext } from '../context.ts';
import { SocketServer } from '../socket-server.ts';

export function registerAgent(program: Command, ctx: () => CliContext): void {
  program
    .command('agent')
    .description('run the headless agent in the foreground: the same core and socket as the tray app')
    .option('--approver <command>', 'run for each `ask` request; exit 0 allows. TRAY_CRED_PROFILE and TRAY_CRED_CALLER describe the request. Without it, `ask` is denied')
    .option('--locked', 'start locked (unlock later with `tray-cred unlock`)')
    .action(async (options: { approver?: string; locked?: boolean }) => {
      const c = ctx();
      const warn = (message: string): void => c.err(`tray-cred agent: ${message}`);
      const audit = await c.audit();
      const source = new CredentialSource({ sts: new AwsSts(), runner: new ShellCommandRunner(), clock: c.clock });
      const broker = new Broker({ vault: c.vault, audit, source, approver: new CommandApprover(options.approver), clock: c.clock, pid: process.pid, warn });
      const server = new SocketServer({ path: c.socket, uid: c.uid, handle: (r) => broker.handle(r), warn });
      await server.listen();
      await audit.append({ event: 'agent-start', reason: `headless agent pid ${process.pid} on ${c.socket}` });
      if (!options.locked) {
        try {
          await broker.unlock();
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
          await server.close();
          await broker.lock(`agent stopped (${signal})`);
          await audit.append({ event: 'agent-stop', reason: signal });
        } catch (error) {
          warn(`stopped, but could not record it: ${(error as Error).message}`);
          status = 1;
        }
        process.exit(status);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      c.err(`tray-cred agent ${process.pid}: listening on ${c.socket}, ${broker.locked ? 'locked' : 'unlocked'}${options.approver ? '' : '; `ask` profiles are denied (no --approver)'}. Ctrl-C stops it.`);
      await new Promise<never>(() => {});
    });
}

import type { Command } from 'commander';
import { AgentUnreachableError, PROTOCOL_VERSION, parseStatusResult, sendRequest, type StatusResult } from '../../../helper/protocol.ts';
import { TrayCredError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';

async function call(c: CliContext, op: 'status' | 'lock' | 'unlock'): Promise<StatusResult> {
  let response;
  try {
    response = await sendRequest(c.socket, { v: PROTOCOL_VERSION, id: `cli-${process.pid}`, op, caller: { pid: process.pid, ppid: process.ppid, command: `tray-cred ${op}`, cwd: process.cwd() } }, 30_000);
  } catch (error) {
    if (error instanceof AgentUnreachableError) {
      throw new TrayCredError('INTERNAL', `${error.message}: start the tray app or \`tray-cred agent\`; set TRAY_CRED_SOCKET if it listens elsewhere`);
    }
    throw error;
  }
  if (!response.ok) throw new TrayCredError(response.error.code, response.error.message);
  return parseStatusResult(response.result);
}

function describe(s: StatusResult, socket: string): string {
  return `agent ${s.agentPid} on ${socket}: ${s.locked ? 'locked' : `unlocked, ${s.profiles} profile(s)`}${s.pending ? `, ${s.pending} approval(s) waiting` : ''}\n`;
}

export function registerControl(program: Command, ctx: () => CliContext): void {
  for (const [op, text] of [
    ['status', 'show whether the agent runs and is locked'],
    ['lock', 'wipe the master key, credentials and approvals from the agent\'s memory'],
    ['unlock', 'let the agent read the master key from the keychain'],
  ] as const) {
    program
      .command(op)
      .description(text)
      .option('--json', 'print JSON')
      .action(async (options: { json?: boolean }) => {
        const c = ctx();
        const s = await call(c, op);
        c.out(options.json ? `${JSON.stringify(s)}\n` : describe(s, c.socket));
      });
  }
}

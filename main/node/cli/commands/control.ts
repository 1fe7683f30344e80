import type { Command } from 'commander';
import { expiryWarnings } from '../expiry-warning.ts';
import { AgentUnreachableError, sendRequest } from '../../../../helper/client.ts';
import { PROTOCOL_VERSION, parseSessionsResult, parseStatusResult, type Request, type StatusResult } from '../../../../helper/wire.ts';
import { AgentNotRunningError, TrayCredError } from '../../../core/errors.ts';
import { displayText } from '../../../../common/display.ts';
import { localTime, table, type CliContext } from '../context.ts';

async function call(c: CliContext, op: Request['op'], profile?: string): Promise<unknown> {
  let response;
  const caller = { pid: process.pid, ppid: process.ppid, command: `tray-cred ${op}${profile ? ` ${profile}` : ''}`, cwd: process.cwd() };
  const id = `cli-${process.pid}`;
  const request: Request = profile !== undefined && (op === 'forget' || op === 'credentials') ? { v: PROTOCOL_VERSION, id, op, profile, caller } : ({ v: PROTOCOL_VERSION, id, op, caller } as Request);
  try {
    response = await sendRequest(c.socket, request, 30_000);
  } catch (error) {
    if (error instanceof AgentUnreachableError) {
      // Before `init` the missing agent is the lesser problem: say what to do first.
      await c.vault.requireExists();
      throw new AgentNotRunningError(`${error.message}: start the tray app or \`tray-cred agent\`; set TRAY_CRED_SOCKET if it listens elsewhere`);
    }
    throw error;
  }
  if (!response.ok) throw new TrayCredError(response.error.code, response.error.message);
  return response.result;
}

function describe(s: StatusResult, socket: string): string {
  const waiting = (s.waiting ?? []).map((w) => `  waiting: "${displayText(w.profile)}" for ${displayText(w.who)}\n`).join('');
  const hint = s.pending ? ' (answer with `tray-cred approve`)' : '';
  return `agent ${s.agentPid} on ${socket}: ${s.locked ? 'locked' : `unlocked, ${s.profiles} profile(s)`}${s.pending ? `, ${s.pending} approval(s) waiting${hint}` : ''}\n${waiting}`;
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
        const s = parseStatusResult(await call(c, op));
        c.out(options.json ? `${JSON.stringify(s)}\n` : describe(s, c.socket));
      });
  }

  program
    .command('sessions')
    .description('list the temporary credentials the agent holds in memory (never the keys)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const c = ctx();
      const sessions = parseSessionsResult(await call(c, 'sessions'));
      if (options.json) {
        c.out(`${JSON.stringify(sessions)}\n`);
        return;
      }
      c.out(
        sessions.length
          ? table(['PROFILE', 'KIND', 'KEY', 'EXPIRES', 'MINTED', 'FOR (CLAIMED)'], sessions.map((s) => [s.profile, s.kind, `…${s.accessKeyIdSuffix}`, localTime(s.expiration), localTime(s.mintedAt), displayText(s.mintedFor)]))
          : 'No live sessions.\n',
      );
      for (const w of expiryWarnings(sessions, c.clock.now(), (p) => `the next request for it mints a new one (\`tray-cred forget ${p}\` does it now)`)) c.err(`tray-cred: warning: ${w}`);
    });

  program
    .command('forget')
    .description("drop a profile's cached session; the next request mints a new one")
    .argument('<profile>')
    .action(async (profile: string) => {
      const c = ctx();
      const r = (await call(c, 'forget', profile)) as { forgotten?: unknown };
      c.out(r.forgotten === true ? `Forgot the session of "${profile}".\n` : `The agent held no session for "${profile}".\n`);
    });
}

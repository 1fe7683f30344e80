import type { Command } from 'commander';
import { expiryWarnings } from '../expiry-warning.ts';
import { parseSessionsResult, parseStatusResult, type StatusResult } from '../../../../helper/wire.ts';
import { commandAgent } from '../../client/agent-client.ts';
import { displayText } from '../../../../common/display.ts';
import { localTime, table, type CliContext } from '../context.ts';
import { nobodyApproves } from '../nobody-approves.ts';

function describe(s: StatusResult, socket: string): string {
  const waiting = (s.waiting ?? [])
    .map((w) => `  waiting: "${displayText(w.profile)}" for ${displayText(w.who)}\n`)
    .join('');
  const hint = s.pending ? ' (answer with `tray-cred approve`)' : '';
  const nobody = nobodyApproves(s);
  return `agent ${s.agentPid} on ${socket}: ${s.locked ? 'locked' : `unlocked, ${s.profiles} profile(s)`}${s.pending ? `, ${s.pending} approval(s) waiting${hint}` : ''}\n${waiting}${nobody ? `warning: ${nobody}\n` : ''}`;
}

export function registerControl(program: Command, ctx: () => CliContext): void {
  for (const [op, text] of [
    ['status', 'show whether the agent runs and is locked'],
    ['lock', "wipe the master key, credentials and approvals from the agent's memory"],
    ['unlock', 'let the agent read the master key from the keychain'],
  ] as const) {
    program
      .command(op)
      .description(text)
      .option('--json', 'print JSON')
      .action(async (options: { json?: boolean }) => {
        const c = ctx();
        const s = await commandAgent(c).call({ op }, parseStatusResult);
        c.out(options.json ? `${JSON.stringify(s)}\n` : describe(s, c.socket));
      });
  }

  program
    .command('sessions')
    .description('list the temporary credentials the agent holds in memory (never the keys)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const c = ctx();
      const sessions = await commandAgent(c).call({ op: 'sessions' }, parseSessionsResult);
      if (options.json) {
        c.out(`${JSON.stringify(sessions)}\n`);
        return;
      }
      c.out(
        sessions.length
          ? table(
              ['PROFILE', 'KIND', 'KEY', 'EXPIRES', 'MINTED', 'FOR (CLAIMED)'],
              sessions.map((s) => [
                s.profile,
                s.kind,
                `…${s.accessKeyIdSuffix}`,
                localTime(s.expiration),
                localTime(s.mintedAt),
                displayText(s.mintedFor),
              ]),
            )
          : 'No live sessions.\n',
      );
      for (const w of expiryWarnings(
        sessions,
        c.clock.now(),
        (p) => `the next request for it mints a new one (\`tray-cred forget ${p}\` does it now)`,
      ))
        c.err(`tray-cred: warning: ${w}`);
    });

  program
    .command('forget')
    .description("drop a profile's cached session; the next request mints a new one")
    .argument('<profile>')
    .action(async (profile: string) => {
      const c = ctx();
      const r = await commandAgent(c).call({ op: 'forget', profile }, (result) => result as { forgotten?: unknown });
      c.out(
        r.forgotten === true
          ? `Forgot the session of "${profile}".\n`
          : `The agent held no session for "${profile}".\n`,
      );
    });
}

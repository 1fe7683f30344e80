import type { Command } from 'commander';
import type { ApprovalScopeKind } from '../../../../common/decision.ts';
import { parseApprovalsResult, type WirePrompt } from '../../../../helper/approval-wire.ts';
import { displayText } from '../../../../common/display.ts';
import { TrayCredError } from '../../../core/errors.ts';
import { commandAgent, type AgentClient } from '../../client/agent-client.ts';
import type { CliContext } from '../context.ts';

/** How long one `approvals` poll waits for a prompt before asking again. */
const POLL_MS = 20_000;

const LETTERS: Record<ApprovalScopeKind, { key: string; words: (minutes: number) => string }> = {
  once: { key: 'y', words: () => 'allow once' },
  run: { key: 'r', words: (m) => `this run (this program instance, ${m} min at most)` },
  'program-folder': { key: 'p', words: (m) => `this program in this folder for ${m} min` },
  any: { key: 'a', words: (m) => `any caller for ${m} min` },
};

/** The prompt as a person reads it: the verified caller where there is one, the claim labelled as such. */
export function describePrompt(p: WirePrompt, now: number): string {
  const lines = [
    `${p.unlock ? 'Unlock tray-cred and allow' : 'Allow'} "${p.profile}"? (${Math.max(0, Math.round((Date.parse(p.deadline) - now) / 1000))} s left)`,
  ];
  if (p.firstUse === true && p.verified)
    lines.push(`  First time \`${displayText(p.verified.exe)}\` asks for ${displayText(p.profile)}`);
  if (p.verified)
    lines.push(
      `  requested by (verified): ${displayText(p.verified.exe)} pid ${p.verified.pid}`,
      `    argv: ${displayText(p.verified.argv.join(' '))}`,
      `    in:   ${displayText(p.verified.cwd)}`,
    );
  if (p.claimed)
    lines.push(
      `  the helper claims${p.verified ? '' : ' (not verified)'}: ${displayText(p.claimed.command)} pid ${p.claimed.pid} in ${displayText(p.claimed.cwd)}`,
    );
  if (!p.verified && !p.claimed) lines.push('  the caller sent no information and nothing about it is verified');
  if (p.mfaSerial) lines.push(`  needs a code from MFA device ${p.mfaSerial}`);
  return `${lines.join('\n')}\n`;
}

async function askScope(c: CliContext, p: WirePrompt): Promise<ApprovalScopeKind | 'deny'> {
  const choices = p.offer.kinds.map((k) => `[${LETTERS[k].key}] ${LETTERS[k].words(p.offer.minutes)}`);
  for (;;) {
    const typed = (await c.ask(`${choices.join(', ')}, [n] deny: `, false)).toLowerCase();
    if (typed === 'n' || typed === 'no') return 'deny';
    const kind = p.offer.kinds.find((k) => LETTERS[k].key === typed || (k === 'once' && typed === 'yes'));
    if (kind) return kind;
    c.err(`tray-cred: type one of ${[...p.offer.kinds.map((k) => LETTERS[k].key), 'n'].join(', ')}`);
  }
}

async function askCode(c: CliContext, serial: string): Promise<string> {
  for (;;) {
    const code = await c.ask(`MFA code for ${serial}: `, false);
    if (/^\d{6}$/.test(code)) return code;
    c.err('tray-cred: an MFA code is six digits');
  }
}

async function answerOne(c: CliContext, agent: AgentClient, p: WirePrompt): Promise<void> {
  c.out(describePrompt(p, Date.now()));
  const scope = await askScope(c, p);
  const mfaCode = scope !== 'deny' && p.mfaSerial ? await askCode(c, p.mfaSerial) : undefined;
  const answer = {
    op: 'approve',
    prompt: p.ref,
    allow: scope !== 'deny',
    ...(scope !== 'deny' ? { scope } : {}),
    ...(mfaCode ? { mfaCode } : {}),
  } as const;
  const r = await agent.call(answer, (result) => result as { answered?: unknown });
  if (r.answered !== true)
    c.out('That request is no longer waiting (answered elsewhere, timed out, or the agent locked).\n');
  else c.out(scope === 'deny' ? 'Denied.\n' : `Allowed: ${LETTERS[scope].words(p.offer.minutes)}.\n`);
}

export function registerApprove(program: Command, ctx: () => CliContext): void {
  program
    .command('approve')
    .description(
      'answer approval prompts in this terminal: lists each waiting request (the verified caller where the OS tells, the claim labelled) and asks y/n, a scope, and an MFA code when needed. Runs until Ctrl-C',
    )
    .option('--once', 'exit after answering one request')
    .action(async (options: { once?: boolean }) => {
      const c = ctx();
      const agent = commandAgent(c);
      for (let n = 1; ; n += 1) {
        // The first poll returns at once: the agent then knows this terminal listens before it says so.
        const wait = n === 1 ? 0 : POLL_MS;
        const prompts = await agent.call({ op: 'approvals', wait }, parseApprovalsResult);
        if (n === 1) c.err(`tray-cred approve: waiting for requests at ${c.socket} (Ctrl-C stops)`);
        if (!prompts)
          throw new TrayCredError(
            'BAD_REQUEST',
            'the agent sent a malformed list of approvals: update tray-cred and the app to the same release',
          );
        const [oldest] = prompts;
        if (!oldest) continue;
        await answerOne(c, agent, oldest);
        if (options.once) return;
      }
    });
}

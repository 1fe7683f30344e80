import type { Command } from 'commander';
import type { AuditEntry } from '../../../core/audit/audit-codec.ts';
import { queryAuditLog } from '../../../core/audit/audit-reader.ts';
import { verifyAuditLogParallel } from '../../audit/audit-verify-parallel.ts';
import { TamperedError, UsageError } from '../../../core/errors.ts';
import { displayText } from '../../../../common/display.ts';
import { claimDiffers, programText } from '../../../../common/caller-text.ts';
import { followAudit } from './audit-follow.ts';
import { auditShow, auditSummary } from './audit-insight.ts';
import { localTime, table, type CliContext } from '../context.ts';

/** The verified requester, labelled, then a claim that names another process, labelled as claimed. */
function callerCell(e: AuditEntry): string {
  const verified = e.verified
    ? `verified: ${programText(e.verified.requester) || `pid ${e.verified.peer.pid}`}${e.verified.requester.cwd ? ` (in ${e.verified.requester.cwd})` : ''}`
    : '';
  const claimed =
    e.caller && claimDiffers(e.caller, e.verified)
      ? `claimed: ${e.caller.command || `pid ${e.caller.pid}`}${e.caller.cwd ? ` (in ${e.caller.cwd})` : ''}`
      : '';
  return [verified, claimed].filter(Boolean).join('; ');
}

/** Every cell through the one escaper: the caller's claims and reasons, and also the fields a hand-edited log could hold anything in. */
function row(e: AuditEntry): string[] {
  const caller = callerCell(e);
  const cells = [
    String(e.seq),
    localTime(e.time),
    e.event,
    e.profile ?? '',
    e.decision ?? '',
    e.served ?? '',
    e.durationMs === undefined ? '' : `${e.durationMs} ms`,
    [caller, e.reason].filter(Boolean).join(' — '),
  ];
  return cells.map((cell) => displayText(String(cell)));
}

export function registerAudit(program: Command, ctx: () => CliContext): void {
  const audit = program
    .command('audit')
    .description('show the access history (newest last)')
    .option('--json', 'print JSON Lines')
    .option('--profile <profile>', 'only this profile')
    .option('--limit <n>', 'only the newest N entries (with --follow, 0 prints only new ones)', '50')
    .option(
      '--follow',
      'with --json: after the newest entries, print each new one as it is appended (a stable shape with a version field, for log shippers) until stopped',
    )
    .option(
      '--summary',
      'per profile: last use, uses in 24 h and 7 d, decisions and the verified programs served, since --since',
    )
    .option('--since <duration>', 'with --summary: how far back, like 24h, 7d or 4w', '7d')
    .enablePositionalOptions()
    .action(
      async (options: {
        json?: boolean;
        profile?: string;
        limit: string;
        follow?: boolean;
        summary?: boolean;
        since: string;
      }) => {
        const c = ctx();
        if (options.summary) {
          await c.vault.requireExists();
          return auditSummary(c, { since: options.since, json: options.json, now: Date.now() });
        }
        const limit = Number(options.limit);
        const least = options.follow ? 0 : 1;
        if (!Number.isInteger(limit) || limit < least)
          throw new UsageError(`--limit takes a whole number of entries, ${least} or more`);
        if (options.follow && !options.json)
          throw new UsageError('--follow prints JSON Lines for a log shipper: add --json');
        await c.vault.requireExists();
        if (options.follow) return followAudit(c, { profile: options.profile, limit });
        const entries = await queryAuditLog(c.fs, c.auditDir, { profile: options.profile, limit });
        if (options.json) {
          c.out(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
          return;
        }
        c.out(
          entries.length
            ? table(
                [
                  'SEQ',
                  'TIME',
                  'EVENT',
                  'PROFILE',
                  'DECISION',
                  'SERVED',
                  'TOOK',
                  'CALLER (VERIFIED OR CLAIMED) / REASON',
                ],
                entries.map(row),
              )
            : 'No entries.\n',
        );
      },
    );

  audit
    .command('show')
    .description(
      "one access's full story: verified program and ancestry, the claim, the approval, the credentials' source, a CloudTrail lookup",
    )
    .argument('<seq>', 'the entry number (the SEQ column)')
    .option('--json', 'print JSON')
    .action(async (seq: string, options: { json?: boolean }) => {
      const c = ctx();
      await c.vault.requireExists();
      await auditShow(c, seq, options);
    });

  audit
    .command('verify')
    .description('check the HMAC chain: edited, deleted, reordered or cut-off entries are found')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const c = ctx();
      const key = await c.vault.loadAuditKey();
      const report = await verifyAuditLogParallel(c.fs, c.auditDir, key, {
        requireEntries: await c.vault.exists(),
        anchor: await (await c.audit()).readAnchor(),
      });
      key.fill(0);
      if (options.json) c.out(`${JSON.stringify(report)}\n`);
      if (report.ok) {
        if (!options.json)
          c.out(`audit log verified: ${report.entries} entries in ${report.files} file(s), chain intact\n`);
        return;
      }
      const p = report.problem!;
      throw new TamperedError(
        `audit log NOT verified: ${p.file} line ${p.line}${p.seq === undefined ? '' : ` (entry ${p.seq})`}: ${p.reason}. Entries before it (${report.entries}) are intact.`,
      );
    });
}

import type { Command } from 'commander';
import type { AuditEntry } from '../../core/audit-codec.ts';
import { queryAuditLog } from '../../core/audit-reader.ts';
import { verifyAuditLog } from '../../core/audit-verify.ts';
import { TamperedError, UsageError } from '../../core/errors.ts';
import { displayText } from '../../../common/display.ts';
import { localTime, table, type CliContext } from '../context.ts';

/** Every cell through the one escaper: the caller's claims and reasons, and also the fields a hand-edited log could hold anything in. */
function row(e: AuditEntry): string[] {
  const caller = e.caller ? `${e.caller.command || `pid ${e.caller.pid}`}${e.caller.cwd ? ` (in ${e.caller.cwd})` : ''}` : '';
  const cells = [String(e.seq), localTime(e.time), e.event, e.profile ?? '', e.decision ?? '', e.served ?? '', e.durationMs === undefined ? '' : `${e.durationMs} ms`, [caller, e.reason].filter(Boolean).join(' — ')];
  return cells.map((cell) => displayText(String(cell)));
}

export function registerAudit(program: Command, ctx: () => CliContext): void {
  const audit = program
    .command('audit')
    .description('show the access history (newest last)')
    .option('--json', 'print JSON Lines')
    .option('--profile <profile>', 'only this profile')
    .option('--limit <n>', 'only the newest N entries', '50')
    .enablePositionalOptions()
    .action(async (options: { json?: boolean; profile?: string; limit: string }) => {
      const c = ctx();
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a whole number of entries, 1 or more');
      await c.vault.requireExists();
      const entries = await queryAuditLog(c.fs, c.auditDir, { profile: options.profile, limit });
      if (options.json) {
        c.out(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return;
      }
      c.out(entries.length ? table(['SEQ', 'TIME', 'EVENT', 'PROFILE', 'DECISION', 'SERVED', 'TOOK', 'CALLER (CLAIMED) / REASON'], entries.map(row)) : 'No entries.\n');
    });

  audit
    .command('verify')
    .description('check the HMAC chain: edited, deleted, reordered or cut-off entries are found')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const c = ctx();
      const key = await c.vault.loadAuditKey();
      const report = await verifyAuditLog(c.fs, c.auditDir, key, { requireEntries: await c.vault.exists() });
      key.fill(0);
      if (options.json) c.out(`${JSON.stringify(report)}\n`);
      if (report.ok) {
        if (!options.json) c.out(`audit log verified: ${report.entries} entries in ${report.files} file(s), chain intact\n`);
        return;
      }
      const p = report.problem!;
      throw new TamperedError(
        `audit log NOT verified: ${p.file} line ${p.line}${p.seq === undefined ? '' : ` (entry ${p.seq})`}: ${p.reason}. Entries before it (${report.entries}) are intact.`,
      );
    });
}

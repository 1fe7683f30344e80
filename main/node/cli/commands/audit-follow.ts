/**
 * `tray-cred audit --follow --json`: the newest entries, then each new one as it is appended, as
 * JSON Lines in the shipped shape, for a log shipper reading a pipe. It reads the files, so it
 * works while the agent runs in another process. It runs until SIGINT or SIGTERM (exit 0), or
 * until its reader goes away (EPIPE: exit 0, as `tail -f | head` does).
 */
import type { AuditEntry } from '../../../core/audit/audit-codec.ts';
import { queryAuditLog } from '../../../core/audit/audit-reader.ts';
import { shippedEntry } from '../../../core/audit/audit-shipped.ts';
import { AuditFollower, endOfLog } from '../../audit/audit-follower.ts';
import type { CliContext } from '../context.ts';

/** How often the newest file's size is looked at: a listing and a stat, nothing read unless it grew. */
const POLL_MS = 250;

export interface FollowOptions {
  profile?: string | undefined;
  /** Entries already in the log printed first; 0 prints only new ones. */
  limit: number;
}

export async function followAudit(c: CliContext, options: FollowOptions): Promise<never> {
  let stopped = false;
  let wake = (): void => undefined;
  const stop = (): void => {
    stopped = true;
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', stop);
  const print = (e: AuditEntry): void => {
    if (options.profile === undefined || e.profile === options.profile) c.out(`${JSON.stringify(shippedEntry(e))}\n`);
  };
  // The end first, then the entries before it: one appended in between is printed once, by the follower.
  const start = await endOfLog(c.fs, c.auditDir);
  if (options.limit > 0) {
    for (const e of await queryAuditLog(c.fs, c.auditDir, { profile: options.profile, limit: options.limit }))
      if (e.seq <= start.seq) print(e);
  }
  const follower = new AuditFollower(
    { fs: c.fs, dir: c.auditDir, onEntry: print, onReplaced: (message) => c.err(`tray-cred: ${message}`) },
    start,
  );
  let said = '';
  while (!stopped) {
    try {
      await follower.poll();
    } catch (error) {
      // A file can go between its listing and its read (the log being replaced): the next poll sees what happened. Said once per cause.
      const message = `tray-cred: reading the audit log failed (${(error as Error).message}); trying again`;
      if (message !== said) c.err(message);
      said = message;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      wake = () => (clearTimeout(timer), resolve());
    });
  }
  process.exit(0);
}

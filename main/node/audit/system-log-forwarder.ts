/**
 * Forwards each batch of audit entries to the system log, when the shared `forwardToSystemLog`
 * setting is on: to journald through `logger --journald` (one entry per run, as that reads one
 * entry's fields) where journald's socket exists, else to syslog through `logger -t tray-cred`
 * (one run per batch, a line per entry). Node has no Unix datagram sockets, so journald's native
 * protocol goes through util-linux's `logger`. It runs after the entries are on disk and never
 * throws: an access is recorded and served whether or not the system log took it.
 */
import { existsSync } from 'node:fs';
import type { AuditEntry } from '../../core/audit/audit-codec.ts';
import { shippedEntry } from '../../core/audit/audit-shipped.ts';
import { journalExport, journalFields, syslogLine } from '../../core/audit/journal-fields.ts';
import { runCommand } from '../platform/run-command.ts';

export interface ForwarderOptions {
  /** Read for each batch, so turning the setting on or off applies without a restart. */
  enabled: () => boolean;
  /** Told once, the first time the system log refuses; never given a secret. */
  warn: (message: string) => void;
  /** journald's native socket: where it exists, journald runs. */
  journalSocket?: string;
  env?: NodeJS.ProcessEnv;
}

const JOURNAL_SOCKET = '/run/systemd/journal/socket';

/** An `onAppended` listener that forwards entries in the order they were written. */
export function systemLogForwarder(options: ForwarderOptions): (entries: readonly AuditEntry[]) => void {
  const socket = options.journalSocket ?? JOURNAL_SOCKET;
  const env = options.env ?? process.env;
  let warned = false;
  let queue = Promise.resolve();
  const send = async (entries: readonly AuditEntry[]): Promise<void> => {
    const shipped = entries.map(shippedEntry);
    const runs = existsSync(socket)
      ? shipped.map((e) => ({ argv: ['logger', '--journald'], input: journalExport(journalFields(e)) }))
      : [
          {
            argv: ['logger', '-t', 'tray-cred', '-p', 'auth.info'],
            input: shipped.map((e) => `${syslogLine(e)}\n`).join(''),
          },
        ];
    for (const { argv, input } of runs) {
      const r = await runCommand(argv, env, input);
      if (r.status !== 0 && !warned) {
        warned = true;
        options.warn(
          `the audit log could not be forwarded to the system log (${argv.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}); accesses are still recorded in the audit log. Said once`,
        );
      }
    }
  };
  return (entries) => {
    if (!options.enabled()) return;
    queue = queue.then(() => send(entries)).catch(() => undefined);
  };
}

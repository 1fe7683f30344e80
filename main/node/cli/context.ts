import type { AuditLog } from '../../core/audit/audit-log.ts';
import type { HistoryIndex } from '../../core/history/history-index.ts';
import type { AwsClients } from '../aws/aws-clients.ts';
import type { NodeServices } from '../platform/node-services.ts';

/** What every `tray-cred` command is handed by the composition root (cli-context.ts): the process's services, and how to talk. */
export interface CliContext extends NodeServices {
  env: NodeJS.ProcessEnv;
  socket: string;
  /** The AWS SDK adapters, one of each for the process. */
  aws: AwsClients;
  /** The audit log, with its key read from the keychain. */
  audit(): Promise<AuditLog>;
  /** The audit log's index (the history window's), for the commands that summarise it. */
  history(): Promise<HistoryIndex>;
  /** Resolves once what the audit log wrote after answering (its chain head, its anchor) is on disk; before an exit. */
  settled(): Promise<void>;
  /** Runs `fn` with the master key from the keychain and wipes the key afterwards. */
  withKey<T>(fn: (key: Buffer) => Promise<T>): Promise<T>;
  /** Writes to stdout. Commands never print a secret. */
  out(text: string): void;
  /** Writes one line to stderr. */
  err(text: string): void;
  /** Reads all of stdin (for secrets piped in). */
  readStdin(): Promise<string>;
  /** Asks on the terminal; `hidden` does not echo. Fails when stdin is not a terminal. */
  ask(prompt: string, hidden: boolean): Promise<string>;
}

/** Formats an ISO time as local `YYYY-MM-DD HH:MM:SS`, for tables. */
export function localTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Lays out rows as aligned columns. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/**
 * An audit entry as the system log gets it (the forwarder in main/node/audit/system-log-forwarder.ts):
 * journal fields with stable upper-case names where journald runs, one syslog line elsewhere.
 * Built from the shipped shape only, so it holds no more than `audit --follow --json` does.
 */
import type { Decision } from '../../../common/decision.ts';
import { shippedMessage, type ShippedEntry } from './audit-shipped.ts';

/** The decisions under which credentials were served. */
const SERVING: ReadonlySet<Decision> = new Set(['allowed', 'approved', 'remembered']);

/**
 * The journal fields of an entry, stable upper-case names (journald allows A-Z, 0-9 and `_`,
 * not starting with `_`). Values are the raw texts; {@link journalExport} makes them safe.
 */
export function journalFields(e: ShippedEntry): [string, string][] {
  const fields: [string, string][] = [
    ['MESSAGE', shippedMessage(e)],
    ['SYSLOG_IDENTIFIER', 'tray-cred'],
    // 6 (info) for what was served, 4 (warning) for an access refused or failed, a tamper or a repair: what a team alerts on.
    [
      'PRIORITY',
      (e.decision !== undefined && !SERVING.has(e.decision)) ||
      e.event === 'tamper' ||
      e.event === 'repair' ||
      e.event === 'rollback'
        ? '4'
        : '6',
    ],
    ['TRAY_CRED_VERSION', String(e.v)],
    ['TRAY_CRED_SEQ', String(e.seq)],
    ['TRAY_CRED_TIME', e.time],
    ['TRAY_CRED_EVENT', e.event],
  ];
  const optional: [string, string | number | undefined][] = [
    ['TRAY_CRED_PROFILE', e.profile],
    ['TRAY_CRED_DECISION', e.decision],
    ['TRAY_CRED_SERVED', e.served],
    ['TRAY_CRED_CREDENTIAL_ID', e.credentialId],
    ['TRAY_CRED_SESSION_NAME', e.sessionName],
    ['TRAY_CRED_CALLER_PID', e.caller?.pid],
    ['TRAY_CRED_CALLER_PPID', e.caller?.ppid],
    ['TRAY_CRED_CALLER_COMMAND', e.caller?.command],
    ['TRAY_CRED_CALLER_CWD', e.caller?.cwd],
    ['TRAY_CRED_REASON', e.reason],
    ['TRAY_CRED_DURATION_MS', e.durationMs],
  ];
  for (const [name, value] of optional) if (value !== undefined) fields.push([name, String(value)]);
  return fields;
}

/**
 * Fields in the form `logger --journald` reads: one `NAME=value` per line, an entry per input.
 * That form has no room for a newline inside a value (the native datagram's binary form, which
 * Node cannot send: it has no Unix datagram sockets), so a value's backslashes, newlines and
 * other control characters are written as `\\`, `\n` and `\xHH`, the same way every time.
 */
export function journalExport(fields: readonly [string, string][]): string {
  return fields.map(([name, value]) => `${name}=${escapeLine(value)}\n`).join('');
}

/** `text` on one line: a backslash doubled, `\n`, `\r`, `\t` named, other control characters as `\xHH`. */
export function escapeLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\\\x00-\x1f\x7f]/g, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** One syslog line per entry, for `logger -t tray-cred` where there is no journal: the message, then the fields. */
export function syslogLine(e: ShippedEntry): string {
  return escapeLine(
    `${shippedMessage(e)} v=${e.v} time=${e.time}${e.credentialId ? ` credential_id=${e.credentialId}` : ''}${e.sessionName ? ` session_name=${e.sessionName}` : ''}`,
  );
}

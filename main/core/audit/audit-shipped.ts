/**
 * What leaves tray-cred for an organisation's log pipeline: `tray-cred audit --follow --json`
 * and the system-log forwarder. The shape is written out field by field, not the entry as
 * stored, so a field added to the log for the chain's sake never reaches a shipper unannounced,
 * and its names stay stable across versions (`v` says which). Only what the log holds is
 * copied, and the log holds no secret: names, decisions, key ids and the caller's claims.
 */
import type { CallerClaim } from '../../../common/caller.ts';
import type { Decision, Served } from '../../../common/decision.ts';
import type { AuditRecord } from './audit-codec.ts';

/** The version of {@link ShippedEntry}; a change to a field's name or meaning raises it. */
const SHIPPED_VERSION = 1;

/** One entry as shippers see it. Absent fields are left out, as in the log. */
export interface ShippedEntry {
  v: typeof SHIPPED_VERSION;
  seq: number;
  time: string;
  event: string;
  profile?: string;
  decision?: Decision;
  served?: Served;
  credentialId?: string;
  sessionName?: string;
  caller?: CallerClaim;
  reason?: string;
  durationMs?: number;
}

/** The entry in the shipped shape: only the named fields, in a fixed order. */
export function shippedEntry(r: AuditRecord): ShippedEntry {
  const out: ShippedEntry = { v: SHIPPED_VERSION, seq: r.seq, time: r.time, event: r.event };
  if (r.profile !== undefined) out.profile = r.profile;
  if (r.decision !== undefined) out.decision = r.decision;
  if (r.served !== undefined) out.served = r.served;
  if (r.credentialId !== undefined) out.credentialId = r.credentialId;
  if (r.sessionName !== undefined) out.sessionName = r.sessionName;
  if (r.caller)
    out.caller = {
      pid: r.caller.pid,
      ppid: r.caller.ppid,
      command: r.caller.command,
      ...(r.caller.argv ? { argv: r.caller.argv } : {}),
      cwd: r.caller.cwd,
    };
  if (r.reason !== undefined) out.reason = r.reason;
  if (r.durationMs !== undefined) out.durationMs = r.durationMs;
  return out;
}

/** A one-line summary for MESSAGE= and syslog: what happened, to which profile, decided how. */
export function shippedMessage(e: ShippedEntry): string {
  const parts = [`tray-cred ${e.event}`];
  if (e.profile !== undefined) parts.push(`profile=${e.profile}`);
  if (e.decision !== undefined) parts.push(`decision=${e.decision}`);
  if (e.served !== undefined) parts.push(`served=${e.served}`);
  if (e.caller) parts.push(`caller_pid=${e.caller.pid}`, `caller=${JSON.stringify(e.caller.command)}`);
  if (e.reason !== undefined) parts.push(`reason=${JSON.stringify(e.reason)}`);
  parts.push(`seq=${e.seq}`);
  return parts.join(' ');
}

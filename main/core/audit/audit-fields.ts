/**
 * The checks of an audit record's optional fields (audit-codec.ts): each holds what tray-cred
 * writes there or the record is not one. Split from the codec to keep each file small.
 */
import { isVerifiedCaller, type CallerClaim } from '../../../common/caller.ts';
import { isApprovalScopeKind, isDecision, isServed } from '../../../common/decision.ts';

type Json = Record<string, unknown>;

const isText = (v: unknown): v is string => typeof v === 'string';
// JSON has no NaN or Infinity, so a number from JSON.parse is finite.
const isNumber = (v: unknown): v is number => typeof v === 'number';

/** A request id is at most 64 characters (the wire's rule), so a grant is too. */
function isApproval(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Json;
  return isApprovalScopeKind(a.scope) && isText(a.grant) && a.grant.length <= 64;
}

function isCaller(v: unknown): v is CallerClaim {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Json;
  return (
    isNumber(c.pid) &&
    isNumber(c.ppid) &&
    isText(c.command) &&
    isText(c.cwd) &&
    (c.argv === undefined || (Array.isArray(c.argv) && c.argv.every(isText)))
  );
}

/** The claimed or the verified caller, when one holds what tray-cred never writes there. */
function badCallerField(o: Json): 'caller' | 'verified' | undefined {
  if (o.caller !== undefined && !isCaller(o.caller)) return 'caller';
  return o.verified !== undefined && !isVerifiedCaller(o.verified) ? 'verified' : undefined;
}

/**
 * The first optional field of AuditInput that holds what tray-cred never writes there. Written
 * out field by field: a loop over a table of guards doubled the cost of these checks (Node 24,
 * 100,000 lines), and the history window checks every line of the log when it opens.
 */
export function badOptionalField(o: Json): string | undefined {
  if (o.profile !== undefined && !isText(o.profile)) return 'profile';
  if (o.decision !== undefined && !isDecision(o.decision)) return 'decision';
  if (o.reason !== undefined && !isText(o.reason)) return 'reason';
  const who = badCallerField(o);
  if (who !== undefined) return who;
  if (o.durationMs !== undefined && !isNumber(o.durationMs)) return 'durationMs';
  if (o.requestId !== undefined && !isText(o.requestId)) return 'requestId';
  if (o.served !== undefined && !isServed(o.served)) return 'served';
  return badServedField(o);
}

/** The fields only a served access carries (split from badOptionalField to keep each function small). */
function badServedField(o: Json): string | undefined {
  if (o.credentialId !== undefined && !isText(o.credentialId)) return 'credentialId';
  if (o.sessionName !== undefined && !isText(o.sessionName)) return 'sessionName';
  if (o.approval !== undefined && !isApproval(o.approval)) return 'approval';
  return undefined;
}

/**
 * The fields newer parts of the agent add to access entries (the verified caller, the approval
 * an access was served under), read back with their shapes checked: a line is what the file
 * says, and the history shows nothing it cannot vouch is of the right type. The writers' side
 * (audit-codec.ts) owns the fields; this only reads them.
 */
import type { AncestorFacts, VerifiedCaller } from '../../common/caller.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTexts = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);

function isAncestor(v: unknown): v is AncestorFacts {
  return isObject(v) && isNumber(v.pid) && isText(v.exe) && isTexts(v.argv);
}

/** The approval scopes an entry may name. */
export const APPROVAL_SCOPES = ['once', 'run', 'program-folder', 'any'] as const;

/** The approval an access was served under: its scope, and the request id of the prompt that granted it. */
export interface RecordedApproval {
  scope: (typeof APPROVAL_SCOPES)[number];
  grant: string;
}

/** The entry's verified caller, or `undefined` when it has none or it is not of the shape the agent writes. */
export function verifiedOf(record: object): VerifiedCaller | undefined {
  const v = (record as Json).verified;
  if (!isObject(v) || !isText(v.method) || !isObject(v.peer) || !isObject(v.requester) || !Array.isArray(v.ancestry)) return undefined;
  const { peer, requester: r } = v;
  if (!isNumber(peer.pid) || !isNumber(peer.uid)) return undefined;
  if (!isNumber(r.pid) || !isText(r.startTime) || !isText(r.exe) || !isTexts(r.argv) || !isText(r.cwd)) return undefined;
  return v.ancestry.every(isAncestor) ? (v as unknown as VerifiedCaller) : undefined;
}

/** Only the verified requester's executable: what the history index keeps per row. */
export function verifiedExe(record: object): string | undefined {
  const v = (record as Json).verified;
  if (!isObject(v) || !isObject(v.requester)) return undefined;
  const exe = v.requester.exe;
  return isText(exe) && exe !== '' ? exe : undefined;
}

/** The entry's approval, or `undefined`. */
export function approvalOf(record: object): RecordedApproval | undefined {
  const a = (record as Json).approval;
  if (!isObject(a) || !isText(a.grant) || !(APPROVAL_SCOPES as readonly unknown[]).includes(a.scope)) return undefined;
  return a as unknown as RecordedApproval;
}

/** A text field a newer build may add (e.g. `served: 'external'`), when it is text. */
export function textOf(record: object, field: string): string | undefined {
  const v = (record as Json)[field];
  return isText(v) ? v : undefined;
}

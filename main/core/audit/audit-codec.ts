/**
 * The audit line, defined once. The writer seals entries with it and every reader parses lines
 * with it: the writer's tail, the reader and verify read whole entries; the history index reads
 * only what happened, as it shows what the files say and leaves the chain to verify. A line is
 * `JSON.stringify` of the entry without its MAC, with `,"mac":"<64 hex>"}` in place of the
 * closing brace; the MAC covers the previous MAC and that JSON, so no field changes unseen.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Decision, Served } from '../../../common/decision.ts';
import type { CallerClaim, VerifiedCaller } from '../../../common/caller.ts';
import { badOptionalField } from './audit-fields.ts';
import type { ApprovalScopeKind } from '../../../common/decision.ts';

/** Every event tray-cred records. `access` is a credentials request; the rest are administrative. */
const AUDIT_EVENTS = [
  'access',
  'init',
  'import',
  'add',
  'remove',
  'policy',
  'unlock',
  'lock',
  'agent-start',
  'agent-stop',
  'rekey',
  'forget',
  'tamper',
  'repair',
  'rollback',
  'rotate',
  'sso',
] as const;

/** What happened. */
type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** What a caller asks to record. Never a secret: only names, decisions and the caller's claims. A new field needs its check in badOptionalField (audit-fields.ts). */
export interface AuditInput {
  event: AuditEvent;
  profile?: string;
  decision?: Decision;
  reason?: string;
  caller?: CallerClaim;
  /** The caller as the kernel and the agent's own reading of the process table name it (never a claim). */
  verified?: VerifiedCaller;
  durationMs?: number;
  requestId?: string;
  /** For served accesses: straight from the vault, a cached session, or minted now. */
  served?: Served;
  /** The access key id the client got (a temporary one names the session in CloudTrail). Not a secret. */
  credentialId?: string;
  /** The role session name of an assumed role, as CloudTrail shows it. */
  sessionName?: string;
  /** The approval a served access rides on: its scope and `grant`, the request id whose prompt's answer gave it. */
  approval?: { scope: ApprovalScopeKind; grant: string };
}

/** What happened and when, without its place in the chain: what the history window shows. */
export interface AuditRecord extends AuditInput {
  seq: number;
  time: string;
}

/** A recorded entry: the input plus its place in the chain. */
export interface AuditEntry extends AuditRecord {
  prev: string;
  mac: string;
}

/** What a line's MAC covers, as the line says it: enough to check the MAC of a line whose other fields are wrong. */
export interface Link {
  /** The `prev` the line names (as text whatever its JSON type, so a MAC can be computed over it). */
  prev: string;
  /** The line with its MAC cut off: the JSON the MAC was computed over. */
  body: string;
  mac: string;
}

/** A line read as an entry; a failure keeps what could still be read, to name the problem. */
export type ParsedLine =
  | { ok: true; entry: AuditEntry; link: Link }
  | { ok: false; reason: string; seq: number | undefined; link: Link | undefined };

/** The `prev` of the first entry. */
export const GENESIS = '0'.repeat(64);

/**
 * The longest line a reader parses. The writer's lines are a few hundred bytes: a caller's
 * command is at most 8 KiB (helper/wire.ts) and the other fields are names and times. A longer
 * line was not written by tray-cred; it is refused before JSON.parse builds anything from it.
 */
export const MAX_LINE_CHARS = 64 * 1024;
/** Why a line over MAX_LINE_CHARS is not read. */
export const TOO_LONG = `it is longer than ${MAX_LINE_CHARS / 1024} KiB, which tray-cred never writes`;

const AUDIT_FILE = /^audit-\d{12}\.jsonl$/;

/** Whether `name` is one of the log's files (named for their first entry, so they sort in chain order). */
export const isAuditFile = (name: string): boolean => AUDIT_FILE.test(name);

export const fileName = (firstSeq: number): string => `audit-${String(firstSeq).padStart(12, '0')}.jsonl`;

const NOT_HEX = /[^0-9a-f]/;
// Twice as fast as /^[0-9a-f]{64}$/ on Node 24, and every line's two MACs go through it.
const isMac = (s: string): boolean => s.length === 64 && !NOT_HEX.test(s);
const MAC_KEY = ',"mac":"';
/** `,"mac":"` + 64 hex digits + `"}` */
const MAC_LINE_END = 74;

/** A KeyObject for reading many lines; a Buffer where the writer must be able to zero the key (audit-key.ts). */
export type MacKey = KeyObject | Buffer;

// A KeyObject, made once: createHmac with a Buffer key re-imports it on every call, which is
// most of the cost of an entry (4 to 5 times the HMAC itself, measured on Node 24).
function mac(key: MacKey, prev: string, body: string): string {
  return createHmac('sha256', key).update(prev).update('\n').update(body).digest('hex');
}

/** Compares two MACs in constant time; anything that is not 64 hex digits matches nothing. */
export function sameHex(a: string, b: string): boolean {
  return isMac(a) && isMac(b) && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** Whether the line's MAC is the one `key` gives for what it covers. */
export function linkHolds(key: MacKey, link: Link): boolean {
  return sameHex(mac(key, link.prev, link.body), link.mac);
}

/** The entry `input` becomes as entry `seq` after `prev`, and its line (without the newline). */
export function sealEntry(
  key: MacKey,
  input: AuditInput,
  seq: number,
  time: string,
  prev: string,
): { entry: AuditEntry; line: string } {
  // `seq` first and `prev` last: intactMac reads them by position.
  const unsealed = { seq, time, ...input, prev };
  const body = JSON.stringify(unsealed);
  const m = mac(key, prev, body);
  return { entry: { ...unsealed, mac: m }, line: `${body.slice(0, -1)}${MAC_KEY}${m}"}` };
}

/** The MAC at the end of `line` and the body it covers, read by position, or `undefined` when it does not end in one. */
function splitMac(line: string): { body: string; mac: string } | undefined {
  const at = line.length - MAC_LINE_END;
  if (at <= 0 || !line.startsWith(MAC_KEY, at) || !line.endsWith('"}')) return undefined;
  const m = line.slice(at + MAC_KEY.length, -2);
  return isMac(m) ? { body: `${line.slice(0, at)}}`, mac: m } : undefined;
}

/**
 * The MAC of `line` when it is exactly the next entry of an intact chain (its sequence number
 * and link as expected, its MAC right, and not a `tamper` entry), else `undefined`. It reads
 * the fields by position instead of parsing the JSON: a line with a right MAC was written by
 * {@link sealEntry}, whose first key is `seq` and last `prev`, with no key twice. It only ever
 * accepts; every other line goes through verify's full checks, which name the problem.
 */
export function intactMac(key: MacKey, line: string, prev: string, seq: number): string | undefined {
  const split = splitMac(line);
  if (
    !split ||
    !split.body.startsWith(`{"seq":${seq},`) ||
    !split.body.endsWith(`,"prev":"${prev}"}`) ||
    line.includes('"event":"tamper"')
  )
    return undefined;
  // Both sides are 64 hex digits here, so sameHex's format checks would only repeat work on verify's hot path.
  return timingSafeEqual(Buffer.from(mac(key, prev, split.body), 'hex'), Buffer.from(split.mac, 'hex'))
    ? split.mac
    : undefined;
}

type Json = Record<string, unknown>;

function parseObject(line: string): Json | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string';
// JSON has no NaN or Infinity, so a number from JSON.parse is finite.
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isEvent = (v: unknown): v is AuditEvent =>
  typeof v === 'string' && (AUDIT_EVENTS as readonly string[]).includes(v);

/** `o.time` in milliseconds since 1970, NaN when it is not a time. */
const timeOf = (o: Json): number => (isText(o.time) ? parseTime(o.time) : NaN);

/** The digits of `s` from `at` to `end` as a number, -1 when one is not a digit. */
function digits(s: string, at: number, end: number): number {
  let n = 0;
  for (let k = at; k < end; k += 1) {
    const d = s.charCodeAt(k) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Whether `s` has the separators of `toISOString`'s `YYYY-MM-DDTHH:MM:SS.sssZ` (its digits unchecked). */
const isIsoShape = (s: string): boolean =>
  s.length === 24 &&
  s[4] === '-' &&
  s[7] === '-' &&
  s[10] === 'T' &&
  s[13] === ':' &&
  s[16] === ':' &&
  s[19] === '.' &&
  s[23] === 'Z';

/**
 * `Date.parse(s)`, with the form the writer writes (`toISOString`: `YYYY-MM-DDTHH:MM:SS.sssZ`)
 * computed from its digits: Date.parse was 7% of reading a line for the history. Anything
 * else, or a field out of the ranges below, goes to Date.parse (test/core/audit-time.test.ts
 * compares the two on random and hostile times).
 */
export function parseTime(s: string): number {
  if (!isIsoShape(s)) return Date.parse(s);
  const [y, mo, d, h, mi, sec, ms] = [
    digits(s, 0, 4),
    digits(s, 5, 7),
    digits(s, 8, 10),
    digits(s, 11, 13),
    digits(s, 14, 16),
    digits(s, 17, 19),
    digits(s, 20, 23),
  ] as const;
  // Date.UTC reads years 0 to 99 as 1900 to 1999, and Date.parse takes hour 24 and rolls days over: those take the slow path.
  if (
    y < 100 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > 28 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    sec < 0 ||
    sec > 59 ||
    ms < 0
  )
    return Date.parse(s);
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

/**
 * What makes `o` not a record, or `undefined` when it is one; `at` is {@link timeOf} `o`, parsed
 * once for the check and the history index. Unknown fields are left alone, as other builds may write them.
 */
function recordProblem(o: Json, at: number): string | undefined {
  if (!isNumber(o.seq) || !Number.isSafeInteger(o.seq) || o.seq < 1) return 'its seq is not a whole number from 1';
  if (Number.isNaN(at)) return 'its time is not a date and time';
  if (!isEvent(o.event)) return 'its event is not one tray-cred records';
  const field = badOptionalField(o);
  return field === undefined ? undefined : `its ${field} is not what tray-cred writes there`;
}

function isRecord(o: Json, at: number): o is Json & AuditRecord {
  return recordProblem(o, at) === undefined;
}

/** What makes `o` not an entry ending in `mac`, or `undefined` when it is one. */
function entryProblem(o: Json, mac: string): string | undefined {
  const problem = recordProblem(o, timeOf(o));
  if (problem !== undefined) return problem;
  // JSON.parse keeps the last of two equal keys, so `o.mac` is the MAC the line ends with unless the line was built by hand.
  return isText(o.prev) && isMac(o.prev) && o.mac === mac ? undefined : 'its prev or mac is not a MAC';
}

function isEntry(o: Json, mac: string): o is Json & AuditEntry {
  return entryProblem(o, mac) === undefined;
}

/**
 * Reads a line as a record, leaving its chain fields unread: for views that show what the
 * files say (the history window) and leave the chain to verify. `at` is the record's time in
 * milliseconds, parsed once while checking it.
 */
export function parseRecord(
  line: string,
): { ok: true; record: AuditRecord; at: number } | { ok: false; reason: string } {
  if (line.length > MAX_LINE_CHARS) return { ok: false, reason: TOO_LONG };
  const o = parseObject(line);
  if (!o) return { ok: false, reason: 'it is not a JSON object' };
  const at = timeOf(o);
  return isRecord(o, at) ? { ok: true, record: o, at } : { ok: false, reason: recordProblem(o, at)! };
}

/** Reads a line as an entry: a record, the MAC of the entry before it, and its own MAC at the end. */
export function parseLine(line: string): ParsedLine {
  if (line.length > MAX_LINE_CHARS) return { ok: false, reason: TOO_LONG, seq: undefined, link: undefined };
  const o = parseObject(line);
  if (!o) return { ok: false, reason: 'it is not a JSON object', seq: undefined, link: undefined };
  const seq = isNumber(o.seq) ? o.seq : undefined;
  const split = splitMac(line);
  const link = split && { prev: String(o.prev), body: split.body, mac: split.mac };
  if (!link) return { ok: false, reason: 'it does not end in its MAC', seq, link };
  return isEntry(o, link.mac)
    ? { ok: true, entry: o, link }
    : { ok: false, reason: entryProblem(o, link.mac)!, seq, link };
}

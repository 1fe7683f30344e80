/**
 * The one reader of a session's expiration as a person or a file gives it (`tray-cred add
 * --expiration`, import from a credentials file or AWS_CREDENTIAL_EXPIRATION): an ISO 8601
 * date-time with its zone, never a bare date or a local time, whose meaning would depend on the
 * machine that reads it.
 */
import { UsageError } from '../errors.ts';

/** Date, `T` (or a space, as RFC 3339 and Python write it), time to the minute or finer, then `Z` or an offset. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)$/;

const EXAMPLE = 'like 2026-12-08T18:00:00Z or 2026-12-08T19:00:00+01:00';

/**
 * The expiration as an ISO 8601 UTC time; `now` (ms), when given, refuses a time already past.
 * The message names the profile and the value (an expiration is no secret) and shows the form.
 */
export function parseExpiration(profile: string, text: string, now?: number): string {
  const m = DATE_TIME.exec(text.trim());
  const at = m ? instant(m) : undefined;
  if (at === undefined)
    throw new UsageError(
      `profile "${profile}": expiration "${text}" is not an ISO 8601 time with a zone: give the full date and time with Z or an offset, ${EXAMPLE}`,
    );
  const iso = new Date(at).toISOString();
  if (now !== undefined && at <= now)
    throw new UsageError(
      `profile "${profile}": expiration ${iso} has passed, so these session credentials no longer work: get fresh ones and give their expiration, ${EXAMPLE}`,
    );
  return iso;
}

/** The instant the matched parts name, or undefined when a part is out of range (month 13, 31 February, 24:01). */
function instant(m: RegExpExecArray): number | undefined {
  const [y, mo, d, h, mi, s = 0] = m.slice(1, 7).map((v) => (v === undefined ? 0 : Number(v))) as number[];
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const sign = m[9] === '-' ? -1 : 1;
  const offset = m[8] ? 0 : sign * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  if (mo! < 1 || mo! > 12 || h! > 23 || mi! > 59 || s > 59 || Math.abs(offset) >= 24 * 60) return undefined;
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s, ms);
  if (new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDate() !== d) return undefined;
  return utc - offset * 60_000;
}

/**
 * The warning `tray-cred list` and `sessions` print for credentials close to their end: SDKs
 * refresh inside the last 15 minutes (botocore; the JS SDK at 5), so from then on every call runs
 * the helper again.
 */
import { displayText } from '../../../common/display.ts';

/** botocore's refresh window: from this much before the end, every call asks for credentials again. */
const EXPIRY_WARNING_MS = 15 * 60_000;

/** One line per credential that ends within {@link EXPIRY_WARNING_MS} (and has not ended). */
export function expiryWarnings(
  items: readonly { profile: string; expiration: string | undefined }[],
  now: number,
  fix: (profile: string) => string,
): string[] {
  const out: string[] = [];
  for (const { profile, expiration } of items) {
    const left = expiration ? Date.parse(expiration) - now : NaN;
    if (!(left > 0 && left <= EXPIRY_WARNING_MS)) continue;
    const minutes = Math.max(1, Math.round(left / 60_000));
    out.push(
      `"${displayText(profile)}" expires in ${minutes} min: SDKs refresh within the last 15 minutes, so every call now runs the helper again; ${fix(profile)}`,
    );
  }
  return out;
}

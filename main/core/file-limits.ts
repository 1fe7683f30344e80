import { TamperedError, UsageError, VaultFileError, type TrayCredError } from './errors.ts';
import type { FileSystem } from './ports/ports.ts';

/**
 * Size caps for the files a user hands tray-cred, checked with the file's size before a byte is
 * read: a wrong path (a disk image, a log) must not run the process out of memory.
 *
 * - An AWS credentials file of 5,000 profiles with session tokens is under 1 MiB; the AWS CLI's
 *   own files are a few KiB.
 * - `openssl enc -a` of such a file adds a third (base64) and a header: 2 MiB.
 * - A recovery kit is about 700 bytes; an openssl key file one line.
 *
 * And for the files tray-cred writes itself, which someone who can write the data directory
 * could replace with anything:
 * - vault.json: 1,000 profiles make about 400 KiB (base64 of the padded ciphertext); 16 MiB is
 *   some 40,000 profiles.
 * - An audit file rotates at 8 MiB (one batch may run past it): 64 MiB is not one tray-cred wrote.
 */
export interface Limit {
  bytes: number;
  what: string;
  /** What to do about a file over the cap; by default, check the path given. */
  fix?: string;
  /** The error a file over the cap is: a user's wrong path (default), or a damaged or planted file. */
  kind?: 'vault' | 'tampered';
}

export const LIMITS = {
  credentials: { bytes: 1024 * 1024, what: 'an AWS credentials file' },
  openssl: { bytes: 2 * 1024 * 1024, what: 'an openssl-encrypted credentials file' },
  keyFile: { bytes: 64 * 1024, what: 'an openssl key file' },
  kit: { bytes: 64 * 1024, what: 'a tray-cred recovery kit' },
  vault: {
    bytes: 16 * 1024 * 1024,
    what: 'a tray-cred vault',
    fix: 'it is not the vault tray-cred wrote; restore vault.json from your backup',
    kind: 'vault',
  },
  auditFile: {
    bytes: 64 * 1024 * 1024,
    what: 'a tray-cred audit file (they rotate at 8 MiB)',
    fix: 'tray-cred did not write it; move it out of the audit directory and run `tray-cred audit verify`',
    kind: 'tampered',
  },
} as const satisfies Record<string, Limit>;

const human = (n: number): string =>
  n >= 1024 * 1024
    ? `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`
    : n >= 1024
      ? `${Math.round(n / 1024)} KiB`
      : `${n} bytes`;

/** The refusal of a file over its cap: the file, its size, the cap, and what to do. */
export function tooLarge(path: string, size: number, limit: Limit): TrayCredError {
  const message = `${path} is ${human(size)} (${size} bytes), more than ${limit.what} can be (${human(limit.bytes)}): ${limit.fix ?? 'check the path'}; nothing was read`;
  return limit.kind === 'vault'
    ? new VaultFileError(message)
    : limit.kind === 'tampered'
      ? new TamperedError(message)
      : new UsageError(message);
}

/**
 * The whole file when it is within `limit`, `null` when it does not exist. The size is checked
 * before reading, and the length again after, for a file that grew in between.
 */
export async function readCapped(fs: FileSystem, path: string, limit: Limit): Promise<Buffer | null> {
  const size = await fs.size(path);
  if (size === null) return null;
  if (size > limit.bytes) throw tooLarge(path, size, limit);
  const bytes = await fs.readFile(path);
  if (bytes && bytes.length > limit.bytes) throw tooLarge(path, bytes.length, limit);
  return bytes;
}

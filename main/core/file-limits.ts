import { UsageError } from './errors.ts';
import type { FileSystem } from './ports.ts';

/**
 * Size caps for the files a user hands tray-cred, checked with the file's size before a byte is
 * read: a wrong path (a disk image, a log) must not run the process out of memory.
 *
 * - An AWS credentials file of 5,000 profiles with session tokens is under 1 MiB; the AWS CLI's
 *   own files are a few KiB.
 * - `openssl enc -a` of such a file adds a third (base64) and a header: 2 MiB.
 * - A recovery kit is about 700 bytes; an openssl key file one line.
 */
export const LIMITS = {
  credentials: { bytes: 1024 * 1024, what: 'an AWS credentials file' },
  openssl: { bytes: 2 * 1024 * 1024, what: 'an openssl-encrypted credentials file' },
  keyFile: { bytes: 64 * 1024, what: 'an openssl key file' },
  kit: { bytes: 64 * 1024, what: 'a tray-cred recovery kit' },
} as const;

export type Limit = (typeof LIMITS)[keyof typeof LIMITS];

const human = (n: number): string => (n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`);

/** The refusal of a file over its cap: the file, its size, the cap, and what to do. */
export function tooLarge(path: string, size: number, limit: Limit): UsageError {
  return new UsageError(`${path} is ${human(size)} (${size} bytes), more than ${limit.what} can be (${human(limit.bytes)}): check the path; nothing was read`);
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

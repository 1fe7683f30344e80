import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { UsageError } from '../errors.ts';

const MAGIC = Buffer.from('Salted__');
const MAGIC_BASE64 = 'U2FsdGVkX1';

/** True when the bytes look like `openssl enc` output with a salt, binary or `-a` (base64). */
export function isOpensslEnc(file: Buffer): boolean {
  return file.subarray(0, 8).equals(MAGIC) || file.subarray(0, MAGIC_BASE64.length).toString('latin1') === MAGIC_BASE64;
}

/**
 * `openssl enc -pass file:F` takes the first line of F as the passphrase (without its newline),
 * which is what the recipe's `openssl rand -base64 32 > key` file holds.
 */
export function passphraseFromKeyFile(file: Buffer): Buffer {
  const text = file.toString('utf8');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (!line) throw new UsageError('the key file is empty: give the file that was used with `openssl enc -pass file:…`');
  return Buffer.from(line, 'utf8');
}

/**
 * Decrypts what `openssl enc -aes-256-cbc -pbkdf2 [-iter N] [-a]` wrote: `Salted__`, an 8-byte
 * salt, then AES-256-CBC under key and IV from PBKDF2-HMAC-SHA256 (10000 iterations unless
 * -iter). Returns the plaintext; the caller wipes it after use.
 */
export function decryptOpensslEnc(file: Buffer, passphrase: Buffer, iterations = 10_000): Buffer {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 100_000_000) {
    throw new UsageError('--iter takes a whole number of PBKDF2 iterations (openssl -iter); the default is 10000');
  }
  let raw = file;
  if (!raw.subarray(0, 8).equals(MAGIC)) raw = Buffer.from(file.toString('latin1').replace(/\s+/g, ''), 'base64');
  if (!raw.subarray(0, 8).equals(MAGIC) || raw.length < 32 || (raw.length - 16) % 16 !== 0) {
    throw new UsageError(
      'this is not a file made by `openssl enc -aes-256-cbc -pbkdf2` (no "Salted__" header, or truncated)',
    );
  }
  const salt = raw.subarray(8, 16);
  const derived = pbkdf2Sync(passphrase, salt, iterations, 48, 'sha256');
  try {
    const decipher = createDecipheriv('aes-256-cbc', derived.subarray(0, 32), derived.subarray(32, 48));
    return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
  } catch {
    throw new UsageError(
      'could not decrypt the openssl file: the key file or passphrase is wrong, or it was made with other options (this reads -aes-256-cbc -pbkdf2 with -md sha256; pass --iter if it used -iter). Nothing was imported',
    );
  } finally {
    derived.fill(0);
  }
}

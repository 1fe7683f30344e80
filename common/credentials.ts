/**
 * The limits of the keys a person hands over (the profiles form, `tray-cred add`, an imported
 * file) and the one rule that applies them everywhere: trim, then check. The profiles form, the
 * IPC schema and main's core all call {@link credentialProblem}, so they accept and refuse the same
 * values. This file imports nothing but the vocabulary beside it.
 */
import { ACCESS_KEY_ID } from './names.ts';

/** The longest secret access key stored (AWS's are 40 characters). */
export const MAX_SECRET_ACCESS_KEY = 1024;

/** The longest session token stored (AWS's run to a few KiB). */
export const MAX_SESSION_TOKEN = 16 * 1024;

/** The fields of a key pair as a person types or pastes them. */
export type CredentialField = 'accessKeyId' | 'secretAccessKey' | 'sessionToken';

/**
 * What is wrong with a field once trimmed: `format` (an access key id that is not 16-128 capital
 * letters and digits), `empty`, `too-long` or `whitespace` (inside it: no key has a space).
 */
export type CredentialProblem = 'format' | 'empty' | 'too-long' | 'whitespace';

/**
 * What is wrong with `value` as `field`, or `undefined` when it may be stored. Whitespace around a
 * value is a paste's, not the key's, so it is trimmed before any check; an empty session token is
 * no session token.
 */
export function credentialProblem(field: CredentialField, value: string): CredentialProblem | undefined {
  const v = value.trim();
  if (field === 'accessKeyId') return ACCESS_KEY_ID.test(v) ? undefined : 'format';
  if (field === 'secretAccessKey' && v === '') return 'empty';
  if (v.length > (field === 'secretAccessKey' ? MAX_SECRET_ACCESS_KEY : MAX_SESSION_TOKEN)) return 'too-long';
  return /\s/.test(v) ? 'whitespace' : undefined;
}

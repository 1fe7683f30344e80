/**
 * The profiles form's checks, the same rules main applies (common/names.ts, common/policy.ts, and
 * common/credentials.ts for the keys: trim, then check): they save a round trip and say which
 * field is wrong. Main checks again; these are a courtesy, not the gate.
 */
import { credentialProblem, MAX_SECRET_ACCESS_KEY, MAX_SESSION_TOKEN } from '../common/credentials.ts';
import { PROFILE_NAME, RESERVED_PROFILE_NAME } from '../common/names.ts';
import { MAX_REMEMBER_MINUTES } from '../common/policy.ts';
import type { ProfileInput } from '../preload/api.ts';

/** What is wrong, by field; empty when the input may be sent. Messages never repeat a secret. */
export type FieldErrors = Partial<
  Record<'name' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'rememberMinutes', string>
>;

export function rememberError(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= MAX_REMEMBER_MINUTES
    ? undefined
    : `Whole minutes from 0 to ${MAX_REMEMBER_MINUTES}`;
}

export function validateProfileInput(input: ProfileInput): FieldErrors {
  const errors: FieldErrors = {};
  if (input.name === RESERVED_PROFILE_NAME) {
    errors.name = `"${RESERVED_PROFILE_NAME}" cannot be a profile name: choose another`;
  } else if (!PROFILE_NAME.test(input.name)) {
    errors.name = 'Letters, digits and _ . + = , @ : - (up to 128), starting with a letter, digit or _';
  }
  if (credentialProblem('accessKeyId', input.accessKeyId)) {
    errors.accessKeyId = '16 to 128 capital letters and digits, like AKIA…';
  }
  const secret = credentialProblem('secretAccessKey', input.secretAccessKey);
  if (secret === 'empty') errors.secretAccessKey = 'Required';
  else if (secret) errors.secretAccessKey = `At most ${MAX_SECRET_ACCESS_KEY} characters, no spaces`;
  if (input.sessionToken !== undefined && credentialProblem('sessionToken', input.sessionToken)) {
    errors.sessionToken = `At most ${MAX_SESSION_TOKEN / 1024} KiB, no spaces`;
  }
  const remember = rememberError(input.rememberMinutes);
  if (remember) errors.rememberMinutes = remember;
  return errors;
}

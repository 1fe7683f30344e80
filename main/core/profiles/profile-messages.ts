/**
 * What a rejected profile field means in the words the user typed: the flag that set it and the
 * values it takes, not the vault's field path (`sts.durationSeconds`).
 */
import { MAX_REMEMBER_MINUTES } from '../../../common/policy.ts';

const FIELD_WORDS: Readonly<Record<string, string>> = {
  'sts.durationSeconds': '--duration takes 900-129600 seconds (15 minutes to 36 hours)',
  'source.durationSeconds': '--duration takes 900-43200 seconds (15 minutes to 12 hours) for a role',
  'source.roleArn': '--role-arn takes a role ARN like arn:aws:iam::123456789012:role/name',
  'source.sourceProfile': '--source-profile takes a profile name',
  'source.mfaSerial': '--mfa-serial takes an MFA device ARN or serial number of 9-256 characters',
  'sts.mfaSerial': '--mfa-serial takes an MFA device ARN or serial number of 9-256 characters, or none',
  'source.externalId': '--external-id takes 2-1224 characters of A-Z a-z 0-9 and + = , . @ : / - _',
  'source.roleSessionName': '--session-name takes 2-64 characters of A-Z a-z 0-9 and + = , . @ - _',
  'source.command': '--command takes a command line of 1-4096 characters',
  'source.timeoutSeconds': '--timeout takes 1-600 seconds',
  'sts.region': '--region takes an AWS region like eu-west-1, or none',
  'sts.endpoint': '--endpoint takes a URL like https://sts.eu-west-1.amazonaws.com, or none',
  rememberMinutes: `--remember takes whole minutes from 0 to ${MAX_REMEMBER_MINUTES}`,
  expiration: '--expiration takes an ISO 8601 time like 2026-12-01T09:00:00Z',
};

/** None of these is a secret, so the rejected value may be repeated back. */
function valueAt(record: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = record;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** One rejected field as the user would put it, or undefined for fields no flag sets. */
export function fieldProblem(record: unknown, path: readonly PropertyKey[]): string | undefined {
  const words = FIELD_WORDS[path.map(String).join('.')];
  if (!words) return undefined;
  const value = valueAt(record, path);
  return typeof value === 'string' || typeof value === 'number' ? `${words}, not ${JSON.stringify(value)}` : words;
}

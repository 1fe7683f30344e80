import { parse } from 'ini';
import { HEADER, sectionNames } from './aws-config-edit.ts';
import { UsageError } from '../errors.ts';
import { checkCredentials, checkProfileName, type NewCredentials } from '../profiles/profile.ts';

/** Expiration keys that credential tools write into `~/.aws/credentials`. */
const EXPIRATION_KEYS = ['expiration', 'aws_expiration', 'aws_session_expiration', 'x_security_token_expires'];

const KNOWN_KEYS = new Set([
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'region',
  'output',
  ...EXPIRATION_KEYS,
]);

export interface ParsedCredentials {
  profiles: Map<string, NewCredentials>;
  /** Sections that hold no key pair (for example only a region), with why they were passed over. */
  skipped: { profile: string; why: string }[];
}

/**
 * Reads an `~/.aws/credentials`-format file with `ini`. Headers are first rewritten the way the
 * AWS CLI reads them (and the surgical editor in aws-config-edit.ts, which `--remove-source`
 * uses): a trailing comment dropped, and dots escaped, since `ini` would otherwise nest
 * `[team.dev]` under `team`. Should the two readers still see different sections, the file is
 * refused rather than half understood. Messages name profiles and keys, never a value or a line.
 */
export function parseCredentialsFile(text: string): ParsedCredentials {
  const normalized = text
    .split(/(\r?\n)/)
    .map((line) => {
      const m = HEADER.exec(line);
      return m ? `[${m[1]!.trim().replace(/\./g, '\\.')}]` : line;
    })
    .join('');
  refuseRepeatedKeys(text);
  const sections = parse(normalized) as Record<string, unknown>;
  const expected = [...new Set(sectionNames(text).filter((n) => n !== '__proto__'))];
  const seen = Object.keys(sections)
    .filter((k) => typeof sections[k] === 'object')
    .map((k) => k.trim());
  if (expected.length !== seen.length || expected.some((n) => !seen.includes(n))) {
    throw new UsageError(
      'the sections of this file cannot be read unambiguously (a header the AWS CLI and tray-cred read differently): simplify its [section] lines and import again',
    );
  }
  const profiles = new Map<string, NewCredentials>();
  const skipped: ParsedCredentials['skipped'] = [];
  for (const [rawName, section] of Object.entries(sections)) {
    if (typeof section !== 'object' || section === null) {
      // The line itself is not quoted: it may be a secret, or a credential_process document.
      throw new UsageError('the file has a line outside any [profile] section: it is not an AWS credentials file');
    }
    const name = rawName.trim();
    // botocore's configparser lower-cases option names: AWS_Secret_Access_Key is the secret key to the AWS CLI too.
    const s = new Map(Object.entries(section as Record<string, unknown>).map(([k, v]) => [k.trim().toLowerCase(), v]));
    const text = (key: string): string | undefined =>
      typeof s.get(key) === 'string' ? (s.get(key) as string) : undefined;
    const accessKeyId = text('aws_access_key_id');
    const secretAccessKey = text('aws_secret_access_key');
    if (!accessKeyId && !secretAccessKey) {
      skipped.push({ profile: name, why: 'no aws_access_key_id or aws_secret_access_key' });
      continue;
    }
    if (!accessKeyId || !secretAccessKey) {
      throw new UsageError(
        `profile "${name}" has ${accessKeyId ? 'aws_access_key_id but no aws_secret_access_key' : 'aws_secret_access_key but no aws_access_key_id'}: fix the file and import again`,
      );
    }
    checkProfileName(name);
    const expiration = EXPIRATION_KEYS.map(text).find((v) => v !== undefined);
    profiles.set(
      name,
      checkCredentials(name, {
        accessKeyId,
        secretAccessKey,
        sessionToken: text('aws_session_token') ?? text('aws_security_token'),
        expiration,
      }),
    );
  }
  return { profiles, skipped };
}

/**
 * A key set twice in one section, in any mix of case, makes the AWS CLI and boto3 refuse the
 * whole file ("Unable to parse config file": configparser is strict and lower-cases keys), where
 * `ini` would quietly keep the last: refused here too, naming the profile and the key.
 */
function refuseRepeatedKeys(text: string): void {
  let section: string | undefined;
  let keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const header = HEADER.exec(line);
    if (header) {
      section = header[1]!.trim();
      keys = new Set();
      continue;
    }
    // Indented lines continue a value in configparser; comments and blank lines set nothing.
    const key = /^([^\s;#=][^=]*?)\s*=/.exec(line)?.[1]?.toLowerCase();
    if (key === undefined || section === undefined) continue;
    if (keys.has(key)) {
      // Only a known key is named: what stands before a `=` on a stray line may be a secret.
      const named = KNOWN_KEYS.has(key) ? key : 'one key';
      throw new UsageError(
        `profile "${section}" sets ${named} twice (in any case: the AWS CLI reads both as one key and refuses the file): keep one and import again`,
      );
    }
    keys.add(key);
  }
}

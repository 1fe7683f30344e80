import { parse } from 'ini';
import { HEADER, sectionNames } from './aws-config-edit.ts';
import { UsageError } from './errors.ts';
import { checkCredentials, checkProfileName, type NewCredentials } from './profile.ts';

/** Expiration keys that credential tools write into `~/.aws/credentials`. */
const EXPIRATION_KEYS = ['expiration', 'aws_expiration', 'aws_session_expiration', 'x_security_token_expires'];

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
  const sections = parse(normalized) as Record<string, unknown>;
  const expected = [...new Set(sectionNames(text).filter((n) => n !== '__proto__'))];
  const seen = Object.keys(sections).filter((k) => typeof sections[k] === 'object').map((k) => k.trim());
  if (expected.length !== seen.length || expected.some((n) => !seen.includes(n))) {
    throw new UsageError('the sections of this file cannot be read unambiguously (a header the AWS CLI and tray-cred read differently): simplify its [section] lines and import again');
  }
  const profiles = new Map<string, NewCredentials>();
  const skipped: ParsedCredentials['skipped'] = [];
  for (const [rawName, section] of Object.entries(sections)) {
    if (typeof section !== 'object' || section === null) {
      // The line itself is not quoted: it may be a secret, or a credential_process document.
      throw new UsageError('the file has a line outside any [profile] section: it is not an AWS credentials file');
    }
    const name = rawName.trim();
    const s = section as Record<string, unknown>;
    const text = (key: string): string | undefined => (typeof s[key] === 'string' ? (s[key] as string) : undefined);
    const accessKeyId = text('aws_access_key_id');
    const secretAccessKey = text('aws_secret_access_key');
    if (!accessKeyId && !secretAccessKey) {
      skipped.push({ profile: name, why: 'no aws_access_key_id or aws_secret_access_key' });
      continue;
    }
    if (!accessKeyId || !secretAccessKey) {
      throw new UsageError(`profile "${name}" has ${accessKeyId ? 'aws_access_key_id but no aws_secret_access_key' : 'aws_secret_access_key but no aws_access_key_id'}: fix the file and import again`);
    }
    checkProfileName(name);
    const expiration = EXPIRATION_KEYS.map(text).find((v) => v !== undefined);
    profiles.set(
      name,
      checkCredentials(name, { accessKeyId, secretAccessKey, sessionToken: text('aws_session_token') ?? text('aws_security_token'), expiration }),
    );
  }
  return { profiles, skipped };
}

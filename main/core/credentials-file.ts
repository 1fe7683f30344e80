import { parse } from 'ini';
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
 * Reads an `~/.aws/credentials`-format file with `ini`. Section names are taken literally:
 * `ini` would otherwise nest `[team.dev]` under `team`, so dots in headers are escaped first.
 * Error messages name the profile and the key, never a value.
 */
export function parseCredentialsFile(text: string): ParsedCredentials {
  const escaped = text.replace(/^(\s*)\[([^\]\r\n]*)\](\s*)$/gm, (_all, pre: string, name: string, post: string) => `${pre}[${name.replace(/\./g, '\\.')}]${post}`);
  const sections = parse(escaped) as Record<string, unknown>;
  const profiles = new Map<string, NewCredentials>();
  const skipped: ParsedCredentials['skipped'] = [];
  for (const [rawName, section] of Object.entries(sections)) {
    if (typeof section !== 'object' || section === null) {
      throw new UsageError(`the file has a key "${rawName}" outside any [profile] section: it is not an AWS credentials file`);
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

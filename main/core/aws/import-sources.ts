import { join } from 'node:path';
import { parseCredentialsFile, type ParsedCredentials } from './credentials-file.ts';
import { UsageError } from '../errors.ts';
import { decryptOpensslEnc, isOpensslEnc } from './openssl-enc.ts';
import { checkCredentials, checkProfileName } from '../profiles/profile.ts';

/** Where credentials can come from. */
export type SourceFormat = 'aws-credentials' | 'openssl-enc' | 'credential-file' | 'env';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['aws-credentials', 'openssl-enc', 'credential-file', 'env'];

/** The recipe's per-profile session files: `~/.aws/credential_<profile>`. */
const CREDENTIAL_FILE = /(?:^|[\\/])credential_([^\\/]+)$/;

/** The format of a file, from its bytes and name, when that is unambiguous. */
export function detectFormat(path: string, bytes: Buffer): SourceFormat {
  if (isOpensslEnc(bytes)) return 'openssl-enc';
  if (CREDENTIAL_FILE.test(path)) return 'credential-file';
  return 'aws-credentials';
}

export interface SourceOptions {
  /** openssl-enc: the passphrase (the key file's first line). */
  passphrase?: Buffer | undefined;
  /** openssl-enc: PBKDF2 iterations, openssl's -iter. */
  iterations?: number | undefined;
  /** credential-file and env: the profile name to store under. */
  profile?: string | undefined;
}

/** Reads credentials from one source. Secrets are decrypted in memory only, and never in a message. */
export function readSource(
  format: SourceFormat,
  path: string,
  bytes: Buffer,
  options: SourceOptions,
): ParsedCredentials {
  switch (format) {
    case 'aws-credentials':
      return parseCredentialsFile(bytes.toString('utf8'));
    case 'openssl-enc': {
      if (!options.passphrase)
        throw new UsageError(
          'an openssl-encrypted file needs --pass-file <key file> (or a passphrase typed at the prompt)',
        );
      const plain = decryptOpensslEnc(bytes, options.passphrase, options.iterations);
      try {
        return parseCredentialsFile(plain.toString('utf8'));
      } catch (error) {
        throw new UsageError(
          `the openssl file decrypted, but not to an AWS credentials file (${(error as Error).message}); a wrong key can do this too`,
        );
      } finally {
        plain.fill(0);
      }
    }
    case 'credential-file': {
      const parsed = parseCredentialsFile(bytes.toString('utf8'));
      const fromName = CREDENTIAL_FILE.exec(path)?.[1];
      const name = checkProfileName(options.profile ?? fromName ?? '');
      const section =
        parsed.profiles.get(name) ?? (parsed.profiles.size === 1 ? [...parsed.profiles.values()][0] : undefined);
      if (!section) throw new UsageError(`${path} has no [${name}] section with keys: name the profile with --as`);
      return { profiles: new Map([[name, section]]), skipped: [] };
    }
    case 'env':
      throw new UsageError('env is read with readEnvironment');
  }
}

/** The calling shell's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as one profile. */
export function readEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  profile: string | undefined,
): ParsedCredentials {
  if (!profile) throw new UsageError('importing from the environment needs a profile name: --as <profile>');
  checkProfileName(profile);
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new UsageError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set in this shell');
  const c = checkCredentials(profile, {
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN ?? env.AWS_SECURITY_TOKEN,
    expiration: env.AWS_CREDENTIAL_EXPIRATION,
  });
  return { profiles: new Map([[profile, c]]), skipped: [] };
}

/** The AWS CLI's own files, honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. */
export function awsFiles(
  env: Readonly<Record<string, string | undefined>>,
  homedir: string,
): { config: string; credentials: string; dir: string } {
  const dir = join(homedir, '.aws');
  return {
    dir,
    config: env.AWS_CONFIG_FILE || join(dir, 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(dir, 'credentials'),
  };
}

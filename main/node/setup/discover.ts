/**
 * What `tray-cred setup` finds to move in: the plaintext credentials file, the openssl recipe's
 * encrypted file and its key file, and the recipe's `credential_<profile>` files. Names only.
 */
import { join } from 'node:path';
import { configProfiles, profilesWithSecrets } from '../../core/aws/aws-config-edit.ts';
import { awsFiles } from '../../core/aws/import-sources.ts';
import { isOpensslEnc } from '../../core/aws/openssl-enc.ts';
import type { FileSystem } from '../../core/ports/ports.ts';

/** One file `tray-cred import` can read, with the arguments it needs. */
export interface FoundSource {
  file: string;
  /** What it is, for the step's line: "plaintext keys for dev, prod". */
  what: string;
  /** The arguments after `tray-cred import <file>`. */
  args: string[];
}

/** The openssl recipe's key file (`openssl enc -pass file:~/.secrets/aws-creds.key`). */
const RECIPE_KEY_FILE = (home: string): string => join(home, '.secrets', 'aws-creds.key');

export async function discoverSources(
  fs: FileSystem,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): Promise<FoundSource[]> {
  const aws = awsFiles(env, home);
  const found: FoundSource[] = [];
  const credentials = (await fs.readFile(aws.credentials))?.toString('utf8');
  const plain = credentials === undefined ? [] : profilesWithSecrets(credentials, 'credentials');
  if (plain.length) found.push({ file: aws.credentials, what: `plaintext keys for ${plain.join(', ')}`, args: [] });
  const keyFile = RECIPE_KEY_FILE(home);
  const hasKeyFile = (await fs.size(keyFile)) !== null;
  for (const name of await fs.list(aws.dir)) {
    const file = join(aws.dir, name);
    if (file === aws.credentials || file === aws.config) continue;
    const bytes = await fs.readFile(file).catch(() => null);
    if (!bytes) continue;
    if (isOpensslEnc(bytes)) {
      // Without the recipe's key file, import would ask for the passphrase: setup leaves that to the user.
      if (hasKeyFile)
        found.push({ file, what: `encrypted with openssl (key file ${keyFile})`, args: ['--pass-file', keyFile] });
      continue;
    }
    if (/^credential_/.test(name) && profilesWithSecrets(bytes.toString('utf8'), 'credentials').length) {
      found.push({ file, what: "the recipe's session credentials file", args: [] });
    }
  }
  return found;
}

/** The openssl recipe's script, when it is still in ~/.aws: which profiles of ~/.aws/config still run it. */
export async function recipeScript(
  fs: FileSystem,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): Promise<{ file: string; usedBy: string[] } | undefined> {
  const aws = awsFiles(env, home);
  const file = join(aws.dir, 'get_creds.sh');
  if ((await fs.size(file)) === null) return undefined;
  const config = (await fs.readFile(aws.config))?.toString('utf8') ?? '';
  const usedBy = [...configProfiles(config)].filter(([, cp]) => cp?.includes('get_creds.sh')).map(([p]) => p);
  return { file, usedBy };
}

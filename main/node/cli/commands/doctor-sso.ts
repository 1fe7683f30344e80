import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { awsFiles } from '../../../core/aws/import-sources.ts';
import { ssoProfileNames } from '../../../core/aws/sso-config.ts';
import type { CliContext } from '../context.ts';
import type { KeyFindings } from './doctor-keys.ts';

/** A token file the AWS CLI or an SDK left in ~/.aws/sso/cache, read only for its start URL. */
interface CachedToken {
  file: string;
  startUrl: string | undefined;
}

async function plaintextTokens(dir: string): Promise<CachedToken[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: CachedToken[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    try {
      const json = JSON.parse(await readFile(file, 'utf8')) as {
        accessToken?: unknown;
        refreshToken?: unknown;
        startUrl?: unknown;
      };
      if (typeof json.accessToken !== 'string' && typeof json.refreshToken !== 'string') continue;
      found.push({ file, startUrl: typeof json.startUrl === 'string' ? json.startUrl : undefined });
    } catch {
      // not a token file (or not ours to read): nothing to report
    }
  }
  return found;
}

/**
 * Plaintext IAM Identity Center tokens in ~/.aws/sso/cache and `sso_*` profiles not yet in the
 * vault. With `remove`, token files whose start URL a vault profile now signs in to are deleted.
 */
export async function checkSso(
  c: CliContext,
  home: string,
  f: KeyFindings,
  remove: boolean,
  vaultReadable: boolean,
): Promise<void> {
  const aws = awsFiles(c.env, home);
  const profiles = vaultReadable ? await c.withKey(async (key) => (await c.vault.read(key)).data.profiles) : {};
  const converted = new Set(
    Object.values(profiles).flatMap((p) => (p.source?.kind === 'sso' ? [p.source.startUrl] : [])),
  );
  const config = (await c.fs.readFile(aws.config))?.toString('utf8') ?? '';
  const pending = ssoProfileNames(config).filter((n) => profiles[n]?.source?.kind !== 'sso');
  if (pending.length)
    f.act(
      `${aws.config}: ${pending.join(', ')} sign in with IAM Identity Center outside tray-cred: convert each with \`tray-cred sso add <profile> --from-config\`, then \`tray-cred configure-aws\` and delete its sso_* lines`,
    );
  for (const t of await plaintextTokens(join(aws.dir, 'sso', 'cache'))) {
    const done = t.startUrl !== undefined && converted.has(t.startUrl);
    if (done && remove) {
      await rm(t.file, { force: true });
      f.ok(`${t.file}: removed a plaintext IAM Identity Center token (${t.startUrl} now signs in through the vault)`);
      continue;
    }
    f.act(
      done
        ? `${t.file}: a plaintext IAM Identity Center token for ${t.startUrl}, which the vault now covers: remove it with \`tray-cred doctor --remove-sso-cache\``
        : `${t.file}: a plaintext IAM Identity Center token${t.startUrl ? ` for ${t.startUrl}` : ''}: convert its profiles with \`tray-cred sso add <profile> --from-config\`, then \`tray-cred doctor --remove-sso-cache\``,
    );
  }
}

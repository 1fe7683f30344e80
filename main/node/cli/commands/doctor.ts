import type { Command } from 'commander';
import { checkKeys } from './doctor-keys.ts';
import { checkSso } from './doctor-sso.ts';
import { checkInstall } from './doctor-install.ts';
import { checkApprovers } from './doctor-approvers.ts';
import { lstat, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLogParallel } from '../../audit/audit-verify-parallel.ts';
import { awsCliV1Problem } from '../../../core/aws/aws-cli-version.ts';
import { configProfiles, helperIn, isHelperFor, profilesWithSecrets } from '../../../core/aws/aws-config-edit.ts';
import { awsFiles } from '../../../core/aws/import-sources.ts';
import { isOpensslEnc } from '../../../core/aws/openssl-enc.ts';
import { VaultRollbackError } from '../../../core/vault/vault-generation.ts';
import { probeAwsCli } from '../../aws/aws-cli.ts';
import { onPath } from '../../platform/on-path.ts';
import { setupHelperPath } from '../../setup/install-helper.ts';
import type { CliContext } from '../context.ts';

interface Finding {
  ok: boolean;
  text: string;
}

async function openToOthers(path: string): Promise<number | undefined> {
  try {
    const s = await lstat(path);
    return (s.mode & 0o077) !== 0 ? s.mode & 0o777 : undefined;
  } catch {
    return undefined;
  }
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(dir, d.name));
  } catch {
    return [];
  }
}

/** What the checks found so far, and the files whose modes they check at the end. */
interface Findings {
  /**
   * Files whose contents an attacker could use (keys, encrypted keys, the vault and its log):
   * only these must not be readable by others. A config without keys may stay 0644.
   */
  sensitive: Set<string>;
  ok(text: string): void;
  act(text: string): void;
}

type AwsFiles = ReturnType<typeof awsFiles>;

/** What in ~/.aws and the data directory is safe to back up, and what needs action. */
async function examine(c: CliContext, acceptRollback: boolean, removeSsoCache: boolean): Promise<Finding[]> {
  const home = homedir();
  const aws = awsFiles(c.env, home);
  const found: Finding[] = [];
  const f: Findings = {
    sensitive: new Set<string>([...(await filesIn(c.dataDir)), ...(await filesIn(c.auditDir))]),
    ok: (text) => void found.push({ ok: true, text }),
    act: (text) => void found.push({ ok: false, text }),
  };
  const config = await checkAwsFiles(c, aws, f);
  await checkOtherAwsFiles(c, aws, f);
  const keyFile = join(home, '.secrets', 'aws-creds.key');
  if ((await c.fs.size(keyFile)) !== null) {
    f.sensitive.add(keyFile);
    f.act(
      `${keyFile}: a key file that decrypts openssl-encrypted credentials; never back it up, and delete it once nothing needs it`,
    );
  }
  for (const file of f.sensitive) {
    const mode = await openToOthers(file);
    if (mode !== undefined)
      f.act(`${file}: readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${file}\``);
  }
  const helperOnPath = await onPath(
    process.platform === 'win32' ? 'tray-cred-helper.cmd' : 'tray-cred-helper',
    c.env,
    process.platform,
  );
  const usingHelper = [...config].filter(([, cp]) => helperIn(cp)?.byName).map(([p]) => p);
  if (usingHelper.length && !helperOnPath)
    f.act(
      `${aws.config}: ${usingHelper.join(', ')} run tray-cred-helper by name, which is not on PATH here: run \`tray-cred setup\` (it writes the full path of ${setupHelperPath(home)}, which works whatever the PATH)`,
    );
  await checkInstall(c.env, home, f);
  const readable = await checkVault(c, aws, config, f, acceptRollback);
  // An unreadable vault (rolled back, none yet) is already a finding: the SSO check then goes by the files alone.
  await checkSso(c, home, f, removeSsoCache, readable);
  await checkApprovers(c, f);
  const cli = await probeAwsCli(c.env);
  const v1 = awsCliV1Problem(cli.first, cli.v2Elsewhere);
  if (v1) f.act(v1);
  // Removing plaintext comes last, after ~/.aws/config has each profile's line: doing it first breaks those profiles.
  const retires = (x: Finding): boolean => !x.ok && /--remove-source/.test(x.text);
  return [...found.filter((x) => !retires(x)), ...found.filter(retires)];
}

/** ~/.aws/config and ~/.aws/credentials: plaintext keys in either. Returns the config's credential_process lines. */
async function checkAwsFiles(c: CliContext, aws: AwsFiles, f: Findings): Promise<Map<string, string | undefined>> {
  const configText = (await c.fs.readFile(aws.config))?.toString('utf8');
  const config = configText === undefined ? new Map<string, string | undefined>() : configProfiles(configText);
  if (configText !== undefined) {
    const secrets = profilesWithSecrets(configText, 'config');
    if (secrets.length) {
      f.sensitive.add(aws.config);
      f.act(
        `${aws.config}: plaintext keys for ${secrets.join(', ')}: move them into the vault (\`tray-cred add <profile>\`) and delete those lines`,
      );
    } else f.ok(`${aws.config}: no keys in it`);
  }
  const credText = (await c.fs.readFile(aws.credentials))?.toString('utf8');
  const secrets = credText === undefined ? [] : profilesWithSecrets(credText, 'credentials');
  if (secrets.length) {
    f.sensitive.add(aws.credentials);
    f.act(
      `${aws.credentials}: plaintext keys for ${secrets.join(', ')}: run \`tray-cred import ${aws.credentials} --remove-source\``,
    );
  }
  return config;
}

/** Every other file in ~/.aws: the openssl recipe's file, credential_<profile> files, backups and copies with keys. */
async function checkOtherAwsFiles(c: CliContext, aws: AwsFiles, f: Findings): Promise<void> {
  for (const file of await filesIn(aws.dir)) {
    if (file === aws.config || file === aws.credentials) continue;
    const bytes = await c.fs.readFile(file);
    if (!bytes) continue;
    if (isOpensslEnc(bytes)) {
      f.sensitive.add(file);
      f.act(
        `${file}: encrypted with openssl, and its key file opens it: run \`tray-cred import ${file} --pass-file <key file> --remove-source\`, then delete the key file`,
      );
      continue;
    }
    const text = bytes.toString('utf8');
    const secrets = [...new Set([...profilesWithSecrets(text, 'credentials'), ...profilesWithSecrets(text, 'config')])];
    if (secrets.length === 0) continue;
    f.sensitive.add(file);
    f.act(
      /^credential_/.test(file.slice(aws.dir.length + 1))
        ? `${file}: plaintext keys for ${secrets.join(', ')}: run \`tray-cred import ${file} --remove-source\``
        : `${file}: plaintext keys for ${secrets.join(', ')}: import what you still need, then delete the file`,
    );
  }
}

/** The vault, the profiles the AWS config does not point at it, and the audit chain. `false` when the vault cannot be read (said as a finding). */
async function checkVault(
  c: CliContext,
  aws: AwsFiles,
  config: Map<string, string | undefined>,
  f: Findings,
  acceptRollback: boolean,
): Promise<boolean> {
  if (!(await c.vault.exists())) {
    f.act(`no vault at ${c.vault.path}: run \`tray-cred init\``);
    return false;
  }
  if (!(await checkRollback(c, f, acceptRollback))) return false;
  f.ok(`${c.vault.path}: encrypted; names no key, secret or profile`);
  const names = await c.withKey(async (key) => Object.keys((await c.vault.read(key)).data.profiles).sort());
  const missing = names.filter((n) => !helperIn(config.get(n)));
  if (missing.length)
    f.act(
      `vault profiles without \`credential_process = tray-cred-helper\` in ${aws.config}: ${missing.join(', ')}: run \`tray-cred configure-aws\``,
    );
  // A line left by `remove` (or a typo) fails every call of its profile with "no profile in the vault".
  const orphans = [...config].filter(([p, cp]) => isHelperFor(cp, p) && !names.includes(p)).map(([p]) => p);
  if (orphans.length)
    f.act(
      `${aws.config}: ${orphans.join(', ')} run tray-cred-helper, but the vault has no such profile: run \`tray-cred configure-aws --unset ${orphans.join(',')}\` (or import them again)`,
    );
  await checkKeys(c, f);
  // As `audit verify` does: every MAC checked on every core, and the key zeroed after.
  const auditKey = await c.vault.loadAuditKey();
  const report = await verifyAuditLogParallel(c.fs, c.auditDir, auditKey, {
    requireEntries: true,
    anchor: await (await c.audit()).readAnchor(),
  }).finally(() => auditKey.fill(0));
  if (report.ok) f.ok(`${c.auditDir}: audit chain verified (${report.entries} entries)`);
  else
    f.act(
      `${c.auditDir}: audit chain NOT verified at ${report.problem!.file} line ${report.problem!.line}: ${report.problem!.reason}`,
    );
  return true;
}

/** The vault against the keychain's generation anchor; `accept` re-anchors an older vault and records that. */
async function checkRollback(c: CliContext, f: Findings, accept: boolean): Promise<boolean> {
  try {
    await c.withKey((key) => c.vault.read(key));
    return true;
  } catch (error) {
    if (!(error instanceof VaultRollbackError)) throw error;
    if (!accept) {
      f.act(error.message);
      return false;
    }
  }
  const { from, to } = await c.withKey((key) => c.vault.acceptRollback(key));
  await (await c.audit()).append({
    event: 'rollback',
    reason: `vault.json was rolled back from generation ${from ?? '(none)'} to ${to}; accepted with \`tray-cred doctor --accept-rollback\``,
  });
  f.ok(
    `${c.vault.path}: the rollback to generation ${to} was accepted (the keychain had seen ${from ?? 'none'}) and recorded in the audit log`,
  );
  return true;
}

export function registerDoctor(program: Command, ctx: () => CliContext): void {
  program
    .command('doctor')
    .description(
      'say what in ~/.aws and the data directory is safe to back up and what needs action; exit 1 when anything does',
    )
    .option('--json', 'print JSON')
    .option(
      '--accept-rollback',
      'accept an older vault.json than the keychain has seen (put back on purpose), and record it in the audit log',
    )
    .option(
      '--remove-sso-cache',
      'delete plaintext IAM Identity Center tokens in ~/.aws/sso/cache whose start URL a vault profile now signs in to',
    )
    .action(async (options: { json?: boolean; acceptRollback?: boolean; removeSsoCache?: boolean }) => {
      const c = ctx();
      const findings = await examine(c, options.acceptRollback === true, options.removeSsoCache === true);
      const todo = findings.filter((f) => !f.ok);
      if (options.json) c.out(`${JSON.stringify(findings)}\n`);
      else {
        const safe = findings.filter((f) => f.ok);
        c.out(`Safe to back up:\n${safe.map((f) => `  ok    ${f.text}\n`).join('') || '  (nothing yet)\n'}`);
        c.out(todo.length ? `Needs action:\n${todo.map((f) => `  todo  ${f.text}\n`).join('')}` : 'Nothing to do.\n');
      }
      // Exit 1, like `diff` and linters: something needs doing; errors proper exit with their own status.
      if (todo.length) process.exitCode = 1;
    });
}

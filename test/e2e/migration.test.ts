/**
 * The migration a user of the openssl recipe (credential_process + get_creds.sh, see
 * fixtures/recipe/) makes, end to end: the recipe's files are made with the real openssl and
 * its commands, the AWS CLI is asked for keys through the recipe's script, then
 * `tray-cred init`, one `import --remove-source`, one `configure-aws` and an agent must give
 * the AWS CLI the very same bytes, with no plaintext left behind and `doctor` content.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  RECIPE,
  filesWithSecrets,
  followRecipe,
  makeHomeSandbox,
  runOk,
  type HomeSandbox,
  type RecipeFiles,
} from './migration-support.ts';
import { HELPER, auditEntries, findSecrets, startAgent, type Agent, type RunResult } from './support.ts';
import { awsCli } from './aws-cli-driver.ts';

const SECRET_KEYS = [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey];
const KEY_IDS = [DEV_KEYS.accessKeyId, PROD_KEYS.accessKeyId];
const SECRETS = [...SECRET_KEYS, ...KEY_IDS];

function exportCredentials(s: HomeSandbox, profile: string): Promise<RunResult> {
  return awsCli(['configure', 'export-credentials', '--profile', profile], { env: s.env });
}

describe('the openssl recipe, migrated as a new user would', () => {
  let s: HomeSandbox;
  let recipe: RecipeFiles;
  let backup: string;
  let agent: Agent | undefined;
  const before: Record<string, string> = {};
  const outputs: RunResult[] = [];
  const keep = (r: RunResult): RunResult => (outputs.push(r), r);

  after(async () => {
    await agent?.stop();
    await s?.cleanup();
  });

  test('the recipe works, and doctor names its .enc file and key file', { timeout: 180_000 }, async () => {
    s = await makeHomeSandbox();
    recipe = await followRecipe(s);
    for (const [profile, keys] of [
      ['dev', DEV_KEYS],
      ['prod', PROD_KEYS],
    ] as const) {
      const r = await exportCredentials(s, profile);
      assert.equal(r.status, 0, `the recipe itself fails for ${profile}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.deepEqual(JSON.parse(r.stdout), {
        Version: 1,
        AccessKeyId: keys.accessKeyId,
        SecretAccessKey: keys.secretAccessKey,
      });
      before[profile] = r.stdout;
    }
    const doctor = keep(await s.trayCred(['doctor']));
    assert.equal(doctor.status, 1, `doctor before the migration: ${doctor.stdout}${doctor.stderr}`);
    assert.ok(
      doctor.stdout.includes(
        `  todo  ${recipe.enc}: encrypted with openssl, and its key file opens it: run \`tray-cred import ${recipe.enc} --pass-file <key file> --remove-source\`, then delete the key file\n`,
      ),
      doctor.stdout,
    );
    assert.ok(
      doctor.stdout.includes(`  todo  ${recipe.keyFile}: a key file that decrypts openssl-encrypted credentials;`),
      doctor.stdout,
    );
  });

  test('init, one import --remove-source, one configure-aws: the .enc file goes, only credential_process lines change', {
    timeout: 180_000,
  }, async () => {
    const init = keep(await s.trayCred(['init']));
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`^Created an empty vault at ${join(s.home, 'vault.json')}\n`));

    const imported = keep(await s.trayCred(['import', recipe.enc, '--pass-file', recipe.keyFile, '--remove-source']));
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(imported.stderr, '');
    assert.equal(
      imported.stdout,
      `added     dev\nadded     prod\nImported 2 profile(s) from ${recipe.enc}.\n` +
        `"prod" asks before each use. To hand the CLI only short-lived STS sessions instead of its long-term key: tray-cred sts prod --session-mode on\n` +
        `Removed ${recipe.enc}: every profile in it is in the vault. Its key file is no longer needed: delete ${recipe.keyFile} (rm '${recipe.keyFile}') too.\n`,
    );

    const configured = keep(await s.trayCred(['configure-aws']));
    assert.equal(configured.status, 0, configured.stderr);
    assert.equal(configured.stderr, '');
    const backups = (await readdir(s.awsDir)).filter((n) => n.startsWith('config.tray-cred-backup-'));
    assert.equal(backups.length, 1, `one backup of the config: ${backups.join(', ')}`);
    assert.match(backups[0]!, /^config\.tray-cred-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    backup = join(s.awsDir, backups[0]!);
    assert.equal(
      configured.stdout,
      `Backed up ${recipe.config} to ${backup}\nSet credential_process = ${HELPER} <profile> for dev, prod in ${recipe.config}.\n`,
    );
    assert.equal(
      await readFile(backup, 'utf8'),
      await readFile(join(RECIPE, 'config'), 'utf8'),
      'the backup is the old config, byte for byte',
    );
    assert.equal(
      await readFile(recipe.config, 'utf8'),
      `[profile dev]\nregion = us-west-2\ncli_pager =\ncredential_process = ${HELPER} dev\n\n` +
        `[profile prod]\nregion = us-east-1\ncli_pager =\ncredential_process = ${HELPER} prod\n`,
      'only the two credential_process lines changed',
    );
    assert.deepEqual(
      (await readdir(s.awsDir)).sort(),
      ['config', backups[0]!, 'get_creds.sh'].sort(),
      'the .enc file is gone, nothing else appeared',
    );
  });

  test('dev: `aws configure export-credentials` prints the same bytes as with the recipe', {
    timeout: 180_000,
  }, async () => {
    // prod is `ask` by default: the agent's approver allows.
    agent = await startAgent(s, ['--approver', '/bin/true']);
    const r = await exportCredentials(s, 'dev');
    assert.equal(r.status, 0, `after the migration dev fails: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, before.dev);
  });

  test('prod (ask, approved): `aws configure export-credentials` prints the same bytes as with the recipe', {
    timeout: 180_000,
  }, async () => {
    // An import keeps serving what the source served: imported profiles are not put in STS
    // session mode unless `import --session-mode` asks for it (the import says how), so prod's
    // output is the recipe's, byte for byte.
    const r = await exportCredentials(s, 'prod');
    assert.equal(r.status, 0, `after the migration prod fails: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, before.prod);
  });

  test('no plaintext key is left under HOME, and no command printed one', { timeout: 180_000 }, async () => {
    const stopped = await agent!.stop();
    assert.deepEqual(stopped, { code: 0, signal: null }, agent!.stderr());
    assert.deepEqual(findSecrets(agent!.stderr(), SECRETS), []);
    // Stricter than "except the vault, the audit log and the config backup": secret keys are
    // searched for everywhere. Access key ids are not secret, and the audit log records the one
    // it served (credentialId, to match CloudTrail), so they are searched for everywhere else.
    assert.deepEqual(
      await filesWithSecrets(s.userHome, SECRET_KEYS),
      [],
      'no secret key under HOME in plain, hex or base64',
    );
    const auditDir = join(s.home, 'audit');
    const elsewhere = (await filesWithSecrets(s.userHome, KEY_IDS)).filter((f) => !f.startsWith(`${auditDir}/`));
    assert.deepEqual(elsewhere, [], 'no access key id under HOME outside the audit log');
    for (const r of outputs)
      assert.deepEqual(findSecrets(r.stdout + r.stderr, SECRETS), [], 'no tray-cred command printed a key');
    const entries = await auditEntries(s);
    assert.deepEqual(
      entries.slice(0, 5).map((e) => [e.event, e.profile, e.decision]),
      [
        ['init', undefined, undefined],
        ['import', undefined, undefined],
        ['agent-start', undefined, undefined],
        ['unlock', undefined, undefined],
        ['access', 'dev', 'allowed'],
      ],
    );
  });

  test('after the key file and the config backup are deleted, doctor has nothing to do', {
    timeout: 180_000,
  }, async () => {
    await rm(recipe.keyFile);
    await rm(backup);
    const entries = await auditEntries(s);
    const doctor = keep(await s.trayCred(['doctor', '--json']));
    const findings = JSON.parse(doctor.stdout) as { ok: boolean; text: string }[];
    assert.deepEqual(
      findings.filter((f) => f.ok).map((f) => f.text),
      [
        `${recipe.config}: no keys in it`,
        `${join(s.home, 'vault.json')}: encrypted; names no key, secret or profile`,
        `${join(s.home, 'audit')}: audit chain verified (${entries.length} entries)`,
      ],
    );
    // PRODUCT BUG (main/node/cli/commands/doctor.ts, examine(), the `everyFile` loop): every file in
    // ~/.aws that others may read counts as "needs action", whatever it holds. The recipe's
    // get_creds.sh, made executable with `chmod +x` (0755 under the usual umask 022), holds no
    // secret and is no longer used after the migration, yet doctor reports "readable by other
    // users (mode 755): run `chmod 600 .../get_creds.sh`" and exits 1, so a migrated user never
    // sees "Nothing to do". The two assertions below fail until doctor limits the mode check to
    // files that hold secrets (credentials, credential_*, *.enc, key files, the data dir).
    assert.deepEqual(
      findings.filter((f) => !f.ok).map((f) => f.text),
      [],
      'nothing needs action after the migration',
    );
    assert.equal(doctor.status, 0, doctor.stdout);
  });
});

test('a wrong key file fails cleanly: non-zero exit, says the key is wrong, vault and .enc untouched', {
  timeout: 180_000,
}, async (t) => {
  const s = await makeHomeSandbox();
  t.after(() => s.cleanup());
  const recipe = await followRecipe(s);
  const encBytes = await readFile(recipe.enc);
  const init = await s.trayCred(['init']);
  assert.equal(init.status, 0, init.stderr);

  // Another key, made the same way: a mix-up of two machines' key files.
  const wrongKey = join(s.userHome, '.secrets', 'other.key');
  await writeFile(wrongKey, (await runOk('openssl', ['rand', '-base64', '32'], s.env)).stdout);
  const r = await s.trayCred(['import', recipe.enc, '--pass-file', wrongKey, '--remove-source']);
  assert.equal(r.status, EXIT_STATUS.USAGE, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing was reported as imported');
  // AES-CBC with a wrong key almost always fails its padding check; in the rare case it does
  // not, the garbage is not a credentials file and the message says a wrong key can do that.
  assert.match(
    r.stderr,
    /^tray-cred: (could not decrypt the openssl file: the key file or passphrase is wrong|the openssl file decrypted, but not to an AWS credentials file .*a wrong key can do this too)/,
  );
  assert.match(r.stderr, /Nothing was imported\n$|a wrong key can do this too\n$/);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');

  const list = await s.trayCred(['list', '--json']);
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout, '[]\n', 'the vault is still empty');
  assert.ok((await readFile(recipe.enc)).equals(encBytes), 'the .enc file is still there, unchanged');
  assert.deepEqual(
    (await auditEntries(s)).map((e) => e.event),
    ['init'],
    'a failed import writes no audit entry',
  );

  // The right key still works afterwards (the failure changed nothing that matters).
  const ok = await s.trayCred(['import', recipe.enc, '--pass-file', recipe.keyFile]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(
    ok.stdout,
    `added     dev\nadded     prod\nImported 2 profile(s) from ${recipe.enc}.\n"prod" asks before each use. To hand the CLI only short-lived STS sessions instead of its long-term key: tray-cred sts prod --session-mode on\n`,
  );
});

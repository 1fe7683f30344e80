/**
 * Retiring plaintext without losing a key, and trusting only a private socket directory: the
 * cases an independent review found broken, each as a user would meet it.
 */
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { HELPER, findSecrets, run, testSandbox } from './support.ts';

const keys = (name: string, k: { accessKeyId: string; secretAccessKey: string }, header = `[${name}]`): string =>
  `${header}\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`;

describe('--remove-source never removes what it did not store', () => {
  it('a header with a trailing comment keeps its keys, and only imported sections go', async (t) => {
    const { sandbox } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const file = join(sandbox.root, 'credentials');
    await writeFile(file, `${keys('default', DEV_KEYS)}${keys('prod', PROD_KEYS, '[prod] # main account')}`);
    const r = await sandbox.trayCred(['import', file, '--profiles', 'default', '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    const listed = JSON.parse((await sandbox.trayCred(['list', '--json'])).stdout) as {
      name: string;
      accessKeyIdSuffix: string;
    }[];
    assert.deepEqual(
      listed.map((p) => [p.name, p.accessKeyIdSuffix]),
      [['default', DEV_KEYS.accessKeyId.slice(-4)]],
    );
    assert.equal(await readFile(file, 'utf8'), keys('prod', PROD_KEYS, '[prod] # main account'));
  });

  it('a credential_<profile> file with another section loses only the imported one', async (t) => {
    const { sandbox } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const file = join(sandbox.root, 'credential_dev');
    await writeFile(file, `${keys('dev', DEV_KEYS)}${keys('dev-admin', PROD_KEYS)}`);
    const r = await sandbox.trayCred(['import', file, '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Removed dev from .*credential_dev; the rest of the file is unchanged/);
    assert.equal(await readFile(file, 'utf8'), keys('dev-admin', PROD_KEYS));
  });

  it('a credentials file symlinked from a dotfiles repo is edited where it lives', async (t) => {
    const { sandbox } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const repo = join(sandbox.root, 'dotfiles');
    await mkdir(repo);
    const real = join(repo, 'credentials');
    const link = join(sandbox.root, 'credentials');
    await writeFile(real, `${keys('dev', DEV_KEYS)}${keys('other', PROD_KEYS)}`);
    await symlink(real, link);
    const r = await sandbox.trayCred(['import', link, '--profiles', 'dev', '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readlink(link), real, 'the link is still a link');
    assert.equal(await readFile(real, 'utf8'), keys('other', PROD_KEYS));
    const all = await sandbox.trayCred(['import', link, '--remove-source']);
    assert.equal(all.status, 0, all.stderr);
    await assert.rejects(lstat(real), 'the file with the last keys is gone from the repo');
  });
});

describe('secrets in files tray-cred only shows', () => {
  it('configure-aws --dry-run hides keys left in the config', async (t) => {
    const { sandbox } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const creds = join(sandbox.root, 'c');
    await writeFile(creds, keys('dev', DEV_KEYS));
    assert.equal((await sandbox.trayCred(['import', creds])).status, 0);
    await writeFile(
      sandbox.awsConfig,
      `[profile dev]\nregion = us-east-1\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n`,
    );
    const r = await sandbox.trayCred(['configure-aws', '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`+credential_process = ${HELPER} dev\n`), r.stdout);
    assert.match(r.stdout, / aws_secret_access_key = \(hidden\)/);
    assert.deepEqual(findSecrets(r.stdout + r.stderr, [DEV_KEYS.secretAccessKey]), []);
    const doctor = await sandbox.trayCred(['doctor']);
    assert.equal(doctor.status, 1);
    assert.match(doctor.stdout, /plaintext keys for dev/);
  });
});

describe('the helper trusts only a private socket directory', () => {
  it('refuses a directory others can open, before sending anything', async (t) => {
    const { sandbox, startAgent } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    await startAgent();
    await chmod(dirname(sandbox.socket), 0o755);
    const r = await run(HELPER, ['dev'], { env: sandbox.env });
    assert.equal(r.status, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /is not a private directory of yours \(owner uid \d+, mode 755\)/);
    await chmod(dirname(sandbox.socket), 0o700);
    const ok = await run(HELPER, ['dev'], { env: sandbox.env });
    assert.match(ok.stderr, /no profile "dev"/, 'with the directory private again, the agent answers');
  });
});

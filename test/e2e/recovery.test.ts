/**
 * Recovery on a new machine: a kit exported against this session's keychain is imported into a
 * second, private gnome-keyring (its own D-Bus session, its own HOME) that has only the
 * backed-up vault.json. Until the kit is imported nothing opens; a wrong passphrase stores
 * nothing; the right one makes the same vault list, verify its audit chain (once the audit dir is
 * restored too) and serve the same keys to the AWS CLI.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { startPrivateKeychain, type PrivateKeychain } from './migration-support.ts';
import {
  TRAY_CRED,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type RunResult,
  type Sandbox,
} from './support.ts';
import { awsCli } from './aws-cli-driver.ts';

const PASSPHRASE = 'correct horse battery staple zebra';
const WRONG = 'correct horse battery staple zebras';

let first: Sandbox;
/** The new machine: its own data dir, socket and AWS files, and its own keychain. */
let second: Sandbox;
let keychain: PrivateKeychain;
let agent: Agent | undefined;
let kit: string;
let listed: string;
const printed: RunResult[] = [];

function onSecond(args: readonly string[], input?: string): Promise<RunResult> {
  return run(TRAY_CRED, args, { env: second.env, ...(input === undefined ? {} : { input }) }).then(
    (r) => (printed.push(r), r),
  );
}

describe('a recovery kit opens the backed-up vault on a machine with a fresh keychain', () => {
  before(async () => {
    first = await makeSandbox();
    second = await makeSandbox();
    keychain = await startPrivateKeychain(second.env);
    Object.assign(second.env, keychain.env, { HOME: join(second.root, 'home') });
    await mkdir(second.env.HOME!, { mode: 0o700 });
    kit = join(first.root, 'kit.json');

    const init = await first.trayCred(['init']);
    assert.equal(init.status, 0, init.stderr);
    const file = join(first.root, 'credentials');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
    const imported = await first.trayCred(['import', file]);
    assert.equal(imported.status, 0, imported.stderr);
    // Served as stored: the keys themselves must survive the move (STS session mode is sts.test.ts's).
    const sts = await first.trayCred(['sts', 'prod', '--session-mode', 'off']);
    assert.equal(sts.status, 0, sts.stderr);
    const list = await first.trayCred(['list', '--json']);
    assert.equal(list.status, 0, list.stderr);
    listed = list.stdout;
  });

  after(async () => {
    await agent?.stop();
    await keychain?.stop();
    await first?.cleanup();
    await second?.cleanup();
  });

  test('export refuses a weak passphrase and writes no kit', async () => {
    for (const weak of ['password1234', 'short']) {
      const r = await first.trayCred(['recovery', 'export', kit], `${weak}\n`);
      assert.equal(r.status, EXIT_STATUS.USAGE, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^tray-cred: the passphrase is (too easy to guess|shorter than 12 characters).*: use four or more unrelated words\n$/,
      );
      assert.deepEqual(
        (await readdir(first.root)).filter((n) => n.startsWith('kit')),
        [],
        `no kit after "${weak}"`,
      );
    }
  });

  test('export with a strong passphrase writes the kit, and never over an existing file', {
    timeout: 180_000,
  }, async () => {
    const r = await first.trayCred(['recovery', 'export', kit], `${PASSPHRASE}\n`);
    assert.equal(r.status, 0, r.stderr);
    const vaultId = /vault ([0-9a-f]{32}) on another machine/.exec(r.stdout)?.[1];
    assert.ok(vaultId, r.stdout);
    assert.equal(
      r.stdout,
      `Wrote the recovery kit to ${kit}. With it and its passphrase, \`tray-cred recovery import\` opens vault ${vaultId} on another machine. Make a new kit after \`tray-cred rekey\`.\n`,
    );
    const again = await first.trayCred(['recovery', 'export', kit], `${PASSPHRASE}\n`);
    assert.equal(again.status, EXIT_STATUS.USAGE);
    assert.equal(again.stderr, `tray-cred: ${kit} exists: choose another file name; a kit is never overwritten\n`);
  });

  test('the new machine, with only vault.json restored: list fails and points at `recovery import`', async () => {
    await mkdir(second.home, { mode: 0o700 });
    await cp(join(first.home, 'vault.json'), join(second.home, 'vault.json'));
    const r = await onSecond(['list', '--json']);
    assert.equal(r.status, EXIT_STATUS.KEYCHAIN, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^tray-cred: the OS keychain holds no master key for the vault at [^\n]+ \(entry "master-key:[0-9a-f]{32}"\): on a new machine run `tray-cred recovery import <kit>`/,
    );
  });

  test('a wrong passphrase fails cleanly and stores nothing', { timeout: 180_000 }, async () => {
    const was = await onSecond(['list', '--json']);
    const r = await onSecond(['recovery', 'import', kit], `${WRONG}\n`);
    assert.equal(r.status, EXIT_STATUS.USAGE, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'tray-cred: the passphrase is wrong, or the kit was changed: nothing was stored in the keychain\n',
    );
    const now = await onSecond(['list', '--json']);
    assert.deepEqual(
      [now.status, now.stdout, now.stderr],
      [was.status, was.stdout, was.stderr],
      'the keychain still holds nothing for the vault',
    );
  });

  test('the right passphrase: list shows the same profiles as on the first machine', { timeout: 180_000 }, async () => {
    const r = await onSecond(['recovery', 'import', kit], `${PASSPHRASE}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Stored the keys of vault [0-9a-f]{32} in the OS keychain\. The vault opens: try `tray-cred list`\.\n$/,
    );
    const list = await onSecond(['list', '--json']);
    assert.equal(list.status, 0, list.stderr);
    assert.equal(list.stdout, listed);
  });

  test('with the audit dir restored too, `audit verify` passes on the new machine', async () => {
    const noAudit = await onSecond(['audit', 'verify']);
    const firstVerify = await first.trayCred(['audit', 'verify']);
    assert.equal(firstVerify.status, 0, firstVerify.stderr);
    await cp(join(first.home, 'audit'), join(second.home, 'audit'), { recursive: true });
    const r = await onSecond(['audit', 'verify']);
    assert.equal(
      r.status,
      0,
      `${r.stdout}${r.stderr} (before the audit dir was restored: ${noAudit.stdout}${noAudit.stderr})`,
    );
    assert.equal(r.stdout, firstVerify.stdout, 'the same chain, verified with the audit key from the kit');
    assert.match(r.stdout, /^audit log verified: \d+ entries in 1 file\(s\), chain intact\n$/);
  });

  test("the new machine's agent serves the same keys to the AWS CLI", { timeout: 180_000 }, async () => {
    await writeAwsConfig(second, ['dev', 'prod']);
    agent = await startAgent(second, ['--approver', '/bin/true']);
    for (const [profile, keys] of [
      ['dev', DEV_KEYS],
      ['prod', PROD_KEYS],
    ] as const) {
      const r = await awsCli(['configure', 'export-credentials', '--profile', profile], { env: second.env });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), {
        Version: 1,
        AccessKeyId: keys.accessKeyId,
        SecretAccessKey: keys.secretAccessKey,
      });
    }
    const verify = await onSecond(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
  });

  test('the kit and every output on the new machine hold no key in the clear', async () => {
    const secrets = [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey];
    assert.deepEqual(findSecrets(await readFile(kit, 'utf8'), secrets), []);
    for (const r of printed) assert.deepEqual(findSecrets(r.stdout + r.stderr, secrets), []);
  });
});

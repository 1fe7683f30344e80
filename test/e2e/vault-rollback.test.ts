/**
 * Vault rollback: an older genuine vault.json copied back over a newer one (here one in which
 * `dev` was still allowed, after it was set to deny) is refused by the agent and the CLI, named
 * by `doctor`, and opens again only with `doctor --accept-rollback`, which the audit log records.
 * A new machine's keychain, after `recovery import`, anchors the vault it restores.
 */
import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { startPrivateKeychain } from './migration-support.ts';
import {
  HELPER,
  auditEntries,
  auditVerify,
  credentialsFile,
  run,
  testSandbox,
  writeAwsConfig,
  type RunResult,
  type Sandbox,
} from './support.ts';

const PASSPHRASE = 'correct horse battery staple zebra';
const ROLLBACK =
  /is generation (\d+), but this keychain has seen generation (\d+): an older copy of vault\.json was put back \(a rollback can turn a deny back into an allow\)\. Restore the newest vault\.json from your backup; if you put the old one back on purpose, run `tray-cred doctor --accept-rollback`/;

async function ok(sandbox: Sandbox, args: readonly string[], input?: string): Promise<RunResult> {
  const r = await sandbox.trayCred(args, input);
  assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A vault with dev allowed, a copy of that vault.json, and then dev denied. Returns the copy's path. */
async function vaultWithOldCopy(sandbox: Sandbox): Promise<string> {
  await ok(sandbox, ['init']);
  const file = join(sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  await ok(sandbox, ['import', file]);
  await writeAwsConfig(sandbox, ['dev', 'prod']);
  const old = join(sandbox.root, 'vault-old.json');
  await copyFile(join(sandbox.home, 'vault.json'), old);
  await ok(sandbox, ['policy', 'dev', 'deny']);
  return old;
}

test('an older vault.json put back is refused by the agent and the CLI, across agent restarts, until accepted', {
  timeout: 180_000,
}, async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  const old = await vaultWithOldCopy(sandbox);
  const helper = (): Promise<RunResult> => run(HELPER, ['dev'], { env: sandbox.env });
  let agent = await startAgent();
  assert.equal((await helper()).status, EXIT_STATUS.DENIED, 'dev is deny');

  await copyFile(old, join(sandbox.home, 'vault.json'));
  let r = await helper();
  assert.equal(r.status, EXIT_STATUS.TAMPERED, r.stderr);
  assert.equal(r.stdout, '', 'no keys for a rolled-back allow');
  assert.match(r.stderr, ROLLBACK);
  const [, generation, anchored] = ROLLBACK.exec(r.stderr)!;
  assert.ok(Number(generation) < Number(anchored), r.stderr);

  await agent.stop();
  agent = await startAgent();
  assert.match(
    agent.stderr(),
    new RegExp(`tray-cred agent: staying locked: the vault at ${join(sandbox.home, 'vault.json')} ${ROLLBACK.source}`),
    'a restarted agent stays locked and says why',
  );
  r = await sandbox.trayCred(['unlock']);
  assert.equal(r.status, EXIT_STATUS.TAMPERED, `unlock after an agent restart: ${r.stderr}`);
  assert.match(r.stderr, ROLLBACK);
  assert.equal((await helper()).status, EXIT_STATUS.LOCKED, 'still locked: no keys');

  const list = await sandbox.trayCred(['list']);
  assert.equal(list.status, EXIT_STATUS.TAMPERED, list.stderr);
  assert.match(list.stderr, ROLLBACK);

  const doctor = await sandbox.trayCred(['doctor']);
  assert.equal(doctor.status, 1, doctor.stderr);
  assert.match(doctor.stdout, new RegExp(`todo  the vault at ${join(sandbox.home, 'vault.json')} ${ROLLBACK.source}`));

  const accept = await sandbox.trayCred(['doctor', '--accept-rollback']);
  assert.doesNotMatch(accept.stdout, ROLLBACK);
  assert.match(
    accept.stdout,
    new RegExp(
      `ok    ${join(sandbox.home, 'vault.json')}: the rollback to generation ${generation} was accepted \\(the keychain had seen ${anchored}\\) and recorded in the audit log`,
    ),
  );
  const rollback = (await auditEntries(sandbox)).filter((e) => e.event === 'rollback');
  const refusal = `vault.json at generation ${generation} was refused: this keychain has seen generation ${anchored} (an older copy was put back)`;
  // Each process that refused it recorded it once: the first agent, the restarted one, `list`, `doctor`.
  assert.deepEqual(
    rollback.map((e) => e.reason),
    [
      ...Array<string>(rollback.length - 1).fill(refusal),
      `vault.json was rolled back from generation ${anchored} to ${generation}; accepted with \`tray-cred doctor --accept-rollback\``,
    ],
  );
  assert.ok(rollback.length >= 3, `the agent's and the commands' refusals are recorded: ${rollback.length - 1}`);
  assert.equal((await auditVerify(sandbox)).status, 0, 'an accepted rollback is recorded, not tampering with the log');

  await ok(sandbox, ['unlock']);
  r = await helper();
  assert.equal(r.status, 0, `accepted: the old vault (dev allowed) serves again: ${r.stderr}`);
  assert.equal(JSON.parse(r.stdout).AccessKeyId, DEV_KEYS.accessKeyId);
  assert.equal((await sandbox.trayCred(['list'])).status, 0);
});

test('a new machine after `recovery import` opens its vault, and then refuses an older one', {
  timeout: 180_000,
}, async (t) => {
  const { sandbox: first } = await testSandbox(t);
  const { sandbox: second } = await testSandbox(t);
  const keychain = await startPrivateKeychain(second.env);
  t.after(() => keychain.stop());
  Object.assign(second.env, keychain.env, { HOME: join(second.root, 'home') });
  await mkdir(second.env.HOME!, { mode: 0o700 });
  const old = await vaultWithOldCopy(first);
  const kit = join(first.root, 'kit.json');
  await ok(first, ['recovery', 'export', kit], `${PASSPHRASE}\n`);

  await mkdir(second.home, { mode: 0o700 });
  await cp(join(first.home, 'vault.json'), join(second.home, 'vault.json'));
  await cp(join(first.home, 'audit'), join(second.home, 'audit'), { recursive: true });
  await ok(second, ['recovery', 'import', kit], `${PASSPHRASE}\n`);
  // Put back before anything else reads it: only the import can have anchored the newer vault.
  const newest = await readFile(join(second.home, 'vault.json'));
  await copyFile(old, join(second.home, 'vault.json'));
  const refused = await second.trayCred(['list']);
  assert.equal(refused.status, EXIT_STATUS.TAMPERED, refused.stderr);
  assert.match(refused.stderr, ROLLBACK);

  await writeFile(join(second.home, 'vault.json'), newest);
  const list = await ok(second, ['list', '--json']);
  assert.deepEqual(
    JSON.parse(list.stdout).map((p: { name: string; policy: string }) => [p.name, p.policy]),
    [
      ['dev', 'deny'],
      ['prod', 'ask'],
    ],
  );
  assert.equal((await auditVerify(second)).status, 0);
});

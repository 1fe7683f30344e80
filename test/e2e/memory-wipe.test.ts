/**
 * Secrets wiped on lock (issue 12 item 6): the real headless agent serves a request with keys
 * nobody else has, is locked, and its memory (/proc/<pid>/mem) is searched for the master key,
 * the audit key and the secret access key in the forms they take in the process: raw bytes,
 * base64 text as the keychain stores the keys (UTF-8 and V8's two-byte strings), the secret as
 * UTF-8 and UTF-16. The keys' raw bytes are asserted absent after the lock; the same scan before
 * the lock must find them, or the scan would prove nothing. The vault key derived from the master
 * key (held beside it from unlock to lock, so requests do not derive it) is searched for too. What stays (V8 strings, which cannot
 * be zeroed) is reported with t.diagnostic and written down in README ("What a lock wipes").
 */
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditKeyAccount, masterKeyAccount } from '../../main/core/vault/vault.ts';
import { readHeader } from '../../main/core/vault/vault-codec.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { scanMemory, type Needle } from './memory-scan.ts';
import { HELPER, credentialsFile, run, testSandbox, writeAwsConfig } from './support.ts';

function forms(name: string, text: string, raw?: Buffer): Needle[] {
  return [
    ...(raw ? [{ name: `${name} (raw bytes)`, bytes: raw }] : []),
    { name: `${name} as UTF-8 text`, bytes: Buffer.from(text, 'utf8') },
    { name: `${name} as UTF-16 text`, bytes: Buffer.from(text, 'utf16le') },
  ];
}

test('after a lock the agent holds neither the master key nor the audit key; what else stays is measured', {
  timeout: 120_000,
  skip: process.platform !== 'linux',
}, async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  // A key nobody else has: a match can only come from this agent having handled it.
  const keys = {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const file = join(sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: keys }));
  assert.equal((await sandbox.trayCred(['import', file])).status, 0);
  await writeAwsConfig(sandbox, ['dev']);

  const { vaultId } = readHeader(await readFile(join(sandbox.home, 'vault.json')));
  const keychain = new KeyringKeychain('linux');
  const master = (await keychain.get(masterKeyAccount(vaultId)))!;
  const audit = (await keychain.get(auditKeyAccount(vaultId)))!;
  // The vault key as vault-codec.ts derives it (HKDF-SHA256, empty salt), here by Node's own HKDF.
  const vaultKey = Buffer.from(
    hkdfSync('sha256', Buffer.from(master, 'base64'), Buffer.alloc(0), 'tray-cred vault v1', 32),
  );
  const needles = [
    { name: 'vault key (raw bytes)', bytes: vaultKey },
    ...forms('master key', master, Buffer.from(master, 'base64')),
    ...forms('audit key', audit, Buffer.from(audit, 'base64')),
    ...forms('secret access key', keys.secretAccessKey),
  ];

  const agent = await startAgent();
  const served = await run(HELPER, ['dev'], { env: sandbox.env });
  assert.equal(served.status, 0, served.stderr);
  assert.equal((JSON.parse(served.stdout) as { SecretAccessKey: string }).SecretAccessKey, keys.secretAccessKey);

  const unlocked = scanMemory(agent.pid, needles);
  assert.ok(
    unlocked.found['master key (raw bytes)']! >= 1,
    'the scan finds the master key while the agent holds it (else it proves nothing)',
  );
  assert.ok(unlocked.found['audit key (raw bytes)']! >= 1, 'the scan finds the audit key while the agent holds it');
  assert.ok(unlocked.found['vault key (raw bytes)']! >= 1, 'the scan finds the vault key while the agent holds it');

  assert.equal((await sandbox.trayCred(['lock'])).status, 0);
  const locked = scanMemory(agent.pid, needles);
  t.diagnostic(
    `scanned ${(locked.bytesRead / 2 ** 20).toFixed(0)} MiB of agent ${agent.pid} (${locked.skipped} regions unreadable)`,
  );
  for (const n of needles)
    t.diagnostic(`${n.name}: ${unlocked.found[n.name]} while unlocked, ${locked.found[n.name]} after lock`);
  assert.equal(locked.found['master key (raw bytes)'], 0, 'the master key is zeroed on lock');
  assert.equal(locked.found['audit key (raw bytes)'], 0, 'the audit key is zeroed on lock');
  assert.equal(locked.found['vault key (raw bytes)'], 0, 'the vault key is zeroed on lock');
});

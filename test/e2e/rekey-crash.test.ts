/**
 * `tray-cred rekey` killed with SIGKILL at random points, against the real keychain: after
 * every kill some key in the keychain (the master key, or the staged new one) must open the
 * vault, and `tray-cred list` must open it with the same profiles. Most kills are aimed at
 * the swap itself: the timer starts when rekey takes vault.lock (seen with fs.watch), since the
 * process spends most of its life starting up. Then a last rekey completes, and a recovery kit
 * made before all this is refused because it holds an older key.
 */
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { keyIdOf, readHeader } from '../../main/core/vault/vault-codec.ts';
import { masterKeyAccount, stagedKeyAccount } from '../../main/core/vault/vault.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { ROOT, TRAY_CRED, auditEntries, auditVerify, credentialsFile, makeSandbox, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';
import { size } from '../hardening/support.ts';

/** The full count under `npm run test:hardening`, a share of it in `npm test` (random kills: more rounds, more moments hit). */
const ROUNDS = size(25, 10);
const MAX_DELAY_MS = 300;
const PASSPHRASE = 'correct horse battery staple zebra';
const REKEYED =
  'Replaced the master key and re-encrypted the vault. Old recovery kits no longer open it: run `tray-cred recovery export <file>` now.\n';

let sandbox: Sandbox;
/** The lock files a rekey takes: the vault's, and the audit log's for its entry. */
const LOCKS = (): string[] => [join(sandbox.home, 'vault.lock'), join(sandbox.home, 'audit', 'audit.lock')];
let listed: string;
let oldKit: string;
const keychain = new KeyringKeychain(process.platform);

interface Round {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether rekey took vault.lock before it ended. */
  locked: boolean;
}

/** Runs `tray-cred rekey` and SIGKILLs it `delayMs` after it starts (`spawn`) or after it takes vault.lock (`lock`). */
function killedRekey(from: 'spawn' | 'lock', delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    let locked = false;
    let timer: NodeJS.Timeout | undefined;
    const child = spawnGroup(TRAY_CRED, ['rekey'], { env: sandbox.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const watcher = watch(sandbox.home, (_event, name) => {
      if (name !== 'vault.lock' || locked) return;
      locked = true;
      if (from === 'lock') timer = setTimeout(kill, delayMs);
    });
    if (from === 'spawn') timer = setTimeout(kill, delayMs);
    // Not an assertion: a rekey stuck on something would otherwise hang the test.
    const guard = setTimeout(() => killGroup(child.pid), 60_000);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      watcher.close();
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ status, signal, stdout, stderr, locked });
    });
  });
}

type State = 'untouched' | 'staged' | 'rewritten' | 'swapped' | 'replaced';

/** Where the swap stands, from the vault's header and the two keychain entries; throws if no key opens the vault. */
async function swapState(previousKeyId: string): Promise<{ state: State; keyId: string }> {
  const header = readHeader(await readFile(join(sandbox.home, 'vault.json')));
  const idOf = (stored: string | null): string | undefined =>
    stored === null ? undefined : keyIdOf(Buffer.from(stored, 'base64'));
  const master = idOf(await keychain.get(masterKeyAccount(header.vaultId)));
  const staged = idOf(await keychain.get(stagedKeyAccount(header.vaultId)));
  assert.ok(
    master === header.keyId || staged === header.keyId,
    `no key in the keychain opens the vault (vault ${header.keyId}, master ${master}, staged ${staged})`,
  );
  let state: State;
  if (master !== header.keyId) state = 'rewritten';
  else if (staged === header.keyId) state = 'swapped';
  else if (staged !== undefined) state = 'staged';
  else state = header.keyId === previousKeyId ? 'untouched' : 'replaced';
  return { state, keyId: header.keyId };
}

describe('rekey interrupted by SIGKILL never leaves a vault that no key opens', () => {
  before(async () => {
    sandbox = await makeSandbox();
    const init = await sandbox.trayCred(['init']);
    assert.equal(init.status, 0, init.stderr);
    const file = join(sandbox.root, 'credentials');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
    const imported = await sandbox.trayCred(['import', file]);
    assert.equal(imported.status, 0, imported.stderr);
    const list = await sandbox.trayCred(['list', '--json']);
    assert.equal(list.status, 0, list.stderr);
    listed = list.stdout;
    assert.deepEqual(
      (JSON.parse(listed) as { name: string }[]).map((p) => p.name),
      ['dev', 'prod'],
    );
    oldKit = join(sandbox.root, 'old-kit.json');
    const kit = await sandbox.trayCred(['recovery', 'export', oldKit], `${PASSPHRASE}\n`);
    assert.equal(kit.status, 0, kit.stderr);
  });

  after(async () => {
    await sandbox?.cleanup();
  });

  test(`${ROUNDS} rekeys killed at random points: after each, the vault opens with the same profiles`, {
    timeout: 300_000,
  }, async () => {
    const seen = new Map<State, number>();
    let keyId = readHeader(await readFile(join(sandbox.home, 'vault.json'))).keyId;
    let completed = 0;
    const emptyLocks: string[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const from = round % 5 === 0 ? 'spawn' : 'lock';
      const delay = Math.floor(Math.random() * (MAX_DELAY_MS + 1));
      const r = await killedRekey(from, delay);
      const where = `round ${round} (killed ${delay} ms after ${from})`;
      if (r.signal === null) {
        assert.equal(r.status, 0, `${where}: rekey failed on its own: ${r.stderr}`);
        assert.equal(r.stdout, REKEYED, where);
        completed += 1;
      } else {
        assert.equal(r.signal, 'SIGKILL', where);
      }
      if (from === 'lock') assert.ok(r.locked, `${where}: rekey ended without taking vault.lock: ${r.stderr}`);

      // A lock file is linked into place with its pid already in it, so no kill leaves an empty one.
      for (const lock of LOCKS()) {
        const text = await readFile(lock, 'utf8').catch(() => undefined);
        if (text === '') emptyLocks.push(`${where}: ${lock}`);
      }
      assert.deepEqual(emptyLocks, [], 'a kill left an empty lock file');

      const now = await swapState(keyId);
      seen.set(now.state, (seen.get(now.state) ?? 0) + 1);
      keyId = now.keyId;

      const list = await sandbox.trayCred(['list', '--json']);
      assert.equal(list.status, 0, `${where}, state ${now.state}: list cannot open the vault: ${list.stderr}`);
      assert.equal(list.stdout, listed, `${where}: the same profiles, unchanged`);
    }
    const leftovers = (await readdir(sandbox.home)).filter((n) => n.endsWith('.tmp'));
    console.log(
      `# ${ROUNDS} rounds, ${completed} finished before the kill; states after the kills: ${JSON.stringify(Object.fromEntries(seen))}; leftover temp files: ${leftovers.length}; empty lock files left by a kill: ${emptyLocks.length}`,
    );
  });

  test('a last rekey completes, and the swap is finished: no staged key is left', { timeout: 180_000 }, async () => {
    const before = readHeader(await readFile(join(sandbox.home, 'vault.json'))).keyId;
    const r = await sandbox.trayCred(['rekey']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, REKEYED);
    const { state, keyId } = await swapState(before);
    assert.equal(
      state,
      'replaced',
      'the vault is under a new key, the master entry holds it, the staging entry is gone',
    );
    assert.notEqual(keyId, before);
    const list = await sandbox.trayCred(['list', '--json']);
    assert.equal(list.stdout, listed, list.stderr);
    const verify = await auditVerify(sandbox);
    assert.equal(verify.status, 0, `the audit chain survived the kills: ${verify.stdout}${verify.stderr}`);
    assert.equal((await auditEntries(sandbox)).at(-1)?.event, 'rekey');
  });

  test('the recovery kit made before the rekeys is refused: it holds an older key (with --replace too)', {
    timeout: 180_000,
  }, async () => {
    const refusal =
      'tray-cred: the kit holds an older master key than the one this vault is encrypted with (was `tray-cred rekey` run after the kit was made?): use the newest kit\n';
    for (const args of [[], ['--replace']]) {
      const r = await sandbox.trayCred(['recovery', 'import', oldKit, ...args], `${PASSPHRASE}\n`);
      assert.equal(r.status, EXIT_STATUS.USAGE, `recovery import ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, refusal);
      const list = await sandbox.trayCred(['list', '--json']);
      assert.equal(list.stdout, listed, `the vault still opens after the refused import: ${list.stderr}`);
    }
    // A kit made now is accepted: the refusal was about the key's age, not about kits.
    const fresh = join(sandbox.root, 'new-kit.json');
    const exported = await sandbox.trayCred(['recovery', 'export', fresh], `${PASSPHRASE}\n`);
    assert.equal(exported.status, 0, exported.stderr);
    const imported = await sandbox.trayCred(['recovery', 'import', fresh], `${PASSPHRASE}\n`);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /^Stored the keys of vault [0-9a-f]{32} in the OS keychain\. The vault opens/);
  });

  test('a rekey killed between creating vault.lock and writing its pid does not block the next rekey', {
    timeout: 180_000,
  }, async () => {
    // What such a kill leaves (it happens in the loop above every few runs): an empty lock file,
    // its writer long gone.
    const lock = join(sandbox.home, 'vault.lock');
    await writeFile(lock, '');
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(lock, hourAgo, hourAgo);
    const r = await sandbox.trayCred(['rekey']);
    // Older builds created the lock file and wrote the pid in a second step, so a kill in between
    // left an empty vault.lock that blocked every write until deleted by hand. lock() now treats
    // a lock without a readable pid as stale.
    assert.equal(r.status, 0, `rekey after a killed rekey: ${r.stderr}`);
    assert.equal(r.stdout, REKEYED);
  });
});

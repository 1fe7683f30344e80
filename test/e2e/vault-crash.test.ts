/**
 * Crash safety of the vault file: a child process (vault-writer.ts) rewrites the vault through
 * Vault.update() and the real NodeFileSystem as fast as it can; the parent SIGKILLs it at a
 * random moment, many times over. After every kill the vault must decrypt with the master key
 * from the real keychain and hold one whole version: the one the child last reported, or the
 * next one if the kill came after the rename but before the report. Leftover temp files are
 * allowed; a torn or mixed vault is not.
 */
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Vault } from '../../main/core/vault/vault.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { CryptoRandom, SystemClock } from '../../main/node/platform/system-clock.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { ROOT, counterOf, counterProfiles, makeSandbox, testSandbox, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';
import { size } from '../hardening/support.ts';

/** The full count under `npm run test:hardening`, a share of it in `npm test` (random kills: more rounds, more moments hit). */
const ROUNDS = size(40, 16);
/** Kills land anywhere from right after start-up to this many ms into the write loop. */
const MAX_KILL_DELAY_MS = 150;
const WRITER = join(ROOT, 'test', 'e2e', 'vault-writer.ts');

let sandbox: Sandbox;
let vault: Vault;
let key: Buffer;

before(async () => {
  sandbox = await makeSandbox();
  const init = await sandbox.trayCred(['init']);
  assert.equal(init.status, 0, init.stderr);
  // The parent reads the master key once, from the real keyring, the way the agent does.
  vault = new Vault(
    {
      fs: new NodeFileSystem(process.getuid?.()),
      keychain: new KeyringKeychain(process.platform),
      random: new CryptoRandom(),
      clock: new SystemClock(),
    },
    sandbox.home,
  );
  key = await vault.loadMasterKey();
});

after(async () => {
  key?.fill(0);
  await sandbox?.cleanup();
});

interface Round {
  /** The last version the child reported as written. */
  reported: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Starts a writer, waits until it has read the vault, lets it write for `delayMs`, then SIGKILLs it. */
function killedWriter(delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(process.execPath, [WRITER, sandbox.home], {
      env: sandbox.env,
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    const guard = setTimeout(() => killGroup(child.pid), 30_000);
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (!started && /^start \d+\n/.test(stdout)) {
        started = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    // 'close' comes after stdout has been read to its end, so every number written before the kill is in.
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      const numbers = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line.replace(/^start /, '')));
      resolve({ reported: numbers.at(-1) ?? Number.NaN, signal, code, stderr });
    });
    child.stdin!.end(key.toString('base64'));
  });
}

test(`the vault survives ${ROUNDS} SIGKILLs in the middle of rewrites: it always decrypts to one whole version`, {
  timeout: 240_000,
}, async (t) => {
  let previous = 0;
  let afterRename = 0;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const delay = round % 8 === 0 ? 0 : Math.floor(Math.random() * MAX_KILL_DELAY_MS);
    const r = await killedWriter(delay);
    const where = `round ${round} (killed ${delay} ms in, child reported ${r.reported})`;
    assert.equal(r.signal, 'SIGKILL', `${where}: the writer stopped on its own (exit ${r.code}):\n${r.stderr}`);
    assert.equal(r.stderr, '', `${where}: the writer complained`);
    assert.ok(Number.isInteger(r.reported), `${where}: the writer never said it had read the vault`);

    const { data } = await vault
      .read(key)
      .catch((error: unknown) => assert.fail(`${where}: the vault does not open: ${(error as Error).message}`));
    const version = counterOf(data);
    // Profiles are a prototype-free object (no `constructor` or `toString` profile by accident): compare the contents.
    assert.deepEqual({ ...data.profiles }, counterProfiles(version), `${where}: the vault holds a mix of versions`);
    assert.ok(version === r.reported || version === r.reported + 1, `${where}: the vault holds version ${version}`);
    assert.ok(version >= previous, `${where}: the vault went back from version ${previous} to ${version}`);
    if (version === r.reported + 1) afterRename += 1;
    previous = version;

    // The next writer must get in: whatever the kill left (a lock file, temp files) may not block
    // vault writes.
    const rewritten = await vault
      .update(key, (d) => counterOf(d))
      .catch((error: unknown) => assert.fail(`${where}: the next write failed: ${(error as Error).message}`));
    assert.equal(rewritten.result, version, `${where}: the parent's rewrite read another version`);
  }
  assert.ok(previous > 0, 'the writers wrote at least one version');
  t.diagnostic(
    `${ROUNDS} kills, ${previous} versions written, ${afterRename} kills landed between a rename and its report`,
  );

  const leftovers = (await readdir(sandbox.home)).filter((n) => n.endsWith('.tmp'));
  t.diagnostic(`leftover temp files: ${leftovers.length}`);

  // The real CLI, through the real keychain, reads what the last writer left...
  const list = await sandbox.trayCred(['list', '--json']);
  assert.equal(list.status, 0, list.stderr);
  const names = (JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name);
  assert.deepEqual(
    names,
    Object.keys(counterProfiles(previous)).sort((a, b) => a.localeCompare(b)),
  );
  // ...and can still write it.
  const policy = await sandbox.trayCred(['policy', 'counter', 'deny']);
  assert.equal(policy.status, 0, policy.stderr);
  assert.equal(policy.stdout, 'Profile "counter": deny.\n');
  const { data } = await vault.read(key);
  assert.equal(data.profiles.counter?.policy, 'deny');
});

test('an empty vault.lock, as a crash between creating the lock file and writing its pid leaves it, does not block writes for good', {
  timeout: 60_000,
}, async (t) => {
  const { sandbox: own } = await testSandbox(t);
  assert.equal((await own.trayCred(['init'])).status, 0);
  const added = await own.trayCred(
    ['add', 'dev', '--access-key-id', DEV_KEYS.accessKeyId],
    `${DEV_KEYS.secretAccessKey}\n`,
  );
  assert.equal(added.status, 0, added.stderr);
  const lockPath = join(own.home, 'vault.lock');
  await writeFile(lockPath, '');
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(lockPath, hourAgo, hourAgo);
  const policy = await own.trayCred(['policy', 'dev', 'deny']);
  // Older builds could leave this behind (the lock file was created first and the pid written in
  // a second step), and every vault write then failed after 10 s until it was deleted by hand.
  assert.equal(policy.status, 0, `tray-cred policy failed on a stale empty lock: ${policy.stderr}`);
  assert.equal(policy.stdout, 'Profile "dev": deny.\n');
});

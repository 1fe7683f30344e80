/**
 * `tray-cred audit --follow --json` beside a running agent, as a log shipper would run it: each
 * access made through the helper comes out as one JSON line in the shipped shape, across a file
 * rotation, with no secret in it, and SIGTERM ends it with exit 0.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileName } from '../../main/core/audit/audit-codec.ts';
import type { ShippedEntry } from '../../main/core/audit/audit-shipped.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { ROOT, TRAY_CRED, credentialsFile, findSecrets, run, testSandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

const PLANTED = 'planted-Secret-9f3a7c';

/** A `tray-cred audit --follow --json` child whose lines are collected as they come. */
function follow(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawnGroup(TRAY_CRED, ['audit', '--follow', '--json', ...args], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const lines = (): ShippedEntry[] =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ShippedEntry);
  /** Waits (generously: a guard, not a timing claim) until `count` lines match. */
  const waitFor = async (what: string, match: (e: ShippedEntry) => boolean, count = 1): Promise<ShippedEntry[]> => {
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const found = lines().filter(match);
      if (found.length >= count) return found;
    }
    assert.fail(`the follower did not print ${what} within 20 s; stdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  return { child, exited, lines, waitFor, output: () => stdout + stderr };
}

test('audit --follow --json streams each access as it happens, across a rotation, and stops on SIGTERM', async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const creds = join(sandbox.root, 'creds');
  await writeFile(creds, credentialsFile({ dev: DEV_KEYS }));
  assert.equal((await sandbox.trayCred(['import', creds])).status, 0);
  await startAgent();
  const f = follow(sandbox.env, ['--limit', '1']);
  t.after(() => killGroup(f.child.pid));
  const [newest] = await f.waitFor('the newest entry already in the log', () => true);
  assert.equal(newest!.v, 1);
  assert.equal(f.lines().length, 1, '--limit 1 prints one entry already in the log');

  // The caller's command line carries a secret: the log redacts it, and so nothing ships it.
  const access = () =>
    run('/bin/sh', ['-c', 'tray-cred-helper dev; true', 'sh', '--secret-access-key', PLANTED], { env: sandbox.env });
  assert.equal((await access()).status, 0);
  const [first] = await f.waitFor('the first access', (e) => e.event === 'access');
  assert.deepEqual(
    Object.keys(first!),
    ['v', 'seq', 'time', 'event', 'profile', 'decision', 'served', 'credentialId', 'caller', 'durationMs'],
    'the shipped fields, in their order',
  );
  assert.equal(first!.profile, 'dev');
  assert.equal(first!.decision, 'allowed');
  assert.deepEqual(Object.keys(first!.caller!), ['pid', 'ppid', 'command', 'argv', 'cwd']);
  assert.deepEqual(first!.caller!.argv, [
    '/bin/sh',
    '-c',
    'tray-cred-helper dev; true',
    'sh',
    '--secret-access-key',
    '[redacted]',
  ]);

  // A rotation as the writer makes one: the chain goes on in a new file named for its first entry.
  const next = Math.max(...f.lines().map((e) => e.seq)) + 1;
  await writeFile(join(sandbox.home, 'audit', fileName(next)), '', { mode: 0o600 });
  assert.equal((await access()).status, 0);
  const [, second] = await f.waitFor('the access written to the new file', (e) => e.event === 'access', 2);
  assert.equal(second!.seq, next);
  assert.ok((await readdir(join(sandbox.home, 'audit'))).includes(fileName(next)));
  assert.equal((await sandbox.trayCred(['audit', 'verify'])).status, 0, 'the rotation kept one chain');

  const seqs = f.lines().map((e) => e.seq);
  assert.deepEqual(
    seqs,
    [...new Set(seqs)].sort((a, b) => a - b),
    'each entry once, in chain order',
  );
  f.child.kill('SIGTERM');
  assert.deepEqual(await f.exited, { code: 0, signal: null });
  assert.deepEqual(findSecrets(f.output(), [PLANTED, DEV_KEYS.secretAccessKey]), []);
});

test('audit --follow needs --json, and --limit 0 prints only what comes next', async (t) => {
  const { sandbox } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const noJson = await sandbox.trayCred(['audit', '--follow']);
  assert.equal(noJson.status, 2);
  assert.match(noJson.stderr, /--follow prints JSON Lines for a log shipper: add --json/);
  const f = follow(sandbox.env, ['--limit', '0']);
  t.after(() => killGroup(f.child.pid));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(
    (
      await run(TRAY_CRED, ['add', 'x', '--access-key-id', DEV_KEYS.accessKeyId], {
        env: sandbox.env,
        input: `${DEV_KEYS.secretAccessKey}\n`,
      })
    ).status,
    0,
  );
  const [added] = await f.waitFor('the add', (e) => e.event === 'add');
  assert.deepEqual(
    f.lines().map((e) => e.event),
    ['add'],
    'init, already in the log, is not printed',
  );
  assert.equal(added!.profile, 'x');
  f.child.kill('SIGINT');
  assert.deepEqual(await f.exited, { code: 0, signal: null });
});

test('audit --follow ends with status 0 when its reader goes away (EPIPE)', async (t) => {
  const { sandbox } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const f = follow(sandbox.env, ['--limit', '1']);
  t.after(() => killGroup(f.child.pid));
  await f.waitFor('the init entry', (e) => e.event === 'init');
  // The shipper exits: the read end of the pipe closes, and the next line cannot be written.
  f.child.stdout!.destroy();
  assert.equal(
    (
      await run(TRAY_CRED, ['add', 'x', '--access-key-id', DEV_KEYS.accessKeyId], {
        env: sandbox.env,
        input: `${DEV_KEYS.secretAccessKey}\n`,
      })
    ).status,
    0,
  );
  const guard = setTimeout(() => killGroup(f.child.pid), 20_000);
  assert.deepEqual(await f.exited, { code: 0, signal: null }, `stderr: ${f.output()}`);
  clearTimeout(guard);
  assert.doesNotMatch(f.output(), /error|EPIPE/i, 'no error reported');
});

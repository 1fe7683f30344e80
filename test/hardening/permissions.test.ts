/**
 * Modes at the process level: every file and directory the CLI, the agent and the helper create
 * is private whatever the umask they inherit (node-file-system.test.ts checks each adapter call
 * under an open umask; this checks what the commands leave behind), and the agent and the
 * helper refuse a socket directory another user owns or others may open
 * (socket-server.test.ts and node-file-system.test.ts check the same refusals in-process).
 */
import assert from 'node:assert/strict';
import { chmod, chown, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DEV_KEYS } from '../fakes/keys.ts';
import { isRunning } from '../node/processes.ts';
import { HELPER, TRAY_CRED, auditEntries, run, testSandbox } from '../e2e/support.ts';

const NOBODY = 65534;
const modeOf = async (path: string): Promise<string> => ((await lstat(path)).mode & 0o777).toString(8);

async function everything(dir: string, out: string[] = []): Promise<string[]> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    out.push(path);
    if ((await lstat(path)).isDirectory()) await everything(path, out);
  }
  return out;
}

for (const umask of [0o000, 0o077, 0o022]) {
  test(`umask ${umask.toString(8).padStart(3, '0')}: the data dir, audit dir, socket dir and every file created are 0700/0600`, {
    timeout: 120_000,
  }, async (t) => {
    const { sandbox, startAgent } = await testSandbox(t);
    // Children inherit the umask of this process, which runs only this file's tests, one at a time.
    const previous = process.umask(umask);
    t.after(() => void process.umask(previous));
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const add = await sandbox.trayCred(
      ['add', 'dev', '--access-key-id', DEV_KEYS.accessKeyId],
      `${DEV_KEYS.secretAccessKey}\n`,
    );
    assert.equal(add.status, 0, add.stderr);
    const agent = await startAgent();
    assert.equal((await run(HELPER, ['dev'], { env: sandbox.env })).status, 0);
    assert.equal((await sandbox.trayCred(['policy', 'dev', 'ask'])).status, 0);
    const kit = join(sandbox.root, 'kit.json');
    const exported = await sandbox.trayCred(['recovery', 'export', kit], 'correct horse battery staple of tray-cred\n');
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal(await modeOf(join(dirname(sandbox.socket))), '700', 'socket directory');
    assert.equal(await modeOf(sandbox.socket), '600', 'socket');
    await agent.stop();

    assert.equal(await modeOf(sandbox.home), '700', 'data directory');
    assert.equal(await modeOf(join(sandbox.home, 'audit')), '700', 'audit directory');
    assert.equal(await modeOf(kit), '600', 'recovery kit');
    const created = await everything(sandbox.home);
    for (const name of ['vault.json', 'audit/head.json'])
      assert.ok(created.includes(join(sandbox.home, name)), `${name} was created`);
    assert.ok(
      created.some((p) => /audit-\d+\.jsonl$/.test(p)),
      'an audit file was created',
    );
    const open = [];
    for (const path of created) {
      const mode = await modeOf(path);
      if (mode !== ((await lstat(path)).isDirectory() ? '700' : '600')) open.push(`${path} ${mode}`);
    }
    assert.deepEqual(open, [], 'nothing under the data directory is open to group or others');
  });
}

const refusals = [
  {
    name: 'open to others (0777)',
    prepare: (dir: string) => chmod(dir, 0o777),
    message: /can be opened by other users \(mode 777\): run `chmod 700 .*` and retry/,
  },
  {
    name: 'owned by another user (nobody)',
    prepare: (dir: string) => chown(dir, NOBODY, NOBODY),
    message: /belongs to uid 65534, not to you \(uid 0\)/,
  },
];
const root = process.getuid?.() === 0;

for (const { name, prepare, message } of refusals) {
  test(`the agent refuses a socket directory ${name}, with the fix in its message`, {
    timeout: 60_000,
    skip: name.includes('nobody') && !root && 'needs root to give a directory to nobody',
  }, async (t) => {
    const { sandbox } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    await mkdir(dirname(sandbox.socket), { mode: 0o700 });
    await prepare(dirname(sandbox.socket));
    const agent = await run(TRAY_CRED, ['agent'], { env: sandbox.env, killAfterMs: 20_000 });
    assert.equal(agent.signal, null, 'the agent exits by itself');
    assert.notEqual(agent.status, 0);
    assert.match(agent.stderr, message);
    assert.deepEqual(await readdir(dirname(sandbox.socket)), [], 'no socket was created there');
  });

  test(`the helper will not talk through a socket directory ${name}, even to a live agent`, {
    timeout: 60_000,
    skip: name.includes('nobody') && !root && 'needs root to give a directory to nobody',
  }, async (t) => {
    const { sandbox, startAgent } = await testSandbox(t);
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    assert.equal(
      (await sandbox.trayCred(['add', 'dev', '--access-key-id', DEV_KEYS.accessKeyId], `${DEV_KEYS.secretAccessKey}\n`))
        .status,
      0,
    );
    const agent = await startAgent();
    const before = (await auditEntries(sandbox)).length;
    // Someone loosened (or swapped owners of) the directory after the agent checked it.
    await prepare(dirname(sandbox.socket));
    const helper = await run(HELPER, ['dev'], { env: sandbox.env });
    assert.equal(helper.status, 3);
    assert.equal(helper.stdout, '');
    assert.match(
      helper.stderr,
      /^tray-cred-helper: .* is not a private directory of yours \(owner uid \d+, mode \d+\), so whatever listens there is not trusted: remove it, then start the agent\n$/,
    );
    assert.equal((await auditEntries(sandbox)).length, before, 'no request reached the agent');
    assert.ok(isRunning(agent.pid));
  });
}

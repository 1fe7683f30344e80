/**
 * "Install command-line helper…" without Electron: the command lands in ~/.local/bin and runs
 * exactly like the bundled helper, a file tray-cred did not write is never replaced, and the
 * AWS config gets its credential_process line with a backup.
 */
import assert from 'node:assert/strict';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { addCredentialProcessLines, installHelper } from '../../main/node/setup/install-helper.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { NODE_BIN, ROOT, run } from '../e2e/support.ts';

const HELPER_CJS = join(ROOT, 'dist', 'tray-cred-helper.cjs');
let root = '';
let home = '';
const savedHome = process.env.HOME;

beforeEach(async () => {
  root = await mkdtemp('/tmp/tc-install-');
  home = join(root, 'home');
  await mkdir(home);
  process.env.HOME = home;
});
afterEach(async () => {
  process.env.HOME = savedHome;
  await rm(root, { recursive: true, force: true });
});

/** Where an app would ship its single executable; here the bundled helper (it has a shebang) stands in for it. */
async function shippedHelper(): Promise<string> {
  const dir = join(root, 'tray-cred.app', 'resources', 'bin');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'tray-cred-helper');
  await copyFile(HELPER_CJS, path);
  await chmod(path, 0o755);
  return path;
}

/** The installed command, found through PATH as the AWS CLI finds it, against the bundle run directly. */
async function assertRunsLikeTheBundle(binDir: string): Promise<void> {
  const env = { PATH: `${binDir}:${NODE_BIN}:/usr/bin:/bin`, HOME: home };
  for (const args of [['--version'], [], ['--timeout', 'x', 'dev']]) {
    const installed = await run('tray-cred-helper', args, { env, cwd: root });
    const bundled = await run(process.execPath, [HELPER_CJS, ...args], { env, cwd: root });
    assert.deepEqual(installed, bundled, `tray-cred-helper ${args.join(' ')}`);
  }
  const version = await run('tray-cred-helper', ['--version'], { env, cwd: root });
  assert.match(version.stdout, /^tray-cred-helper \d+\.\d+\.\d+/);
  assert.equal((await run('tray-cred-helper', [], { env, cwd: root })).status, 2, 'usage error');
}

test('installs a link to the shipped helper in ~/.local/bin that runs like the bundled helper', async () => {
  const helperPath = await shippedHelper();
  const binDir = join(home, '.local', 'bin');
  const first = await installHelper({ helperPath, pathEnv: '/usr/bin:/bin' });
  assert.deepEqual(
    { ...first, advice: undefined },
    { command: join(binDir, 'tray-cred-helper'), kind: 'symlink', changed: true, onPath: false, advice: undefined },
  );
  assert.match(first.advice ?? '', new RegExp(`${binDir} is not on your PATH.*export PATH="${binDir}:\\$PATH"`));
  assert.equal(await readlink(first.command), helperPath);
  assert.deepEqual(await readdir(binDir), ['tray-cred-helper'], 'no temporary file left behind');
  await assertRunsLikeTheBundle(binDir);

  const again = await installHelper({ helperPath, pathEnv: `/usr/bin:${binDir}/` });
  assert.equal(again.changed, false);
  assert.equal(again.onPath, true);
  assert.equal(again.advice, undefined);
});

test('in a checkout without the single executable, writes a 0755 sh launcher for the .cjs bundle', async () => {
  const binDir = join(root, 'bin');
  const result = await installHelper({ helperPath: HELPER_CJS, binDir, node: process.execPath, pathEnv: binDir });
  assert.equal(result.kind, 'launcher');
  assert.equal(result.onPath, true);
  assert.equal((await stat(result.command)).mode & 0o777, 0o755);
  assert.ok((await lstat(result.command)).isFile());
  assert.match(
    await readFile(result.command, 'utf8'),
    /^#!\/bin\/sh\n.*\nexec '.*\/node' '.*\/dist\/tray-cred-helper\.cjs' "\$@"\n$/,
  );
  await assertRunsLikeTheBundle(binDir);

  // Its own launcher is replaced by a link when the app ships the executable after all.
  const linked = await installHelper({ helperPath: await shippedHelper(), binDir });
  assert.equal(linked.kind, 'symlink');
  assert.equal(linked.changed, true);
  assert.ok((await lstat(linked.command)).isSymbolicLink());
});

test('refuses to replace a tray-cred-helper it did not install, and says how to remove it', async () => {
  const binDir = join(home, '.local', 'bin');
  await mkdir(binDir, { recursive: true });
  const foreign = join(binDir, 'tray-cred-helper');
  await writeFile(foreign, '#!/bin/sh\necho "my own helper"\n', { mode: 0o755 });
  await assert.rejects(installHelper({ helperPath: await shippedHelper() }), (error: Error) => {
    assert.match(error.message, /already exists and was not installed by tray-cred/);
    assert.ok(error.message.includes(`rm '${foreign}'`), error.message);
    return true;
  });
  assert.equal(await readFile(foreign, 'utf8'), '#!/bin/sh\necho "my own helper"\n', 'left as it was');
});

test('a missing helper is reported, and nothing is written', async () => {
  await assert.rejects(installHelper({ helperPath: join(root, 'nope', 'tray-cred-helper') }), /does not exist/);
  await assert.rejects(lstat(join(home, '.local', 'bin')), { code: 'ENOENT' });
});

test('adds credential_process lines with a backup, changing no other line, and names shadowing plaintext keys', async () => {
  const aws = join(home, '.aws');
  await mkdir(aws);
  const configPath = join(aws, 'config');
  const credentialsPath = join(aws, 'credentials');
  const original = '# my settings\n[default]\nregion = eu-west-1\n\n[profile dev]\noutput = json\n';
  await writeFile(configPath, original);
  await writeFile(
    credentialsPath,
    '[prod]\naws_access_key_id = AKIAEXAMPLEPROD00001\naws_secret_access_key = prodsecretEXAMPLE\n',
  );
  const now = new Date('2026-11-26T08:00:00.000Z');

  const result = await addCredentialProcessLines({
    fs: new NodeFileSystem(process.getuid?.()),
    configPath,
    credentialsPath,
    profiles: ['dev', 'prod'],
    now,
  });
  assert.deepEqual(result.changed, ['dev', 'prod']);
  assert.deepEqual(result.shadowed, ['prod']);
  assert.equal(result.backup, `${configPath}.tray-cred-backup-2026-11-26T08-00-00-000Z`);
  assert.equal(await readFile(result.backup, 'utf8'), original);
  assert.equal(
    await readFile(configPath, 'utf8'),
    '# my settings\n[default]\nregion = eu-west-1\n\n[profile dev]\noutput = json\ncredential_process = tray-cred-helper dev\n\n[profile prod]\ncredential_process = tray-cred-helper prod\n',
  );

  const again = await addCredentialProcessLines({
    fs: new NodeFileSystem(process.getuid?.()),
    configPath,
    profiles: ['dev'],
    now,
  });
  assert.deepEqual(
    { changed: again.changed, unchanged: again.unchanged, backup: again.backup },
    { changed: [], unchanged: ['dev'], backup: undefined },
  );
  assert.equal((await readdir(aws)).length, 3, 'config, credentials and one backup');
});

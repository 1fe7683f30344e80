/**
 * "Install command-line helper…" without Electron: the command lands in ~/.local/bin and runs
 * exactly like the bundled helper, a file tray-cred did not write is never replaced, and the
 * AWS config gets its credential_process line with a backup. helperForConfig: the one choice of
 * the helper setup and configure-aws write into that line.
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
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { addCredentialProcessLines, helperForConfig, installHelper } from '../../main/node/setup/install-helper.ts';
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

test("the helper a config line names: setup's in ~/.local/bin, else PATH's as found, else an error naming the fix", async () => {
  const shipped = await shippedHelper();
  // On PATH through a link (as /usr/bin/tray-cred-helper links into an app): named by the link, so an update follows.
  const pathDir = join(root, 'path-bin');
  await mkdir(pathDir);
  await symlink(shipped, join(pathDir, 'tray-cred-helper'));
  const env = { PATH: `/usr/bin:${pathDir}:/bin`, HOME: home };
  assert.equal(await helperForConfig(env, home, 'linux'), join(pathDir, 'tray-cred-helper'));

  const installed = await installHelper({ helperPath: shipped, pathEnv: env.PATH });
  assert.equal(await helperForConfig(env, home, 'linux'), installed.command, "setup's comes first");

  // A link of ours whose app is gone runs nothing: PATH's is taken instead.
  await rm(installed.command);
  await symlink(join(root, 'gone', 'tray-cred-helper'), installed.command);
  assert.equal(await helperForConfig(env, home, 'linux'), join(pathDir, 'tray-cred-helper'));
  // A file of someone else's there is not setup's.
  await rm(installed.command);
  await writeFile(installed.command, '#!/bin/sh\necho mine\n', { mode: 0o755 });
  assert.equal(await helperForConfig(env, home, 'linux'), join(pathDir, 'tray-cred-helper'));
  // A relative PATH entry is made absolute.
  assert.equal(
    await helperForConfig({ PATH: relative(process.cwd(), pathDir) }, join(root, 'nobody'), 'linux'),
    join(pathDir, 'tray-cred-helper'),
  );

  await assert.rejects(helperForConfig({ PATH: '/usr/bin:/bin' }, join(root, 'nobody'), 'linux'), (error: Error) => {
    assert.equal(error.constructor.name, 'EnvironmentError');
    assert.equal(
      error.message,
      `tray-cred-helper is neither installed in ${join(root, 'nobody', '.local', 'bin')} nor on PATH: run \`tray-cred setup\` (it installs it there), or put tray-cred-helper on PATH, then run this again`,
    );
    return true;
  });
  assert.equal(
    await helperForConfig({ PATH: '' }, home, 'win32'),
    'tray-cred-helper',
    'Windows: its folder goes on Path',
  );
});

test('a helper whose path has a space or quote is passed over; when every one has, the error says what to do', async () => {
  const shipped = await shippedHelper();
  const spaced = join(root, "Bob's home");
  await mkdir(spaced);
  const installed = await installHelper({ helperPath: shipped, binDir: join(spaced, '.local', 'bin'), pathEnv: '' });
  const plain = join(root, 'plain-bin');
  await mkdir(plain);
  await symlink(shipped, join(plain, 'tray-cred-helper'));
  const path = `${join(spaced, '.local', 'bin')}:${plain}`;
  assert.equal(await helperForConfig({ PATH: path }, spaced, 'linux'), join(plain, 'tray-cred-helper'));
  await assert.rejects(helperForConfig({ PATH: join(spaced, '.local', 'bin') }, spaced, 'linux'), (error: Error) => {
    assert.ok(
      error.message.startsWith(
        `the helper's path ${installed.command} has a space or quote, which a credential_process line cannot hold: link it from a folder whose path has none and put that folder first on PATH (e.g. \`sudo ln -s `,
      ),
      error.message,
    );
    return true;
  });
  // The same check where a path is given (uninstall --repoint): nothing is written.
  const configPath = join(root, 'config');
  await assert.rejects(
    addCredentialProcessLines({
      fs: new NodeFileSystem(process.getuid?.()),
      configPath,
      profiles: ['dev'],
      command: installed.command,
    }),
    /has a space or quote, which a credential_process line cannot hold/,
  );
  await assert.rejects(lstat(configPath), { code: 'ENOENT' });
});

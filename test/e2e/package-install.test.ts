/**
 * Installed like real software: the npm package, packed from this checkout (`npm pack`), installed
 * offline into a fresh prefix (`npm install -g --offline`), then set up by a user of its own who
 * cannot read the checkout (it is hidden under an empty tmpfs in that user's mount namespace), with
 * its own D-Bus session and gnome-keyring, and Node 24 of its own on PATH. `aws configure
 * export-credentials` (the real AWS CLI v2) is then served and audited: nothing at run time
 * comes from the checkout.
 *
 * Offline from the cache `npm ci` filled: npm 11 resolves every range of a global install against
 * the full packument (`Accept: application/json`), which `npm ci` never fetches (it installs the
 * lockfile's tarball URLs); the cache holds each package's tarball and the abbreviated packument
 * of its first resolution. The test gives npm a cache of its own whose index files those same
 * packuments under the full document's key: the bytes and the tarballs are the cache's own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DEV_KEYS } from '../fakes/keys.ts';
import { NODE_BIN, ROOT, credentialsFile, requireBuild, run, type RunResult } from './support.ts';

const npmEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${NODE_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
});

async function npm(args: string[], cwd = ROOT): Promise<RunResult> {
  const r = await run('npm', args, { env: npmEnv(), cwd, killAfterMs: 170_000 });
  assert.equal(r.status, 0, `npm ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** The index entries of an npm cache (cacache's index-v5: one JSON entry a line, after its SHA-1). */
async function* indexEntries(
  cacache: string,
): AsyncGenerator<{ key: string; integrity?: string; metadata?: { reqHeaders?: Record<string, string> } }> {
  for (const file of await readdir(join(cacache, 'index-v5'), { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    for (const line of (await readFile(join(file.parentPath, file.name), 'utf8')).split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) yield JSON.parse(line.slice(tab + 1));
    }
  }
}

/** A cache for `--offline`: the real cache's content, its packuments of the package's runtime tree filed as full documents. */
async function offlineCache(dir: string): Promise<string> {
  // The tests run with a fresh HOME: the checkout's `npm ci` used the cache of this account's own home.
  const ownHome = userInfo().homedir;
  const config = await run('npm', ['config', 'get', 'cache'], { env: { ...npmEnv(), HOME: ownHome }, cwd: ownHome });
  const real = join(config.stdout.trim(), '_cacache');
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const names = Object.entries(lock.packages)
    .filter(([path, p]) => path && !p.dev)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  const prefix = 'make-fetch-happen:request-cache:https://registry.npmjs.org/';
  const wanted = new Set(names.map((n) => `${prefix}${n.replace('/', '%2f')}`));
  const cache = join(dir, 'npm-cache');
  const cacache = join(cache, '_cacache');
  await mkdir(join(cacache, 'index-v5'), { recursive: true });
  await symlink(join(real, 'content-v2'), join(cacache, 'content-v2'));
  let filed = 0;
  for await (const entry of indexEntries(real)) {
    if (!wanted.has(entry.key) || !entry.integrity) continue;
    const full = { ...entry, metadata: { ...entry.metadata, reqHeaders: { accept: 'application/json' } } };
    const json = JSON.stringify(full);
    const bucket = createHash('sha256').update(entry.key).digest('hex');
    const file = join(cacache, 'index-v5', bucket.slice(0, 2), bucket.slice(2, 4), bucket.slice(4));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `\n${createHash('sha1').update(json).digest('hex')}\t${json}`, { flag: 'a' });
    filed += 1;
  }
  // This platform's packages at least (the other platforms' optional ones may be absent, and npm skips them).
  for (const n of [
    '@napi-rs/keyring',
    'koffi',
    `@napi-rs/keyring-linux-${process.arch}-gnu`,
    `@koromix/koffi-linux-${process.arch}`,
  ])
    assert.ok(wanted.has(`${prefix}${n.replace('/', '%2f')}`), `${n} is not in the package's runtime tree`);
  assert.ok(filed >= 4, `the npm cache at ${real} holds no packument of the runtime tree: run npm ci once`);
  return cache;
}

/** The user's part, fixed text: its data comes from the environment. */
const AS_USER = `set -e
eval "$(printf '\\n' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
if cat "$CHECKOUT/package.json" >/dev/null 2>&1; then echo "the user can read the checkout" >&2; exit 90; fi
tray-cred setup --yes
echo "== export"
/usr/bin/aws configure export-credentials --profile dev
echo "== audit"
tray-cred audit --json --limit 5
pid=$(tray-cred status --json | sed -n 's/.*"agentPid":\\([0-9]*\\).*/\\1/p')
kill "$pid"
`;

test('the packed package installs offline into a fresh prefix, and a user who cannot read the checkout sets it up and gets an audited call', async (t) => {
  requireBuild();
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'tc-package-'));
  await chmod(dir, 0o755);
  const user = `tcpkg${process.pid}`;
  t.after(async () => {
    await run('userdel', [user], { env: npmEnv() });
    await rm(dir, { recursive: true, force: true });
  });

  const pack = JSON.parse((await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir])).stdout) as [
    { filename: string; files: { path: string }[] },
  ];
  const files = pack[0].files.map((f) => f.path);
  for (const f of ['package.json', 'dist/tray-cred.mjs', 'dist/tray-cred-helper.cjs', 'dist/audit-verify-worker.mjs'])
    assert.ok(files.includes(f), `${f} is not in the package: ${files.join(', ')}`);
  assert.deepEqual(
    files.filter(
      (f) =>
        !/^(package\.json|README\.md|LICENSE|dist\/(app\/main\.mjs|tray-cred\.mjs|tray-cred-helper\.cjs|audit-verify-worker\.mjs|tray-cred-chunks\/[\w.-]+\.mjs))$/.test(
          f,
        ),
    ),
    [],
    // npm always packs "main" (the tray app's entry, for electron-builder): a few lines that need Electron.
    'the package carries only the CLI, the helper and their chunks',
  );

  const prefix = join(dir, 'prefix');
  await npm(
    [
      'install',
      '-g',
      '--offline',
      '--cache',
      await offlineCache(dir),
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      join(dir, pack[0].filename),
    ],
    dir,
  );
  const installed = await readdir(join(prefix, 'lib', 'node_modules', 'tray-cred', 'node_modules'), {
    recursive: true,
  });
  assert.ok(
    !installed.some((p) => p.startsWith('@aws-sdk') || p === 'commander'),
    'only the native addons are dependencies',
  );

  // Node 24 of the user's own (the system's /usr/bin/node is older than tray-cred needs).
  const nodeDir = join(dir, 'node', 'bin');
  await mkdir(nodeDir, { recursive: true });
  await link(process.execPath, join(nodeDir, 'node')).catch(() => copyFile(process.execPath, join(nodeDir, 'node')));

  const home = join(dir, 'home');
  assert.equal(
    (
      await run('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/sh', '--user-group', user], {
        env: npmEnv(),
      })
    ).status,
    0,
  );
  const id = (flag: string): Promise<number> =>
    run('id', [flag, user], { env: npmEnv() }).then((r) => Number(r.stdout));
  const [uid, gid] = [await id('-u'), await id('-g')];
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'credentials'), credentialsFile({ dev: DEV_KEYS }));
  for (const p of [home, join(home, '.aws'), join(home, '.aws', 'credentials')]) await chown(p, uid, gid);
  await chmod(home, 0o700);

  // The checkout, and the one whose node_modules it uses, hidden under an empty tmpfs for the user.
  const hidden = [...new Set([ROOT, dirname(await realpath(join(ROOT, 'node_modules')))])];
  const env = {
    HOME: home,
    USER: user,
    LOGNAME: user,
    PATH: `${nodeDir}:${join(prefix, 'bin')}:/usr/bin:/bin`,
    CHECKOUT: ROOT,
  };
  const r = await run(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `for d in ${hidden.map((_, i) => `"$${i + 1}"`).join(' ')}; do mount -t tmpfs none "$d"; done; shift ${hidden.length}; exec "$@"`,
      'sh',
      ...hidden,
      'setpriv',
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      'dbus-run-session',
      '--',
      'sh',
      '-c',
      AS_USER,
    ],
    { env, cwd: '/', killAfterMs: 120_000 },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const [setupOut = '', rest = ''] = r.stdout.split('== export\n');
  const [exported = '', audit = ''] = rest.split('== audit\n');
  assert.match(setupOut, /Done: `aws` now gets its credentials from tray-cred/);
  assert.equal((JSON.parse(exported) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);
  const served = audit
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event?: string; profile?: string; decision?: string; caller?: unknown })
    .filter((e) => e.event === 'access' && e.profile === 'dev' && e.decision === 'allowed');
  assert.ok(
    served.some((e) => JSON.stringify(e.caller).includes('export-credentials')),
    audit,
  );

  // What setup wrote names the installed package and the user's Node, never the checkout.
  const launcher = await readFile(join(home, '.local', 'bin', 'tray-cred-helper'), 'utf8');
  assert.match(
    launcher,
    new RegExp(`${join(prefix, 'lib', 'node_modules', 'tray-cred', 'dist', 'tray-cred-helper.cjs')}`),
  );
  assert.match(launcher, new RegExp(join(nodeDir, 'node')));
  const config = await readFile(join(home, '.aws', 'config'), 'utf8');
  assert.match(config, new RegExp(`credential_process = ${join(home, '.local', 'bin', 'tray-cred-helper')} dev`));
  for (const text of [launcher, config]) assert.ok(!text.includes(ROOT), text);
  t.diagnostic(`pack, offline install, setup and one audited call: ${Date.now() - started} ms`);
});

/**
 * An installation made by the build before issue 23's reorganisation keeps working with this
 * build, unchanged: fixtures/installed-861bc8b/ is what commit 861bc8b's own `tray-cred setup`,
 * `service install`, agent and helper left on a Linux machine (its make.sh made it; its README
 * says how). Its keychain entries go back into this test's keyring as that build filed them, its
 * files into a HOME of their own, and this build must read the vault and the audit chain, run
 * as the old units and launchers say, and carry the chain on.
 *
 * The launchers, the service unit and ~/.aws/config name the old build and the old HOME by
 * absolute path: the test moves both prefixes to this checkout and its temp HOME ("the new build
 * installed where the old one was"), and changes nothing else; the data directory is copied byte
 * for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { killGroup, spawnGroup, SYNC_LIMIT } from '../node/processes.ts';
import { AWS_CLI, DIST_BIN, NODE_BIN, ROOT, requireBuild, run, type RunResult } from './support.ts';

const FIXTURE = join(ROOT, 'test', 'e2e', 'fixtures', 'installed-861bc8b');
const ACTIVATE = '/usr/bin/systemd-socket-activate';
const UNITS = join('.config', 'systemd', 'user');
/** The files that name the build or HOME by path; everything else is copied as it is. */
const PLACED = [
  join('.local', 'bin', 'tray-cred'),
  join('.local', 'bin', 'tray-cred-helper'),
  join(UNITS, 'tray-cred-agent.service'),
  join('.aws', 'config'),
];
/** The audit log as the old build left it: make.sh ends with `tray-cred audit verify` saying so. */
const OLD_ENTRIES = 15;

/** fixture.json: where make.sh made the installation, and the modes git does not keep. */
interface Fixture {
  commit: string;
  checkout: string;
  home: string;
  runtimeDir: string;
  modes: Record<string, string>;
}

/** keychain.json: each entry as `secret-tool search` showed it after the old build wrote it. */
interface KeychainEntry {
  label: string;
  secret: string;
  attributes: Record<string, string>;
}

interface World {
  root: string;
  home: string;
  runtimeDir: string;
  env: NodeJS.ProcessEnv;
}

const fixture = JSON.parse(await readFile(join(FIXTURE, 'fixture.json'), 'utf8')) as Fixture;
const keychain = JSON.parse(await readFile(join(FIXTURE, 'keychain.json'), 'utf8')) as KeychainEntry[];

/** The entries go in with the old build's label and attributes, through libsecret rather than this build's keychain code. */
async function restoreKeychain(env: NodeJS.ProcessEnv): Promise<void> {
  for (const entry of keychain) {
    const attributes = Object.entries(entry.attributes).flat();
    const r = await run('secret-tool', ['store', `--label=${entry.label}`, ...attributes], {
      env,
      input: entry.secret,
    });
    assert.equal(r.status, 0, `secret-tool store ${attributes.join(' ')}: ${r.stderr}`);
  }
}

async function restoreHome(home: string): Promise<void> {
  await cp(join(FIXTURE, 'home'), home, { recursive: true });
  for (const file of PLACED) {
    const text = await readFile(join(FIXTURE, 'home', file), 'utf8');
    assert.ok(
      text.includes(fixture.checkout) || text.includes(fixture.home),
      `${file} names neither ${fixture.checkout} nor ${fixture.home}`,
    );
    await writeFile(join(home, file), text.replaceAll(fixture.checkout, ROOT).replaceAll(fixture.home, home));
  }
  // Deepest first, so a directory's mode cannot stop the files below it from being set.
  for (const [path, mode] of Object.entries(fixture.modes).sort(([a], [b]) => b.length - a.length))
    await chmod(join(home, path), Number.parseInt(mode, 8));
}

/**
 * The user's environment with nothing of tray-cred's own variables: the data directory, the
 * socket and the AWS config are found where the old build put them, from HOME and
 * XDG_RUNTIME_DIR alone.
 */
function userEnv(home: string, runtimeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|TRAY_CRED_|NODE_TEST_|NODE_OPTIONS$|BOTO_|XDG_CONFIG_HOME$)/.test(name)) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    PATH: `${NODE_BIN}:/usr/bin:/bin`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

/** The old `~/.local/bin/tray-cred` launcher. */
function trayCred(world: World, args: readonly string[]): Promise<RunResult> {
  return run(join(world.home, '.local', 'bin', 'tray-cred'), args, {
    env: world.env,
    cwd: world.home,
    killAfterMs: 60_000,
  });
}

async function auditEntries(world: World): Promise<AuditEntry[]> {
  const r = await trayCred(world, ['audit', '--json', '--limit', '1000']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** A unit file's settings of one name, in order. */
function settings(unit: string, name: string): string[] {
  return unit
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));
}

describe(`an installation made by ${fixture.commit.slice(0, 7)}, before the reorganisation`, () => {
  let world: World;

  before(async () => {
    requireBuild();
    const root = await mkdtemp('/tmp/tc-old-');
    const home = join(root, 'home');
    const runtimeDir = join(root, 'run');
    await mkdir(runtimeDir, { mode: 0o700 });
    world = { root, home, runtimeDir, env: userEnv(home, runtimeDir) };
    await restoreKeychain(world.env);
    await restoreHome(home);
  });

  after(async () => {
    if (world) await rm(world.root, { recursive: true, force: true });
  });

  test('its launcher lists the profiles and verifies the audit chain; its settings are read', async () => {
    const list = await trayCred(world, ['list']);
    assert.equal(list.status, 0, list.stderr);
    const rows = list.stdout.split('\n').filter(Boolean).slice(1);
    assert.deepEqual(
      rows.map((row) => row.split(/\s+/).slice(0, 2)),
      [
        ['dev', 'allow'],
        ['prod', 'ask'],
      ],
      list.stdout,
    );
    const verify = await trayCred(world, ['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stdout, `audit log verified: ${OLD_ENTRIES} entries in 1 file(s), chain intact\n`);
    const timeout = await trayCred(world, ['settings', 'approvalTimeoutSeconds']);
    assert.equal(timeout.stdout, '30\n', timeout.stderr);
  });

  test('its launchers and units run this build: the paths they name exist, and systemd accepts the units', async () => {
    for (const [name, bundle] of [
      ['tray-cred', 'tray-cred.mjs'],
      ['tray-cred-helper', 'tray-cred-helper.cjs'],
    ] as const) {
      const last = (await readFile(join(world.home, '.local', 'bin', name), 'utf8')).trimEnd().split('\n').at(-1)!;
      const words = [...last.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
      assert.deepEqual(words, [join(ROOT, 'node_modules', 'node', 'bin', 'node'), join(ROOT, 'dist', bundle)], last);
      for (const path of words) assert.ok(existsSync(path), `${name} runs ${path}, which this build does not have`);
      // The old README put dist/bin on PATH in a checkout, and `configure-aws` wrote the bare command name.
      assert.ok(existsSync(join(DIST_BIN, name)), `this build has no dist/bin/${name}`);
    }
    const service = await readFile(join(world.home, UNITS, 'tray-cred-agent.service'), 'utf8');
    const [node, script] = settings(service, 'ExecStart')[0]!.split(' ');
    assert.equal(script, join(ROOT, 'dist', 'tray-cred.mjs'));
    for (const path of [node!, script!])
      assert.ok(existsSync(path), `the service runs ${path}, which this build does not have`);
    const r = spawnSync('systemd-analyze', ['verify', '--user', 'tray-cred-agent.socket', 'tray-cred-agent.service'], {
      ...SYNC_LIMIT,
      cwd: join(world.home, UNITS),
      env: world.env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  test('the agent its units start serves the old launcher and the AWS CLI, and the audit chain goes on', async (t) => {
    const socketUnit = await readFile(join(world.home, UNITS, 'tray-cred-agent.socket'), 'utf8');
    const service = await readFile(join(world.home, UNITS, 'tray-cred-agent.service'), 'utf8');
    // As a user manager would: %t is XDG_RUNTIME_DIR, DirectoryMode=0700, and the unit's own Environment=.
    const socket = settings(socketUnit, 'ListenStream')[0]!.replace(/^%t/, world.runtimeDir);
    await mkdir(dirname(socket), { mode: 0o700, recursive: true });
    const environment = settings(service, 'Environment').map((e) => e.replace(/^"(.*)"$/, '$1'));
    const exec = settings(service, 'ExecStart')[0]!.split(' ');
    const pass = [...Object.keys(world.env), ...environment].flatMap((e) => ['-E', e]);
    const child = spawnGroup(ACTIVATE, [...pass, '-l', socket, ...exec], {
      env: world.env,
      cwd: world.home,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    t.after(async () => {
      child.kill('SIGTERM');
      const guard = setTimeout(() => killGroup(child.pid), 15_000);
      await exited;
      clearTimeout(guard);
    });
    for (let i = 0; i < 300 && !/Listening on/.test(stderr); i += 1) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, /Listening on/, 'systemd-socket-activate did not open the socket');

    const dev = await run(join(world.home, '.local', 'bin', 'tray-cred-helper'), ['dev'], {
      env: world.env,
      cwd: world.home,
      killAfterMs: 60_000,
    });
    assert.equal(dev.status, 0, `${dev.stderr}\nagent: ${stderr}`);
    assert.deepEqual(JSON.parse(dev.stdout), {
      Version: 1,
      AccessKeyId: DEV_KEYS.accessKeyId,
      SecretAccessKey: DEV_KEYS.secretAccessKey,
    });
    // prod asks; the unit's --approver allows. The AWS CLI finds the launcher through the old ~/.aws/config.
    const prod = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'prod'], {
      env: world.env,
      cwd: world.home,
      killAfterMs: 60_000,
    });
    assert.equal(prod.status, 0, `${prod.stderr}\nagent: ${stderr}`);
    assert.deepEqual(JSON.parse(prod.stdout), {
      Version: 1,
      AccessKeyId: PROD_KEYS.accessKeyId,
      SecretAccessKey: PROD_KEYS.secretAccessKey,
    });
    assert.match(stderr, /handed in by the service manager/);
    child.kill('SIGTERM');
    await exited;

    const entries = await auditEntries(world);
    const added = entries.slice(OLD_ENTRIES).filter((e) => e.event === 'access');
    assert.deepEqual(
      added.map((e) => [e.profile, e.decision]),
      [
        ['dev', 'allowed'],
        ['prod', 'approved'],
      ],
      JSON.stringify(entries.map((e) => [e.seq, e.event])),
    );
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_, i) => i + 1),
    );
    const verify = await trayCred(world, ['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stdout, `audit log verified: ${entries.length} entries in 1 file(s), chain intact\n`);
  });
});

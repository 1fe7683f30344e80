/**
 * `tray-cred service install|status|uninstall` where no systemd user manager answers (as here,
 * and on a CI box or over SSH): the files are written, the commands to run are printed, a second
 * install changes nothing, and uninstall removes them. XDG_RUNTIME_DIR is a private temp dir so
 * that a user manager on the machine running the tests is never touched.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, testSandbox, type Sandbox } from './support.ts';
import { SYNC_LIMIT } from '../node/processes.ts';

async function serviceSandbox(sandbox: Sandbox): Promise<{ env: NodeJS.ProcessEnv; unitDir: string; runtime: string }> {
  const runtime = join(sandbox.root, 'run');
  await mkdir(runtime, { mode: 0o700 });
  // The default socket path: under XDG_RUNTIME_DIR, which the socket unit names %t.
  const env = {
    ...sandbox.env,
    XDG_CONFIG_HOME: join(sandbox.root, 'config'),
    XDG_RUNTIME_DIR: runtime,
    TRAY_CRED_SOCKET: undefined,
  };
  return { env, unitDir: join(sandbox.root, 'config', 'systemd', 'user'), runtime };
}

const START = 'systemctl --user daemon-reload\n  systemctl --user enable --now tray-cred-agent.socket';

test('service install --dry-run prints both units and the commands, and writes nothing', async (t) => {
  const { sandbox } = await testSandbox(t);
  const { env, unitDir } = await serviceSandbox(sandbox);
  const r = spawnSync(
    join(ROOT, 'dist', 'bin', 'tray-cred'),
    ['service', 'install', '--dry-run', '--approver', 'zenity --question', '--idle-exit', '30'],
    { ...SYNC_LIMIT, env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`would write ${join(unitDir, 'tray-cred-agent.socket')}:\n\\[Unit\\]`));
  assert.match(r.stdout, /^ListenStream=%t\/tray-cred\/agent\.sock$/m);
  assert.match(
    r.stdout,
    /^ExecStart=\/\S+ \/\S+\/dist\/tray-cred\.mjs agent --approver "zenity --question" --idle-exit 30$/m,
  );
  assert.match(r.stdout, new RegExp(`^Environment="TRAY_CRED_HOME=${sandbox.home}"$`, 'm'));
  assert.ok(r.stdout.includes(`would then run:\n  ${START}`), r.stdout);
  assert.equal(existsSync(unitDir), false);
});

test('service install with no user manager writes units systemd accepts, prints the commands, and a second run changes nothing', async (t) => {
  const { sandbox } = await testSandbox(t);
  const { env, unitDir, runtime } = await serviceSandbox(sandbox);
  const tc = (...args: string[]): SpawnSyncReturns<string> =>
    spawnSync(join(ROOT, 'dist', 'bin', 'tray-cred'), args, { ...SYNC_LIMIT, env, encoding: 'utf8' });
  const first = tc('service', 'install');
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^wrote .*tray-cred-agent\.socket$/m);
  assert.ok(
    first.stdout.includes(`no systemd user manager answers here`) && first.stdout.includes(`run:\n  ${START}\n`),
    first.stdout,
  );
  const socketUnit = join(unitDir, 'tray-cred-agent.socket');
  const before = readFileSync(socketUnit, 'utf8');
  const mtime = statSync(socketUnit).mtimeMs;
  const verify = spawnSync(
    'systemd-analyze',
    ['verify', '--user', 'tray-cred-agent.socket', 'tray-cred-agent.service'],
    { ...SYNC_LIMIT, cwd: unitDir, env: { ...process.env, XDG_RUNTIME_DIR: runtime }, encoding: 'utf8' },
  );
  assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);

  const second = tc('service', 'install');
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /installed and up to date, nothing changed/);
  assert.doesNotMatch(second.stdout, /^wrote /m);
  assert.equal(readFileSync(socketUnit, 'utf8'), before);
  assert.equal(statSync(socketUnit).mtimeMs, mtime);

  const status = tc('service', 'status');
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /^installed: .*tray-cred-agent\.service$/m);
  assert.match(status.stdout, /^enabled: unknown \(no service manager answers here\)$/m);
  assert.match(status.stdout, /^agent: none answers on .*\/run\/tray-cred\/agent\.sock$/m);

  const gone = tc('service', 'uninstall');
  assert.equal(gone.status, 0, gone.stderr);
  assert.match(gone.stdout, /^removed .*tray-cred-agent\.service$/m);
  assert.equal(existsSync(socketUnit), false);
  assert.equal(existsSync(join(unitDir, 'tray-cred-agent.service')), false);
  assert.match(tc('service', 'uninstall').stdout, /not installed: nothing to remove/);
});

test('service install refuses an idle time that is not a number of minutes, and writes nothing', async (t) => {
  const { sandbox } = await testSandbox(t);
  const { env, unitDir } = await serviceSandbox(sandbox);
  const r = spawnSync(join(ROOT, 'dist', 'bin', 'tray-cred'), ['service', 'install', '--idle-exit', '5m'], {
    ...SYNC_LIMIT,
    env,
    encoding: 'utf8',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--idle-exit takes a number of minutes above 0/);
  assert.equal(existsSync(unitDir), false);
});

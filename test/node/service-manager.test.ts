/**
 * installService/uninstallService against a stand-in for the service manager's command line (the
 * RunCommand port): what runs when a user manager answers, in which order, and what a failure
 * says. The real systemctl, with no manager, is exercised by test/e2e/service-command.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EnvironmentError } from '../../main/core/errors.ts';
import type { CommandResult } from '../../main/node/platform/run-command.ts';
import { installService, uninstallService } from '../../main/node/service/service-manager.ts';
import type { ServicePlace } from '../../main/node/service/service-files.ts';

async function world(t: TestContext, platform: NodeJS.Platform, fail?: RegExp) {
  const home = await mkdtemp('/tmp/tc-svc-');
  t.after(() => rm(home, { recursive: true, force: true }));
  const place: ServicePlace = {
    env: { XDG_RUNTIME_DIR: '/run/user/1000' },
    platform,
    home,
    uid: 1000,
    node: process.execPath,
    script: '/opt/tray-cred/dist/tray-cred.mjs',
    dataDir: join(home, 'data'),
    socket: '/run/user/1000/tray-cred/agent.sock',
  };
  const ran: string[] = [];
  const run = (argv: readonly string[]): Promise<CommandResult> => {
    const line = argv.join(' ');
    if (line === 'systemctl --user is-system-running')
      return Promise.resolve({ status: 0, stdout: 'running\n', stderr: '' });
    ran.push(line);
    if (fail?.test(line))
      return Promise.resolve({ status: 1, stdout: '', stderr: 'Failed to enable unit: Access denied\n' });
    return Promise.resolve({ status: 0, stdout: '', stderr: '' });
  };
  const out: string[] = [];
  return { place, run, ran, out, options: { place, run, out: (l: string) => out.push(l) } };
}

test('with a user manager: install reloads and enables the socket, a second install only re-enables, uninstall disables then removes', async (t) => {
  const w = await world(t, 'linux');
  const first = await installService({ ...w.options, agentArgs: ['--approver', 'true'], dryRun: false });
  assert.equal(first.started, true);
  assert.deepEqual(w.ran, ['systemctl --user daemon-reload', 'systemctl --user enable --now tray-cred-agent.socket']);
  const unit = join(w.place.home, '.config', 'systemd', 'user', 'tray-cred-agent.service');
  assert.ok(existsSync(unit));
  w.ran.length = 0;
  const second = await installService({ ...w.options, agentArgs: ['--approver', 'true'], dryRun: false });
  assert.deepEqual(second.changed, []);
  assert.deepEqual(w.ran, ['systemctl --user daemon-reload', 'systemctl --user enable --now tray-cred-agent.socket']);
  w.ran.length = 0;
  await uninstallService({ ...w.options, dryRun: false });
  assert.deepEqual(w.ran, [
    'systemctl --user disable --now tray-cred-agent.socket tray-cred-agent.service',
    'systemctl --user daemon-reload',
  ]);
  assert.equal(existsSync(unit), false);
});

test('a failing systemctl is a set-up error that names the command and its reason', async (t) => {
  const w = await world(t, 'linux', /enable/);
  await assert.rejects(
    installService({ ...w.options, agentArgs: [], dryRun: false }),
    (e: unknown) =>
      e instanceof EnvironmentError &&
      /^`systemctl --user enable --now tray-cred-agent\.socket` failed \(Failed to enable unit: Access denied\): fix that/.test(
        e.message,
      ),
  );
});

test('macOS (logic only; launchctl is not run here): the plist in ~/Library/LaunchAgents, loaded once, and loaded again only when it changed', async (t) => {
  const w = await world(t, 'darwin');
  await installService({ ...w.options, agentArgs: [], dryRun: false });
  const plist = join(w.place.home, 'Library', 'LaunchAgents', 'io.github.tray-cred.agent.plist');
  assert.ok(existsSync(plist));
  // Whatever an older install loaded under the label goes first (its failure, when nothing was loaded, is ignored).
  const load = ['launchctl bootout gui/1000/io.github.tray-cred.agent', `launchctl bootstrap gui/1000 ${plist}`];
  assert.deepEqual(w.ran, load);
  w.ran.length = 0;
  await installService({ ...w.options, agentArgs: [], dryRun: false });
  assert.deepEqual(w.ran, [], 'unchanged: nothing to load again');
  await installService({ ...w.options, agentArgs: ['--idle-exit', '5'], dryRun: false });
  assert.deepEqual(w.ran, load);
});

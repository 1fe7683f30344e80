import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { runInstallHelperFlow } = await import('../../main/electron/install-helper-flow.ts');
const fs = new NodeFileSystem(process.getuid?.());

describe('tray menu: Install command-line helper…', () => {
  let home: string;
  let helper: string;
  let cli: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    electron.reset();
    home = await mkdtemp(join(tmpdir(), 'tc-install-flow-'));
    // A stand-in for the package's resources: the single executable (any non-.cjs file is linked, not wrapped),
    // tray-cred linked to it, and the CLI's bundle in cli/.
    const resources = join(home, 'app', 'resources');
    await mkdir(join(resources, 'bin'), { recursive: true });
    await mkdir(join(resources, 'cli'));
    helper = join(resources, 'bin', 'tray-cred-helper');
    await writeFile(helper, '#!/bin/sh\necho helper\n', { mode: 0o755 });
    cli = join(resources, 'bin', 'tray-cred');
    await symlink('tray-cred-helper', cli);
    await writeFile(join(resources, 'cli', 'tray-cred.mjs'), '// the CLI\n');
    env = {
      PATH: '/usr/bin:/bin',
      AWS_CONFIG_FILE: join(home, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    };
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('installs nothing without consent', async () => {
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => ['dev'],
      env,
      home,
    });
    const box = await electron.dialog.untilShown();
    assert.equal(box.options.message, 'Install the command-line helper?');
    assert.equal(box.options.cancelId, 0);
    box.click('Cancel');
    await flow;
    await assert.rejects(lstat(join(home, '.local', 'bin', 'tray-cred-helper')), { code: 'ENOENT' });
    assert.equal(electron.dialog.boxes.length, 1);
  });

  it('links the helper, says the folder is not on PATH, and adds credential_process lines with a backup', async () => {
    await writeFile(env.AWS_CONFIG_FILE!, '[profile dev]\nregion = eu-west-1\n');
    await writeFile(
      env.AWS_SHARED_CREDENTIALS_FILE!,
      '[prod]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = x\n',
    );
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => ['dev', 'prod'],
      env,
      home,
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const offer = await electron.dialog.untilShown(2);
    assert.equal(await readlink(join(home, '.local', 'bin', 'tray-cred-helper')), helper);
    assert.equal(await readlink(join(home, '.local', 'bin', 'tray-cred')), cli, 'the CLI beside it');
    assert.match(offer.options.detail!, /is installed\./);
    assert.ok(offer.options.detail!.includes(`${join(home, '.local', 'bin')} is not on your PATH`));
    assert.match(offer.options.detail!, /for: dev, prod\?/);
    offer.click('Add the lines');
    const done = await electron.dialog.untilShown(3);
    done.click('OK');
    await flow;
    const config = await readFile(env.AWS_CONFIG_FILE!, 'utf8');
    const installed = join(home, '.local', 'bin', 'tray-cred-helper');
    assert.ok(config.includes(`[profile dev]\nregion = eu-west-1\ncredential_process = ${installed} dev\n`), config);
    assert.ok(config.includes(`[profile prod]\ncredential_process = ${installed} prod\n`), config);
    assert.match(done.options.detail!, /Backup: .*aws-config\.tray-cred-backup-/);
    assert.equal(done.options.type, 'warning', 'prod still has plaintext keys that the CLI reads first');
    assert.match(done.options.detail!, /plaintext .*: prod\./);
  });

  it('while locked it installs the helper and says how to add the lines later', async () => {
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => {
        throw Object.assign(new Error('tray-cred is locked'), { code: 'LOCKED' });
      },
      env,
      home,
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const info = await electron.dialog.untilShown(2);
    assert.match(info.options.detail!, /tray-cred configure-aws/);
    info.click('OK');
    await flow;
    assert.ok((await lstat(join(home, '.local', 'bin', 'tray-cred-helper'))).isSymbolicLink());
  });

  it('a file it did not create is refused with the fix, and left alone', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(home, '.local', 'bin'), { recursive: true });
    await writeFile(join(home, '.local', 'bin', 'tray-cred-helper'), 'mine\n');
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => ['dev'],
      env,
      home,
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const error = await electron.dialog.untilShown(2);
    assert.match(`${error.options.message} ${error.options.detail}`, /rm '/);
    if (!error.closed) error.click((error.options.buttons ?? ['OK'])[0]!);
    await flow;
    assert.equal(await readFile(join(home, '.local', 'bin', 'tray-cred-helper'), 'utf8'), 'mine\n');
  });

  it("from an AppImage it copies the helper out of the app's temporary mount and links the copy", async () => {
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => [],
      env: { ...env, APPIMAGE: '/home/ann/Apps/tray-cred.AppImage' },
      home,
    });
    (await electron.dialog.untilShown(1)).click('Install');
    (await electron.dialog.untilShown(2)).click('OK');
    await flow;
    const copy = join(home, '.local', 'share', 'tray-cred', 'bin', 'tray-cred-helper');
    assert.equal(await readlink(join(home, '.local', 'bin', 'tray-cred-helper')), copy);
    assert.equal(await readFile(copy, 'utf8'), '#!/bin/sh\necho helper\n');
    assert.equal((await lstat(copy)).mode & 0o777, 0o755);
    // The CLI: a link to the copy, with the bundle where the executable looks for it (bin/../cli).
    const share = join(home, '.local', 'share', 'tray-cred');
    assert.equal(await readlink(join(home, '.local', 'bin', 'tray-cred')), join(share, 'bin', 'tray-cred'));
    assert.equal(await readlink(join(share, 'bin', 'tray-cred')), 'tray-cred-helper');
    assert.equal(await readFile(join(share, 'cli', 'tray-cred.mjs'), 'utf8'), '// the CLI\n');
  });

  it("refuses to link into macOS's temporary copy of a downloaded app, and says to move it to Applications", async () => {
    const translocated =
      '/private/var/folders/x/AppTranslocation/ABC/d/tray-cred.app/Contents/Resources/bin/tray-cred-helper';
    const flow = runInstallHelperFlow({
      fs,
      helperPath: translocated,
      cliPath: cli,
      profiles: async () => [],
      env,
      home,
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const error = await electron.dialog.untilShown(2);
    assert.match(error.options.detail!, /move tray-cred to Applications/);
    error.click('OK');
    await flow;
    await assert.rejects(lstat(join(home, '.local', 'bin', 'tray-cred-helper')), { code: 'ENOENT' });
  });

  it('on Windows says the installer put the commands on Path instead of offering ~/.local/bin', async () => {
    electron.reset({ platform: 'win32' });
    const flow = runInstallHelperFlow({
      fs,
      helperPath: 'C:\\Users\\Ann\\AppData\\Local\\Programs\\tray-cred\\resources\\bin\\tray-cred-helper.exe',
      cliPath: 'C:\\Users\\Ann\\AppData\\Local\\Programs\\tray-cred\\resources\\bin\\tray-cred.cmd',
      profiles: async () => ['dev'],
      env,
      home,
      platform: 'win32',
    });
    const box = await electron.dialog.untilShown();
    assert.equal(box.options.message, 'The commands are on your Path');
    assert.match(box.options.detail!, /The installer put their folder \(.*resources\\bin\) on your user Path/);
    box.click('OK');
    await flow;
    await assert.rejects(lstat(join(home, '.local')), { code: 'ENOENT' });
  });

  it('on macOS writes the absolute path into credential_process (apps from the Dock get a minimal PATH) and names ~/.zprofile', async () => {
    electron.reset({ platform: 'darwin' });
    await writeFile(env.AWS_CONFIG_FILE!, '[profile dev]\nregion = eu-west-1\n');
    const flow = runInstallHelperFlow({
      fs,
      helperPath: helper,
      cliPath: cli,
      profiles: async () => ['dev'],
      env,
      home,
      platform: 'darwin',
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const offer = await electron.dialog.untilShown(2);
    const command = join(home, '.local', 'bin', 'tray-cred-helper');
    // The menu item is how a Mac gets the CLI on PATH: tray-cred beside the helper.
    assert.equal(await readlink(join(home, '.local', 'bin', 'tray-cred')), cli);
    assert.match(offer.options.detail!, /~\/\.zprofile/);
    assert.ok(offer.options.detail!.includes(`"credential_process = ${command} <profile>"`), offer.options.detail);
    offer.click('Add the lines');
    (await electron.dialog.untilShown(3)).click('OK');
    await flow;
    assert.match(
      await readFile(env.AWS_CONFIG_FILE!, 'utf8'),
      new RegExp(`^credential_process = ${command.replace(/[.]/g, '\\.')} dev$`, 'm'),
    );
  });

  it('refuses to link into the disk image it was opened from (/Volumes), and says to drag it to Applications', async () => {
    const flow = runInstallHelperFlow({
      fs,
      helperPath: '/Volumes/tray-cred 1.0.0/tray-cred.app/Contents/Resources/bin/tray-cred-helper',
      cliPath: '/Volumes/tray-cred 1.0.0/tray-cred.app/Contents/Resources/bin/tray-cred',
      profiles: async () => [],
      env,
      home,
      platform: 'darwin',
    });
    (await electron.dialog.untilShown(1)).click('Install');
    const error = await electron.dialog.untilShown(2);
    assert.match(
      `${error.options.message}\n${error.options.detail ?? ''}`,
      /runs from its disk image, which is gone once ejected: drag tray-cred to Applications/,
    );
    error.click('OK');
    await flow;
    await assert.rejects(lstat(join(home, '.local', 'bin', 'tray-cred-helper')), { code: 'ENOENT' });
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SETTINGS_DEFAULTS } from '../../main/core/settings.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { TRAY_CRED, run } from '../e2e/support.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppSettings, canStartAtLogin } = await import('../../main/electron/settings.ts');
const { setMinimalMenu } = await import('../../main/electron/app-menu.ts');

describe('AppSettings', () => {
  let dir: string;
  let warnings: string[];
  const open = (platform: NodeJS.Platform = 'linux') =>
    new AppSettings(dir, {
      platform,
      env: { XDG_CONFIG_HOME: join(dir, 'config'), APPIMAGE: '/home/ann/Apps/tray-cred.AppImage' },
      warn: (m) => warnings.push(m),
    });
  beforeEach(async () => {
    electron.reset();
    warnings = [];
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-settings-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts from the defaults: idle lock 15 min, unlock on request, notifications, Touch ID on; start at login off; standard data dir; no forwarding to the system log', () => {
    const s = open();
    assert.deepEqual(
      Object.fromEntries(Object.keys(SETTINGS_DEFAULTS).map((k) => [k, s.get(k as keyof typeof SETTINGS_DEFAULTS)])),
      {
        idleLockMinutes: 15,
        unlockOnRequest: true,
        notifications: true,
        touchId: true,
        startAtLogin: false,
        dataDir: '',
        forwardToSystemLog: false,
        approvalTimeoutSeconds: 50,
      },
    );
  });

  it('keeps what is set in settings.json in the data directory, for the next start', async () => {
    open().set('idleLockMinutes', 60);
    const stored = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'));
    assert.equal(stored.idleLockMinutes, 60);
    assert.equal(open().get('idleLockMinutes'), 60);
  });

  it('refuses a value outside the schema', () => {
    const s = open();
    assert.throws(() => s.set('idleLockMinutes', 7 as never), /idleLockMinutes/);
    assert.equal(s.get('idleLockMinutes'), 15);
  });

  it('refuses to start from an edited settings.json that breaks the schema, naming the key', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ idleLockMinutes: 'never' }));
    assert.throws(() => open(), /idleLockMinutes/);
  });

  it('tells listeners of a change', () => {
    const s = open();
    let calls = 0;
    s.onChange(() => calls++);
    s.set('notifications', false);
    assert.equal(calls, 1);
  });

  it('applies start at login through login items on macOS and Windows', async () => {
    open('darwin').set('startAtLogin', true);
    open('win32').set('startAtLogin', false);
    // Applied in order, after any change still being applied.
    await until('both applied', () => electron.app.loginItems.length === 2);
    assert.deepEqual(electron.app.loginItems, [{ openAtLogin: true }, { openAtLogin: false }]);
  });

  it('applies start at login on Linux as an XDG autostart entry that runs the AppImage, and removes it', async () => {
    const entry = join(dir, 'config', 'autostart', 'tray-cred.desktop');
    const settings = open('linux');
    settings.set('startAtLogin', true);
    for (let i = 0; i < 100 && !(await stat(entry).catch(() => undefined)); i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.match(await readFile(entry, 'utf8'), /^Exec=\/home\/ann\/Apps\/tray-cred\.AppImage$/m);
    settings.set('startAtLogin', false);
    for (let i = 0; i < 100 && (await stat(entry).catch(() => undefined)); i++)
      await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(stat(entry), { code: 'ENOENT' });
    assert.deepEqual(electron.app.loginItems, []);
    assert.deepEqual(warnings, []);
    assert.equal(canStartAtLogin('linux'), true);
  });

  it('keeps settings.json private (0600)', async () => {
    open().set('notifications', false);
    assert.equal((await stat(join(dir, 'settings.json'))).mode & 0o777, 0o600);
  });

  it('hears a setting changed by the CLI in settings.json (watch), so a running tray applies it', async () => {
    const s = open();
    let calls = 0;
    s.onChange(() => calls++);
    const file = join(dir, 'settings.json');
    s.set('notifications', true); // the file exists
    calls = 0;
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, idleLockMinutes: 60 }));
    for (let i = 0; i < 400 && calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(calls >= 1, 'onChange fired');
    assert.equal(s.get('idleLockMinutes'), 60);
    s.close();
  });

  /** `tray-cred settings startAtLogin on|off`, the real CLI on this data directory, as a user types it in a terminal. */
  async function cli(value: 'on' | 'off'): Promise<void> {
    const r = await run(TRAY_CRED, ['settings', 'startAtLogin', value], {
      env: { PATH: process.env.PATH, HOME: dir, TRAY_CRED_HOME: dir },
    });
    assert.equal(r.status, 0, r.stderr);
  }
  const autostart = () => join(dir, 'config', 'autostart', 'tray-cred.desktop');
  const exists = (file: string) =>
    stat(file).then(
      () => true,
      () => false,
    );
  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(await check(), what);
  }

  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    it(`on ${platform}, applies a start at login set by the CLI while the tray runs (the file watch)`, async () => {
      electron.reset({ platform });
      const s = open(platform);
      try {
        await s.syncStartAtLogin();
        await cli('on');
        if (platform === 'linux') await until('the autostart entry was written', () => exists(autostart()));
        else await until('the login item was set', () => electron.app.loginItemState.openAtLogin);
        await cli('off');
        if (platform === 'linux')
          await until('the autostart entry was removed', async () => !(await exists(autostart())));
        else await until('the login item was removed', () => !electron.app.loginItemState.openAtLogin);
        assert.equal(s.get('startAtLogin'), false);
        assert.deepEqual(warnings, []);
      } finally {
        s.close();
      }
    });
  }

  for (const platform of ['darwin', 'win32'] as const) {
    it(`on ${platform}, a start at login set by the CLI while the app was not running is applied at the next start, not reverted`, async () => {
      electron.reset({ platform });
      const ran = open(platform);
      await ran.syncStartAtLogin();
      ran.close();
      await cli('on');
      const s = open(platform);
      await s.syncStartAtLogin();
      assert.equal(s.get('startAtLogin'), true);
      assert.deepEqual(electron.app.loginItems, [{ openAtLogin: true }]);
      // Then the user removes it in System Settings: the next start adopts that.
      electron.app.loginItemState = {
        openAtLogin: false,
        status: platform === 'darwin' ? 'not-registered' : undefined,
      };
      const next = open(platform);
      await next.syncStartAtLogin();
      assert.equal(next.get('startAtLogin'), false);
      assert.deepEqual(electron.app.loginItems, [{ openAtLogin: true }], 'nothing written');
      s.close();
      next.close();
    });
  }

  it('on Linux, a start at login turned off by the CLI while the app was not running removes the autostart entry at the next start', async () => {
    const ran = open('linux');
    ran.set('startAtLogin', true);
    await until('the autostart entry was written', () => exists(autostart()));
    ran.close();
    await cli('off');
    const s = open('linux');
    await s.syncStartAtLogin();
    assert.equal(await exists(autostart()), false);
    s.close();
  });

  for (const platform of ['darwin', 'win32'] as const) {
    it(`on ${platform}, a start adopts the OS's login item and never removes one the user set`, async () => {
      electron.reset({ platform });
      electron.app.loginItemState = { openAtLogin: true, status: 'enabled' };
      const s = open(platform);
      await s.syncStartAtLogin();
      assert.equal(s.get('startAtLogin'), true);
      assert.deepEqual(electron.app.loginItems, [], 'nothing written at start');
      // macOS 13+: registered but waiting for the user's approval in System Settings is not on yet.
      electron.app.loginItemState = {
        openAtLogin: true,
        status: platform === 'darwin' ? 'requires-approval' : undefined,
      };
      await s.syncStartAtLogin();
      assert.equal(s.get('startAtLogin'), platform !== 'darwin');
      assert.deepEqual(electron.app.loginItems, []);
    });
  }
});

describe('the application menu', () => {
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    it(`on ${platform} has no Reload or Toggle Developer Tools`, () => {
      electron.reset({ platform });
      assert.ok(
        JSON.stringify(electron.Menu.applicationMenu?.template).includes('Toggle Developer Tools'),
        "Electron's default has them",
      );
      setMinimalMenu(platform);
      const menu = electron.Menu.applicationMenu;
      if (platform === 'darwin') assert.deepEqual(menu?.template, [{ role: 'appMenu' }, { role: 'editMenu' }]);
      else assert.equal(menu, null);
    });
  }
});

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SETTINGS_DEFAULTS } from '../../main/core/settings.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppSettings, canStartAtLogin } = await import('../../main/electron/settings.ts');

describe('AppSettings', () => {
  let dir: string;
  let warnings: string[];
  const open = (platform: NodeJS.Platform = 'linux') => new AppSettings(dir, { platform, env: { XDG_CONFIG_HOME: join(dir, 'config'), APPIMAGE: '/home/ann/Apps/tray-cred.AppImage' }, warn: (m) => warnings.push(m) });
  beforeEach(async () => {
    electron.reset();
    warnings = [];
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-settings-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts from the defaults: idle lock 15 min, unlock on request, notifications, Touch ID on; start at login off; standard data dir; no forwarding to the system log', () => {
    const s = open();
    assert.deepEqual(Object.fromEntries(Object.keys(SETTINGS_DEFAULTS).map((k) => [k, s.get(k as keyof typeof SETTINGS_DEFAULTS)])), {
      idleLockMinutes: 15, unlockOnRequest: true, notifications: true, touchId: true, startAtLogin: false, dataDir: '', forwardToSystemLog: false, approvalTimeoutSeconds: 50,
    });
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
    assert.deepEqual(electron.app.loginItems, [{ openAtLogin: true }, { openAtLogin: false }]);
  });

  it('applies start at login on Linux as an XDG autostart entry that runs the AppImage, and removes it', async () => {
    const entry = join(dir, 'config', 'autostart', 'tray-cred.desktop');
    const settings = open('linux');
    settings.set('startAtLogin', true);
    for (let i = 0; i < 100 && !(await stat(entry).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 5));
    assert.match(await readFile(entry, 'utf8'), /^Exec=\/home\/ann\/Apps\/tray-cred\.AppImage$/m);
    settings.set('startAtLogin', false);
    for (let i = 0; i < 100 && (await stat(entry).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(stat(entry), { code: 'ENOENT' });
    assert.deepEqual(electron.app.loginItems, []);
    assert.deepEqual(warnings, []);
    assert.equal(canStartAtLogin('linux'), true);
  });

  it('keeps settings.json private (0600)', async () => {
    open().set('notifications', false);
    assert.equal((await stat(join(dir, 'settings.json'))).mode & 0o777, 0o600);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/admin.ts';
import { HistoryIndex } from '../../main/core/history-index.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { DEV_KEYS, PROD_KEYS, makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppTray, trayIconFile } = await import('../../main/electron/tray.ts');
const { trayHandlers } = await import('../../main/electron/tray-handlers.ts');
const { AppSettings } = await import('../../main/electron/settings.ts');
const { DialogApprover } = await import('../../main/electron/dialog-approver.ts');

const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/home/ann' };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

describe('AppTray', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let approver: InstanceType<typeof DialogApprover>;
  let settings: InstanceType<typeof AppSettings>;
  let tray: InstanceType<typeof AppTray>;
  const opened: string[] = [];
  const quits: number[] = [];

  function makeTray(platform: NodeJS.Platform = 'linux'): InstanceType<typeof AppTray> {
    const history = new HistoryIndex({ fs: w.fs }, w.audit.dir);
    return new AppTray({
      broker: w.broker,
      prompts: approver,
      audit: w.audit,
      recent: async () => {
        await history.refresh();
        return history.recent(5);
      },
      settings,
      iconDir: '/app/tray',
      platform,
      warn: (m) => assert.fail(m),
      handlers: trayHandlers({
        broker: w.broker,
        settings,
        windows: { show: (kind) => opened.push(kind) },
        unlock: () => w.broker.unlock(),
        installHelper: async () => undefined,
        quit: () => quits.push(1),
        warn: (m) => assert.fail(m),
      }),
    });
  }
  const native = () => electron.Tray.instances.at(-1)!;
  const icon = () => basename(native().image.path);
  const labels = () => native().menu!.template.map((i) => i.label ?? '---');

  beforeEach(async () => {
    electron.reset();
    opened.length = 0;
    approver = new DialogApprover();
    w = await makeWorld({ approver });
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['dev', DEV_KEYS], ['prod', PROD_KEYS]]), { replace: false, source: 'test', sessionMode: false });
    settings = new AppSettings(join(w.dir, 'data'), { platform: 'linux', env: { XDG_CONFIG_HOME: join(w.dir, 'config') }, warn: (m) => assert.fail(m) });
    tray = makeTray();
  });
  afterEach(async () => {
    tray.destroy();
    await w.close();
  });

  it('names the icon file per state, theme and platform', () => {
    assert.equal(trayIconFile('locked', 'linux', false), 'tray-locked.png');
    assert.equal(trayIconFile('unlocked', 'win32', true), 'tray-unlocked-dark.png');
    assert.equal(trayIconFile('pending', 'darwin', true), 'tray-pendingTemplate.png');
  });

  it('shows locked, then unlocked after Unlock is clicked, then locked again after Lock, with the audit entries', async () => {
    assert.equal(icon(), 'tray-locked.png');
    assert.equal(native().image.path, join('/app/tray', 'tray-locked.png'));
    assert.equal(native().tooltip, 'tray-cred: locked');
    electron.clickMenu(native().menu, 'Unlock');
    await until('unlocked icon', () => icon() === 'tray-unlocked.png');
    assert.equal(labels()[0], 'Lock');
    assert.equal(native().tooltip, 'tray-cred: unlocked, 2 profile(s)');
    electron.clickMenu(native().menu, 'Lock');
    await until('locked icon', () => icon() === 'tray-locked.png');
    assert.equal(labels()[0], 'Unlock');
    const events = (await w.entries()).map((e) => [e.event, e.reason ?? '']);
    assert.deepEqual(events.slice(-2), [['unlock', ''], ['lock', 'locked from the tray menu']]);
  });

  it('shows the waiting icon and item while a prompt is open, and the access under recent ones once answered', async () => {
    await w.broker.unlock();
    const pending = w.handle({ v: 1, id: 'r1', op: 'credentials', profile: 'prod', caller });
    const box = await electron.dialog.untilShown();
    assert.equal(icon(), 'tray-pending.png');
    assert.ok(labels().includes('Waiting for approval: prod (aws s3 ls)'), labels().join(' | '));
    assert.match(native().tooltip, /1 request waiting for approval/);
    box.click('Allow once');
    assert.ok((await pending).ok);
    await until('recent access', () => labels().some((l) => l.startsWith('prod — aws s3 ls — approved — ')));
    assert.equal(icon(), 'tray-unlocked.png');
    assert.ok(!labels().some((l) => l.startsWith('Waiting')));
    electron.clickMenu(native().menu, labels().find((l) => l.startsWith('prod — '))!);
    assert.deepEqual(opened, ['history']);
  });

  it('switches to the light icon when the theme turns dark', () => {
    electron.nativeTheme.shouldUseDarkColors = true;
    electron.nativeTheme.emit('updated');
    assert.equal(icon(), 'tray-locked-dark.png');
  });

  it('uses template images on macOS', () => {
    tray.destroy();
    tray = makeTray('darwin');
    assert.equal(icon(), 'tray-lockedTemplate.png');
    assert.equal(native().image.template, true);
  });

  it('stores the idle lock chosen in the radio group in settings.json and checks it', async () => {
    electron.clickMenu(native().menu, '60 min');
    const stored = JSON.parse(await readFile(join(w.dir, 'data', 'settings.json'), 'utf8'));
    assert.equal(stored.idleLockMinutes, 60);
    const idle = native().menu!.template.find((i) => i.label === 'Lock after idle')!.submenu!;
    assert.deepEqual(idle.filter((i) => i.checked).map((i) => i.label), ['60 min']);
    electron.clickMenu(native().menu, 'Unlock when a request arrives');
    assert.equal(JSON.parse(await readFile(join(w.dir, 'data', 'settings.json'), 'utf8')).unlockOnRequest, false);
    assert.equal(electron.menuItem(native().menu, 'Unlock when a request arrives').checked, false);
  });

  it('opens the windows and quits from the menu', () => {
    electron.clickMenu(native().menu, 'Open Access History…');
    electron.clickMenu(native().menu, 'Profiles…');
    electron.clickMenu(native().menu, 'Quit');
    assert.deepEqual(opened, ['history', 'profiles']);
    assert.equal(quits.length, 1);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, it } from 'node:test';
import type { WebFrameMain } from 'electron';
import { CHANNELS } from '../../preload/api.ts';
import type { IpcServices } from '../../main/electron/ipc.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import type { FakeFrame } from '../fakes/electron-stand-in.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppWindows } = await import('../../main/electron/windows.ts');
const { registerIpc } = await import('../../main/electron/ipc.ts');

const pagesDir = '/opt/tray-cred/resources/app.asar/renderer';
const preload = '/opt/tray-cred/resources/app.asar/preload.cjs';
const asFrame = (f: FakeFrame | null) => f as unknown as WebFrameMain | null;

describe('AppWindows', () => {
  let windows: InstanceType<typeof AppWindows>;
  beforeEach(() => {
    electron.reset();
    windows = new AppWindows({ pagesDir, preload, devTools: false });
    windows.serve();
  });

  it('opens the history page sandboxed, isolated, without Node, with the preload, and shows it when ready', async () => {
    windows.show('history');
    const [win] = electron.BrowserWindow.instances;
    assert.deepEqual(win!.options.webPreferences, {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: false,
      preload,
    });
    assert.equal(win!.menuRemoved, true, 'no menu bar with Reload and Toggle Developer Tools');
    assert.equal(win!.options.show, false);
    assert.equal(win!.loaded, join(pagesDir, 'history.html'));
    assert.equal(win!.shown, 0);
    win!.emit('ready-to-show');
    assert.equal(win!.shown, 1);
  });

  it('prevents navigation, redirects, frame navigation and webviews, and denies new windows', () => {
    windows.show('profiles');
    const contents = electron.BrowserWindow.instances[0]!.webContents;
    assert.equal(contents.attempt('will-navigate', 'https://example.com/'), true);
    assert.equal(contents.attempt('will-frame-navigate'), true);
    assert.equal(contents.attempt('will-redirect', 'https://example.com/'), true);
    assert.equal(contents.attempt('will-attach-webview', {}, {}), true);
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.com/' }), { action: 'deny' });
  });

  it('denies every permission request and check', () => {
    windows.show('history');
    const session = electron.BrowserWindow.instances[0]!.webContents.session;
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      let granted: boolean | undefined;
      session.permissionRequestHandler!({}, permission, (g: boolean) => (granted = g), {});
      assert.equal(granted, false, permission);
      assert.equal(session.permissionCheckHandler!(null, permission, 'file://', {}), false, permission);
    }
  });

  it('keeps one window of each kind: opening again focuses (and restores) it', async () => {
    const first = windows.show('history');
    const win = electron.BrowserWindow.instances[0]!;
    win.minimized = true;
    assert.equal(windows.show('history'), first);
    assert.equal(electron.BrowserWindow.instances.length, 1);
    assert.equal(win.minimized, false);
    assert.equal(win.focused, 1);
    windows.show('profiles');
    assert.equal(electron.BrowserWindow.instances.length, 2);
    win.close();
    // As Electron: closing is asynchronous (a page may still cancel it).
    await new Promise((r) => setImmediate(r));
    windows.show('history');
    assert.equal(electron.BrowserWindow.instances.length, 3, 'a closed window is opened anew');
  });

  it('trusts only the top frame of its own two pages', () => {
    windows.show('history');
    const top = electron.BrowserWindow.instances[0]!.webContents.mainFrame;
    const own = pathToFileURL(join(pagesDir, 'profiles.html')).href;
    assert.equal(windows.isTrustedSender(asFrame(top)), true);
    assert.equal(windows.isTrustedSender(asFrame({ url: own, parent: null })), true);
    for (const url of [
      'file:///tmp/evil.html',
      'https://example.com/',
      `${own}#x`,
      `${own}?x=1`,
      pathToFileURL(join(pagesDir, 'other.html')).href,
    ]) {
      assert.equal(windows.isTrustedSender(asFrame({ url, parent: null })), false, url);
    }
    assert.equal(windows.isTrustedSender(asFrame({ url: own, parent: top })), false, 'a subframe, even of our URL');
    assert.equal(windows.isTrustedSender(null), false);
  });

  for (const dir of [
    '/opt/Ann 50%off/renderer',
    '/home/a^b|c/Applications/tray-cred/resources/app.asar/renderer',
    '/opt/50%25/renderer',
  ]) {
    it(`trusts its page loaded from ${dir} (loadFile's url.format and pathToFileURL write %, ^ and | differently)`, () => {
      const w = new AppWindows({ pagesDir: dir, preload, devTools: false });
      w.serve();
      w.show('profiles');
      const top = electron.BrowserWindow.instances.at(-1)!.webContents.mainFrame;
      assert.equal(w.isTrustedSender(asFrame(top)), true, top.url);
      // A folder really named "50%25" is ambiguous in a file URL (loadFile itself would read it as "50%"); the others match either way.
      if (!dir.includes('%25'))
        assert.equal(
          w.isTrustedSender(asFrame({ url: pathToFileURL(join(dir, 'profiles.html')).href, parent: null })),
          true,
        );
      assert.equal(
        w.isTrustedSender(
          asFrame({ url: pathToFileURL(join(dir, '..', 'other', 'profiles.html')).href, parent: null }),
        ),
        false,
      );
    });
  }

  it('with the IPC layer, refuses a call from a foreign frame and serves its own page', async () => {
    const service = { control: { state: () => ({ locked: true, pending: 0, profiles: 0 }) } } as unknown as IpcServices;
    const warnings: string[] = [];
    registerIpc(
      electron.ipcMain as never,
      service,
      { saveFile: async () => undefined, openFile: async () => undefined },
      (f) => windows.isTrustedSender(f),
      (m) => warnings.push(m),
    );
    const handle = electron.ipcMain.handlers.get(CHANNELS.stateGet)!;
    windows.show('history');
    const top = electron.BrowserWindow.instances[0]!.webContents.mainFrame;
    assert.deepEqual(await handle({ senderFrame: top }), {
      ok: true,
      value: { locked: true, pending: 0, profiles: 0 },
    });
    const refused = (await handle({ senderFrame: { url: 'https://example.com/', parent: null } })) as {
      ok: boolean;
      error: { code: string };
    };
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'FORBIDDEN');
    assert.equal(warnings.length, 1);
  });

  it('pushes *:changed to every open window', () => {
    windows.show('history');
    windows.show('profiles');
    windows.broadcast(CHANNELS.historyChanged);
    assert.deepEqual(
      electron.BrowserWindow.instances.map((w) => w.webContents.sent.map((s) => s.channel)),
      [[CHANNELS.historyChanged], [CHANNELS.historyChanged]],
    );
  });

  it('loads no page before the IPC it calls is registered: an approval that arrives while the app starts gets a live page', async () => {
    const starting = new AppWindows({ pagesDir, preload, devTools: false });
    const win = starting.show('approval') as unknown as InstanceType<typeof electron.BrowserWindow>;
    // What the page would meet if it loaded now (Electron's answer to a channel with no handler):
    await assert.rejects(
      electron.ipcMain.invokeFrom(win.webContents.mainFrame, CHANNELS.approvalGet),
      /No handler registered for 'approval:get'/,
    );
    assert.equal(win.loaded, undefined, 'the window is made, its page waits');
    const approval = { current: () => null, answer: () => undefined };
    registerIpc(
      electron.ipcMain as never,
      { approval } as unknown as IpcServices,
      { saveFile: async () => undefined, openFile: async () => undefined },
      (f, c) => starting.isTrustedSender(f, c),
      () => undefined,
    );
    starting.serve();
    assert.equal(win.loaded, join(pagesDir, 'approval.html'));
    assert.deepEqual(await electron.ipcMain.invokeFrom(win.webContents.mainFrame, CHANNELS.approvalGet), {
      ok: true,
      value: null,
    });
    // Electron refuses a second set of handlers (lib/browser/ipc-main-impl.ts): the IPC is registered once.
    assert.throws(
      () =>
        registerIpc(
          electron.ipcMain as never,
          { approval } as unknown as IpcServices,
          {} as never,
          () => true,
          () => undefined,
        ),
      /Attempted to register a second handler for 'state:get'/,
    );
  });
});

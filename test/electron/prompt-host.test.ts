/**
 * The boxes the tray still shows (errors, first run, the install flow): on macOS each is a sheet
 * on its own host window, because there a parentless box is modal, blocks the main process and
 * ignores its `signal` (the stand-in behaves so: it blocks this thread); elsewhere a plain box, which honours it.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { showMessageBox } = await import('../../main/electron/prompt-host.ts');

describe('message boxes per platform', () => {
  beforeEach(() => electron.reset({ platform: 'darwin' }));

  it('on macOS a parentless box blocks the main process until answered and ignores its signal (real Electron): the reason for the host window', async () => {
    const abort = new AbortController();
    let fired = 0;
    setTimeout(() => (fired = Date.now()), 10);
    electron.dialog.modalAnswer = { label: 'OK', afterMs: 200 };
    const started = Date.now();
    const shown = electron.dialog.showMessageBox({ message: 'parentless', buttons: ['OK'], signal: abort.signal });
    abort.abort();
    assert.deepEqual(await shown, { response: 0, checkboxChecked: false });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      fired - started >= 190,
      `a timer due after 10 ms fired only once the box was answered (${fired - started} ms)`,
    );
  });

  it('on macOS the boxes the tray shows do not block: a timer fires while one is open, and a signal closes it', async () => {
    const abort = new AbortController();
    const shown = showMessageBox(
      { message: 'tray-cred cannot start', buttons: ['OK'], signal: abort.signal },
      'darwin',
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(electron.dialog.open.length, 1, 'the box is still open while the timer fired');
    abort.abort();
    await shown;
    assert.equal(electron.dialog.boxes[0]!.closed, true);
  });

  it('on macOS shows each box as a sheet on its own empty host, which its signal closes and which is destroyed after', async () => {
    const abort = new AbortController();
    const shown = showMessageBox(
      { message: 'Install the command-line helper?', buttons: ['Cancel', 'Install'], signal: abort.signal },
      'darwin',
    );
    const box = await electron.dialog.untilShown(1);
    const host = box.parent as InstanceType<typeof electron.BrowserWindow>;
    assert.ok(host instanceof electron.BrowserWindow, 'the box was given a parent window');
    assert.equal(host.webContents.mainFrame.url, '', 'the host loads nothing');
    assert.deepEqual(
      [
        host.shown,
        host.centered,
        host.options.alwaysOnTop,
        host.options.webPreferences?.javascript,
        host.options.webPreferences?.sandbox,
      ],
      [1, true, true, false, true],
    );
    abort.abort();
    await shown;
    assert.equal(box.closed, true, 'the signal closes a sheet');
    assert.equal(host.destroyed, true);
  });

  for (const platform of ['win32', 'linux'] as const) {
    it(`on ${platform} shows a plain box, which its signal closes`, async () => {
      electron.reset({ platform });
      const abort = new AbortController();
      const shown = showMessageBox({ message: 'Done', buttons: ['OK'], signal: abort.signal }, platform);
      const plain = await electron.dialog.untilShown(1);
      assert.equal(plain.parent, undefined);
      abort.abort();
      await shown;
      assert.equal(plain.closed, true);
    });
  }
});

/**
 * Quit and shutdown as Electron runs them (the stand-in follows shell/browser/browser.cc and
 * power_observer_linux.cc): the agent's stop must be in the audit log before the process ends,
 * whether the person quits or the OS shuts down.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { stopAtQuit } = await import('../../main/electron/quit.ts');

for (const platform of ['linux', 'darwin'] as const) {
  describe(`quitting the tray app on ${platform}`, () => {
    let w: Awaited<ReturnType<typeof makeWorld>>;
    let order: string[];
    /** What the audit log held when the process ended. */
    let atEnd: Promise<string[]>;
    beforeEach(async () => {
      electron.reset({ platform });
      w = await makeWorld();
      await w.broker.unlock();
      order = [];
      stopAtQuit({
        saveSnapshot: async () => void order.push('snapshot'),
        // As AgentRuntime.stop: lock, then the stop entry, each a real write.
        stop: async (reason) => {
          await w.broker.lock(`agent stopped (${reason})`);
          await w.audit.append({ event: 'agent-stop', reason });
          order.push('stop recorded');
        },
        closeUi: () => order.push('ui closed'),
        warn: (m) => order.push(`warning: ${m}`),
      });
      for (const event of ['will-quit', 'quit'] as const) electron.app.on(event, () => order.push(event));
      atEnd = electron.app.untilEnded().then(() => [...order]);
    });
    afterEach(() => w.close());

    it('records the stop before the process ends when the OS shuts down (shutdown is prevented, then the app quits)', async () => {
      electron.shutDown();
      assert.deepEqual(await atEnd, ['ui closed', 'snapshot', 'stop recorded', 'will-quit', 'quit']);
      assert.equal(electron.app.ended, 'quit', 'the app ended the process itself, not the OS');
      assert.ok((await w.entries()).some((e) => e.event === 'agent-stop' && e.reason === 'quit from the tray'));
    });

    it('closes the windows, records the stop, and only then will-quit, quit and the end', async () => {
      const win = new electron.BrowserWindow({});
      win.on('closed', () => order.push('window closed'));
      electron.app.quit();
      assert.equal(electron.app.ended, undefined, 'the first quit is held back');
      const seen = await atEnd;
      assert.ok(seen.indexOf('stop recorded') < seen.indexOf('will-quit'), seen.join(', '));
      assert.ok(seen.indexOf('window closed') < seen.indexOf('will-quit'), seen.join(', '));
      assert.equal(electron.app.quitCalls, 2, 'quit once more after the stop');
      assert.equal(win.isDestroyed(), true);
    });
  });
}

describe("the stand-in's quit, as Electron's", () => {
  beforeEach(() => electron.reset());

  it('is called off by a window that prevents its close, and by a prevented will-quit', async () => {
    const win = new electron.BrowserWindow({});
    win.on('close', (event: { preventDefault(): void }) => event.preventDefault());
    electron.app.quit();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(electron.app.ended, undefined);
    win.destroy();
    let held = true;
    electron.app.on('will-quit', (event: { preventDefault(): void }) => held && event.preventDefault());
    electron.app.quit();
    assert.equal(electron.app.ended, undefined, 'will-quit prevented');
    held = false;
    electron.app.quit();
    assert.equal(electron.app.ended, 'quit');
  });

  it('ends a Linux process at once when nothing prevents shutdown', async () => {
    electron.shutDown();
    assert.equal(electron.app.ended, 'shutdown');
  });
});

/**
 * The desktop bus adapter against the real private D-Bus session of /tmp/t.sh (dbus-run-session):
 * the test plays the desktop, owning the screen locker's and the tray host's names and sending
 * the signals GNOME and KDE send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import dbus from 'dbus-next';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUS_TIMEOUT_MS, connectDesktopBus, type DesktopBus } from '../../main/node/platform/desktop-bus.ts';
import { usePrivateBus, type PrivateBus } from './private-bus.ts';

describe('the desktop bus', {
  skip: process.env.DBUS_SESSION_BUS_ADDRESS ? false : 'no D-Bus session (run through /tmp/t.sh or build/test.sh)',
}, () => {
  let desktop: dbus.MessageBus;
  let bus: DesktopBus;
  let own: PrivateBus;
  before(async () => {
    // Its own bus: the screen-lock signals below would lock every tray app the run has on the shared one.
    own = await usePrivateBus();
    desktop = dbus.sessionBus();
    bus = (await connectDesktopBus())!;
    assert.ok(bus, 'connects to the session bus');
  });
  after(async () => {
    bus.close();
    desktop.disconnect();
    await own.stop();
  });

  for (const locker of ['org.freedesktop.ScreenSaver', 'org.gnome.ScreenSaver']) {
    it(`hears ${locker} ActiveChanged(true) as a screen lock, and not ActiveChanged(false) or another signal`, async () => {
      await desktop.requestName(locker, 0);
      const heard: string[] = [];
      let wake: () => void = () => undefined;
      const stop = await bus.onScreenLock((source) => {
        heard.push(source);
        wake();
      });
      const path = `/${locker.replace(/\./g, '/')}`;
      desktop.send(dbus.Message.newSignal(path, locker, 'ActiveChanged', 'b', [false]));
      desktop.send(dbus.Message.newSignal(path, locker, 'WakeUpScreen', '', []));
      const locked = new Promise<void>((r) => (wake = r));
      desktop.send(dbus.Message.newSignal(path, locker, 'ActiveChanged', 'b', [true]));
      await locked;
      assert.deepEqual(heard, [locker]);
      stop();
      await desktop.releaseName(locker);
    });
  }

  it('says whether a StatusNotifierWatcher (tray host) is on the bus', async () => {
    assert.equal(await bus.hasTrayHost(), false, 'GNOME without the AppIndicator extension');
    await desktop.requestName('org.kde.StatusNotifierWatcher', 0);
    assert.equal(await bus.hasTrayHost(), true);
    await desktop.releaseName('org.kde.StatusNotifierWatcher');
    assert.equal(await bus.hasTrayHost(), false);
  });

  it("reads GNOME Shell's idle time (Mutter's IdleMonitor, in ms) where it runs, and undefined where it does not", async () => {
    assert.equal(await bus.idleSeconds(), undefined, 'no GNOME Shell on the bus');
    class IdleMonitor extends dbus.interface.Interface {
      GetIdletime(): bigint {
        return 901_500n;
      }
    }
    IdleMonitor.configureMembers({ methods: { GetIdletime: { inSignature: '', outSignature: 't' } } });
    const monitor = new IdleMonitor('org.gnome.Mutter.IdleMonitor');
    desktop.export('/org/gnome/Mutter/IdleMonitor/Core', monitor);
    await desktop.requestName('org.gnome.Mutter.IdleMonitor', 0);
    try {
      assert.equal(await bus.idleSeconds(), 901);
    } finally {
      desktop.unexport('/org/gnome/Mutter/IdleMonitor/Core', monitor);
      await desktop.releaseName('org.gnome.Mutter.IdleMonitor');
    }
  });
});

describe('without a session bus', () => {
  it('connects to nothing and says so (undefined), so the tray falls back to polling', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    try {
      assert.equal(await connectDesktopBus(), undefined);
    } finally {
      if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});

describe('a session bus that accepts and then says nothing (hung)', () => {
  it('is given up after BUS_TIMEOUT_MS, so the tray app starts without it (no screen-lock signals, no tray-host check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-hung-bus-'));
    const sockets: Socket[] = [];
    const hung = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => hung.listen(join(dir, 'bus'), r));
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(dir, 'bus')}`;
    try {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        connectDesktopBus(),
        new Promise((r) => (timer = setTimeout(() => r('still waiting'), BUS_TIMEOUT_MS + 3000))),
      ]).finally(() => clearTimeout(timer));
      assert.equal(result, undefined);
      assert.ok(sockets.length > 0, 'it did connect to the hung bus');
      assert.ok(Date.now() - started >= BUS_TIMEOUT_MS - 100);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
      for (const socket of sockets) socket.destroy();
      hung.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

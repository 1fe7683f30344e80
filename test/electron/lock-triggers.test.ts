import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import dbus from 'dbus-next';
import { connectDesktopBus } from '../../main/node/platform/desktop-bus.ts';
import { usePrivateBus, type PrivateBus } from '../node/private-bus.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { startLockTriggers, IDLE_POLL_MS } = await import('../../main/electron/lock-triggers.ts');

describe('lock triggers', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let idleMinutes: number;
  let triggers: ReturnType<typeof startLockTriggers>;
  let locking: Promise<unknown> = Promise.resolve();
  const lastLock = async () => (await w.entries()).filter((e) => e.event === 'lock').map((e) => e.reason);
  // The lock is recorded asynchronously: wait for its audit entry, not just the flag.
  const settle = async () => {
    for (let i = 0; i < 100 && (await lastLock()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await locking;
  };

  beforeEach(async () => {
    electron.reset();
    w = await makeWorld();
    await w.broker.unlock();
    idleMinutes = 15;
    triggers = startLockTriggers({
      lock: (reason) => void (locking = w.broker.lock(reason)),
      isLocked: () => w.broker.locked,
      idleLockMinutes: () => idleMinutes,
      clock: w.clock,
    });
  });
  afterEach(async () => {
    triggers.stop();
    await locking;
    await w.close();
  });

  for (const [event, reason] of [
    ['suspend', 'system suspend'],
    ['lock-screen', 'screen locked'],
  ] as const) {
    it(`locks on ${event} and records "${reason}"`, async () => {
      electron.powerMonitor.emit(event);
      await settle();
      assert.equal(w.broker.locked, true);
      assert.deepEqual(await lastLock(), [reason]);
    });
  }

  it('locks once the system has been idle for the set minutes, not before', async () => {
    electron.powerMonitor.idleSeconds = 14 * 60;
    w.clock.advance(IDLE_POLL_MS);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(w.broker.locked, false, '14 idle minutes of 15 do not lock');
    electron.powerMonitor.idleSeconds = 15 * 60;
    w.clock.advance(IDLE_POLL_MS);
    await settle();
    assert.equal(w.broker.locked, true);
    assert.deepEqual(await lastLock(), ['idle for 15 min']);
  });

  it('runs no timer when idle lock is off, and picks up a new setting on reschedule', async () => {
    idleMinutes = 0;
    triggers.reschedule();
    assert.equal(w.clock.pending, 0);
    electron.powerMonitor.idleSeconds = 24 * 3600;
    w.clock.advance(10 * IDLE_POLL_MS);
    assert.equal(w.broker.locked, false);
    idleMinutes = 5;
    triggers.reschedule();
    assert.equal(w.clock.pending, 1);
    w.clock.advance(IDLE_POLL_MS);
    await settle();
    assert.deepEqual(await lastLock(), ['idle for 5 min']);
  });

  it('stops listening when stopped', async () => {
    triggers.stop();
    electron.powerMonitor.emit('suspend');
    electron.powerMonitor.emit('lock-screen');
    assert.equal(w.clock.pending, 0);
    assert.equal(w.broker.locked, false);
  });

  /** The triggers on a Wayland session, idle time read from the desktop (GNOME Shell's idle monitor, or none). */
  const onWayland = (idleSeconds: () => Promise<number | undefined>, warnings: string[]) =>
    startLockTriggers({
      lock: (reason) => void (locking = w.broker.lock(reason)),
      isLocked: () => w.broker.locked,
      idleLockMinutes: () => idleMinutes,
      clock: w.clock,
      screenLocks: { onScreenLock: async () => () => undefined, idleSeconds },
      wayland: true,
      warn: (m) => warnings.push(m),
    });

  it("under Wayland, where Electron's idle time reads 0 and its idle state with it, locks by GNOME Shell's idle time", async () => {
    triggers.stop();
    electron.powerMonitor.idleTimeBroken = 0;
    electron.powerMonitor.idleSeconds = 16 * 60;
    assert.equal(electron.powerMonitor.getSystemIdleState(15 * 60), 'active', "Electron's state follows its time");
    let gnome = 14 * 60;
    const warnings: string[] = [];
    triggers = onWayland(async () => gnome, warnings);
    w.clock.advance(IDLE_POLL_MS);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(w.broker.locked, false, '14 idle minutes of 15 do not lock');
    gnome = 15 * 60;
    w.clock.advance(IDLE_POLL_MS);
    await settle();
    assert.deepEqual(await lastLock(), ['idle for 15 min']);
    assert.deepEqual(warnings, []);
  });

  it('under Wayland with no desktop to ask, does not pretend: no idle lock, and the log says why once', async () => {
    triggers.stop();
    electron.powerMonitor.idleTimeBroken = 0;
    electron.powerMonitor.idleSeconds = 16 * 60;
    const warnings: string[] = [];
    triggers = onWayland(async () => undefined, warnings);
    for (let k = 0; k < 3; k++) {
      w.clock.advance(IDLE_POLL_MS);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(w.broker.locked, false);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /Wayland .*"Lock after idle" cannot lock: the screen lock and suspend still lock/);
  });
});

for (const platform of ['darwin', 'win32', 'linux'] as const) {
  describe(`screen lock on ${platform}`, () => {
    let w: Awaited<ReturnType<typeof makeWorld>>;
    let triggers: ReturnType<typeof startLockTriggers> | undefined;
    let desktop: dbus.MessageBus | undefined;
    let bus: Awaited<ReturnType<typeof connectDesktopBus>>;
    let own: PrivateBus | undefined;
    beforeEach(async () => {
      electron.reset({ platform });
      w = await makeWorld();
      await w.broker.unlock();
    });
    afterEach(async () => {
      triggers?.stop();
      bus?.close();
      desktop?.disconnect();
      await own?.stop();
      own = undefined;
      await w.close();
    });
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    };

    it(
      platform === 'linux'
        ? "Electron says nothing; the desktop bus's ScreenSaver signal locks"
        : "Electron's lock-screen locks",
      async () => {
        let reason: string | undefined;
        if (platform === 'linux') {
          // Its own bus: the screen-lock signal below would lock every tray app the run has on the shared one.
          own = await usePrivateBus();
          bus = await connectDesktopBus();
          desktop = dbus.sessionBus();
        }
        triggers = startLockTriggers({
          lock: (r) => (reason = r),
          isLocked: () => false,
          idleLockMinutes: () => 0,
          clock: w.clock,
          screenLocks: bus,
          warn: (m) => assert.fail(m),
        });
        electron.powerMonitor.lockScreen();
        if (platform !== 'linux') {
          assert.equal(reason, 'screen locked');
          return;
        }
        assert.equal(reason, undefined, 'real Electron emits no lock-screen on Linux');
        // The triggers subscribe asynchronously; a second subscription on the same connection resolves after theirs.
        (await bus!.onScreenLock(() => undefined))();
        desktop!.send(
          dbus.Message.newSignal('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver', 'ActiveChanged', 'b', [true]),
        );
        await until(() => reason !== undefined);
        assert.equal(reason, 'screen locked');
      },
    );
  });
}

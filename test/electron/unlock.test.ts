import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { touchIdConfirmed, unlockFromTray } = await import('../../main/electron/unlock.ts');

describe('unlockFromTray', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  beforeEach(async () => {
    electron.reset();
    w = await makeWorld();
  });
  afterEach(() => w.close());

  it('asks Touch ID first on a Mac that has it, then unlocks', async () => {
    electron.systemPreferences.touchIdAvailable = true;
    assert.equal(await unlockFromTray({ broker: w.broker, touchId: () => true, platform: 'darwin' }), true);
    assert.deepEqual(electron.systemPreferences.touchIdPrompts, ['unlock tray-cred']);
    assert.equal(w.broker.locked, false);
  });

  it('stays locked, with no error box, when Touch ID is cancelled', async () => {
    electron.systemPreferences.touchIdAvailable = true;
    electron.systemPreferences.touchIdAnswer = 'reject';
    assert.equal(await unlockFromTray({ broker: w.broker, touchId: () => true, platform: 'darwin' }), false);
    assert.equal(w.broker.locked, true);
    assert.equal(electron.dialog.boxes.length, 0);
    assert.ok(!(await w.entries()).some((e) => e.event === 'unlock'));
  });

  const skips = [
    { why: 'Touch ID is off in the settings', touchId: false, available: true, platform: 'darwin' as const },
    { why: 'the Mac has no Touch ID', touchId: true, available: false, platform: 'darwin' as const },
    { why: 'it is not a Mac', touchId: true, available: true, platform: 'linux' as const },
  ];
  for (const s of skips) {
    it(`skips Touch ID when ${s.why}`, async () => {
      electron.systemPreferences.touchIdAvailable = s.available;
      assert.equal(await unlockFromTray({ broker: w.broker, touchId: () => s.touchId, platform: s.platform }), true);
      assert.deepEqual(electron.systemPreferences.touchIdPrompts, []);
      assert.equal(w.broker.locked, false);
    });
  }

  it("shows the core's message, not a stack, when the keychain has no key", async () => {
    await w.keychain.delete(`master-key:${await w.vault.vaultId()}`);
    const unlocked = unlockFromTray({ broker: w.broker, touchId: () => true, platform: 'linux' });
    const box = await electron.dialog.untilShown();
    assert.equal(box!.options.type, 'error');
    assert.equal(box!.options.message, 'tray-cred could not unlock');
    assert.match(box!.options.detail!, /keychain/i);
    assert.doesNotMatch(box!.options.detail!, /\n\s+at /, 'no stack frames');
    box.click('OK');
    assert.equal(await unlocked, false);
    assert.equal(w.broker.locked, true);
  });

  it("the same Touch ID guards unlocks that do not come from the tray, and the tray's own is not asked twice", async () => {
    electron.systemPreferences.touchIdAvailable = true;
    const gated = await makeWorld({
      authorizeUnlock: () => touchIdConfirmed({ touchId: () => true, platform: 'darwin' }),
    });
    try {
      electron.systemPreferences.touchIdAnswer = 'reject';
      const viaSocket = await gated.handle({ v: 1, id: 'u', op: 'unlock' });
      assert.equal(
        viaSocket.ok ? undefined : viaSocket.error.code,
        'DENIED',
        '`tray-cred unlock` cannot skip Touch ID',
      );
      assert.equal(gated.broker.locked, true);
      electron.systemPreferences.touchIdAnswer = 'accept';
      assert.equal(await unlockFromTray({ broker: gated.broker, touchId: () => true, platform: 'darwin' }), true);
      assert.deepEqual(
        electron.systemPreferences.touchIdPrompts,
        ['unlock tray-cred', 'unlock tray-cred'],
        'one prompt per unlock, not two',
      );
    } finally {
      await gated.close();
    }
  });
});

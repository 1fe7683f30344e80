import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { APP_ID, beforeReady } = await import('../../main/electron/app.ts');

test("the AppUserModelID set on Windows is the installer's appId (Windows shows notifications only for the shortcut's id)", () => {
  const config = createRequire(import.meta.url)('../../electron-builder.config.cjs') as { appId: string };
  assert.equal(APP_ID, config.appId);
});

for (const platform of ['darwin', 'win32', 'linux'] as const) {
  test(`before ready on ${platform}: userData in its own folder${platform === 'win32' ? ', the AppUserModelID set' : ''}`, () => {
    electron.reset({ platform });
    beforeReady(platform, '/home/ann/.config/tray-cred');
    assert.equal(electron.app.userData, '/home/ann/.config/tray-cred/electron');
    assert.equal(electron.app.appUserModelId, platform === 'win32' ? APP_ID : undefined);
    assert.deepEqual(electron.app.lateCalls, []);
    electron.app.emitReady();
    beforeReady(platform, '/x');
    assert.ok(
      (electron.app.lateCalls as string[]).includes('setPath(userData)'),
      'the stand-in says when it came too late',
    );
  });
}

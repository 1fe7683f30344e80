import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const { APP_ID } = await import('../../main/electron/app.ts');

test("the AppUserModelID set on Windows is the installer's appId (Windows shows notifications only for the shortcut's id)", () => {
  const config = createRequire(import.meta.url)('../../electron-builder.config.cjs') as { appId: string };
  assert.equal(APP_ID, config.appId);
});

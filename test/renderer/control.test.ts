/**
 * The control window (Linux with no tray host) in real Chromium against a stubbed
 * `window.trayCred`: it shows the state and the tray menu itself (built by the real template
 * and mapped as main maps it), and clicks its items.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { controlMenu } from '../../main/electron/tray/control-menu.ts';
import { trayMenuTemplate, type TrayHandlers, type TrayView } from '../../main/electron/tray/tray-menu.ts';
import type { ControlMenuItem } from '../../preload/api.ts';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { RendererHarness } from './support.ts';
import { openPage, problems, startHarness, waitFor } from './support.ts';

/** The tray menu, as main maps it for the control window, with every kind of item the tray has. */
function menuFor(locked: boolean): ControlMenuItem[] {
  const noop = () => undefined;
  const handlers = new Proxy({}, { get: () => noop }) as TrayHandlers;
  const view: TrayView = {
    locked,
    pending: [],
    recent: [],
    idleLockMinutes: 15,
    unlockOnRequest: true,
    startAtLogin: false,
    canStartAtLogin: true,
    notifications: true,
    touchId: false,
    canTouchId: false,
    mnemonics: true,
    signInNeeded: locked ? [] : ['sso-dev'],
    profiles: locked ? [] : [{ name: 'prod & co', rotatable: true, keyAgeDays: 3 }],
    terminal: true,
  };
  return controlMenu(trayMenuTemplate(view, handlers));
}

const stub = (locked: boolean): StubOptions => ({
  rows: 0,
  verify: { state: 'verified', entries: 0 },
  profiles: [],
  locked,
  importResult: { canceled: true, file: null, imported: [], skipped: [] },
  controlMenu: { locked: menuFor(true), unlocked: menuFor(false) },
});

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

test("shows the tray's whole menu (settings, helper install, SSO sign-in, profile actions) and does what each item does", async () => {
  const opened = await openPage(harness, 'control', stub(true));
  const { page } = opened;
  await waitFor(
    () => page.locator('#state').textContent(),
    (t) => t === 'tray-cred is locked',
    'the locked state',
  );
  assert.match((await page.locator('.hint').textContent()) ?? '', /AppIndicator extension/);
  const menu = page.locator('#menu');
  await menu.getByRole('button', { name: 'Unlock', exact: true }).click();
  await waitFor(
    () => page.locator('#state').textContent(),
    (t) => t === 'tray-cred is unlocked: 0 profiles',
    'unlocked',
  );
  // Unlocked: the same menu as the tray's, with the sign-in and the profile's actions.
  await menu.getByRole('button', { name: 'SSO sign-in needed: sso-dev — Sign in…' }).click();
  const profile = menu.locator('fieldset', { has: page.locator('legend', { hasText: 'prod & co — key 3 d' }) });
  await profile.getByRole('button', { name: 'Run a terminal with this profile' }).click();
  await profile.getByRole('button', { name: 'Rotate now' }).click();
  const idle = menu.locator('fieldset', { has: page.locator('legend', { hasText: 'Lock after idle' }) });
  assert.equal(await idle.getByRole('radio', { name: '15 min', exact: true }).isChecked(), true);
  await idle.getByRole('radio', { name: '5 min', exact: true }).click();
  assert.equal(await menu.getByRole('checkbox', { name: 'Unlock when a request arrives' }).isChecked(), true);
  await menu.getByRole('checkbox', { name: 'Notify of accesses served without asking' }).click();
  await menu.getByRole('checkbox', { name: 'Start at login' }).click();
  await menu.getByRole('button', { name: 'Install command-line helper…' }).click();
  await menu.getByRole('button', { name: 'Open Access History…' }).click();
  await menu.getByRole('button', { name: 'Quit' }).click();
  await waitFor(
    () => opened.calls(),
    (c) => c.some((x) => x.method === 'control.click' && x.args[1] === 'Quit'),
    'quit',
  );
  const clicks = (await opened.calls()).filter((c) => c.method === 'control.click').map((c) => c.args.join(' '));
  const at = (label: string, items = menuFor(false), path: number[] = []): string => {
    for (const [k, item] of items.entries()) {
      if (item.label === label) return [...path, k].join('.');
      const inner = item.items && at(label, item.items, [...path, k]);
      if (inner) return inner;
    }
    return '';
  };
  assert.deepEqual(clicks, [
    `${menuFor(true).findIndex((i) => i.label === 'Unlock')} Unlock`,
    `${at('SSO sign-in needed: sso-dev — Sign in…')} SSO sign-in needed: sso-dev — Sign in…`,
    `${at('Run a terminal with this profile')} Run a terminal with this profile`,
    `${at('Rotate now')} Rotate now`,
    `${at('5 min')} 5 min`,
    `${at('Notify of accesses served without asking')} Notify of accesses served without asking`,
    `${at('Start at login')} Start at login`,
    `${at('Install command-line helper…')} Install command-line helper…`,
    `${at('Open Access History…')} Open Access History…`,
    `${at('Quit')} Quit`,
  ]);
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

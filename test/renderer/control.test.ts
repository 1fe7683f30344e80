/**
 * The control window (Linux with no tray host) in real Chromium against a stubbed
 * `window.trayCred`: it shows the state and does what the tray menu would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { RendererHarness } from './support.ts';
import { openPage, problems, startHarness, waitFor } from './support.ts';

const stub = (locked: boolean): StubOptions => ({
  rows: 0,
  verify: { state: 'verified', entries: 0 },
  profiles: [],
  locked,
  importResult: { canceled: true, file: null, imported: [], skipped: [] },
});

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

test('unlocks, locks, opens the windows and quits, and says how to get a tray icon', async () => {
  const opened = await openPage(harness, 'control', stub(true));
  const { page } = opened;
  await waitFor(
    () => page.locator('#state').textContent(),
    (t) => t === 'tray-cred is locked',
    'the locked state',
  );
  assert.equal(await page.locator('#lock').textContent(), 'Unlock');
  assert.match((await page.locator('.hint').textContent()) ?? '', /AppIndicator extension/);
  await page.locator('#lock').click();
  await waitFor(
    () => page.locator('#state').textContent(),
    (t) => t === 'tray-cred is unlocked: 0 profiles',
    'unlocked',
  );
  assert.equal(await page.locator('#lock').textContent(), 'Lock');
  await page.locator('#lock').click();
  await waitFor(
    () => page.locator('#lock').textContent(),
    (t) => t === 'Unlock',
    'locked again',
  );
  await page.locator('#history').click();
  await page.locator('#profiles').click();
  await page.locator('#quit').click();
  await waitFor(
    () => opened.calls(),
    (c) => c.some((x) => x.method === 'control.quit'),
    'quit',
  );
  const calls = (await opened.calls())
    .map((c) => `${c.method}${c.args.length ? ` ${c.args.join(',')}` : ''}`)
    .filter((c) => c !== 'state.get');
  assert.deepEqual(calls, [
    'state.unlock',
    'control.lock',
    'control.open history',
    'control.open profiles',
    'control.quit',
  ]);
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

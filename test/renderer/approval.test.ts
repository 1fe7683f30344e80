/**
 * The approval page in real Chromium against a stubbed `window.trayCred`: what it shows (verified
 * or claimed, the scopes, the queue, AWS's rejection), that Deny is the default (focused, Enter,
 * Escape), that Allow is armed only after a moment, that the MFA code is checked before anything
 * is sent, and that no CSP violation or request happens.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApprovalView } from '../../preload/api.ts';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { OpenedPage, RendererHarness } from './support.ts';
import { openPage, problems, screenshot, startHarness, waitFor } from './support.ts';

const claimed: ApprovalView = {
  id: 7,
  profile: 'prod',
  unlock: false,
  program: 'aws s3 ls',
  verified: false,
  provenance: 'claimed by tray-cred-helper, not verified',
  facts: [
    { label: 'Command', value: 'aws s3 ls' },
    { label: 'Working directory', value: '/home/ann/infra' },
    { label: 'Process', value: 'pid 300, parent pid 200' },
  ],
  scopes: ['once'],
  minutes: 0,
  mfaDevice: null,
  rejected: null,
  firstUse: null,
  queued: 0,
};
const mfa: ApprovalView = {
  ...claimed,
  id: 8,
  program: 'python3 deploy.py',
  verified: true,
  provenance: 'verified by the kernel (SO_PEERCRED)',
  facts: [
    { label: 'Program', value: '/usr/bin/python3.13' },
    { label: 'Command', value: 'python3 deploy.py' },
  ],
  scopes: ['once', 'run', 'program-folder'],
  minutes: 15,
  mfaDevice: 'arn:aws:iam::123456789012:mfa/ann',
  rejected:
    'AWS rejected the last MFA code for “prod”: STS failed: AccessDenied: MultiFactorAuthentication failed. Wait for the next code and try again.',
  firstUse: 'First time `/usr/bin/python3.13` asks for prod',
};
const stub = (approvals: ApprovalView[]): StubOptions => ({
  rows: 0,
  verify: { state: 'verified', entries: 0 },
  profiles: [],
  locked: false,
  importResult: { canceled: true, file: null, imported: [], skipped: [] },
  approvals,
});

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const answers = async (opened: OpenedPage) => (await opened.calls('approval.answer')).map((c) => c.args[0]);
const armed = (opened: OpenedPage) =>
  waitFor(
    () => opened.page.locator('#allow').isEnabled(),
    (on) => on,
    'Allow to be armed',
  );
/** With a paused page clock: lets the page's timers (the stub's pushes, Allow's arming) run `ms` further. */
const run = (opened: OpenedPage, ms: number) => opened.page.clock.runFor(ms);
/** Waits for a page state while moving a paused clock a little at a time. */
const until = <T>(opened: OpenedPage, probe: () => Promise<T>, ok: (v: T) => boolean, what: string) =>
  waitFor(
    async () => {
      await run(opened, 10);
      return probe();
    },
    ok,
    what,
  );

test('shows the claimed requester labelled as claimed, the queue, and Deny focused; Enter denies', async () => {
  const opened = await openPage(harness, 'approval', stub([claimed, { ...mfa, id: 9 }]), {}, { pausedClock: true });
  const { page } = opened;
  await until(
    opened,
    () => page.locator('#question').textContent(),
    (t) => t === 'Allow “prod” for “aws s3 ls”?',
    'the question',
  );
  assert.equal(
    await page.locator('#provenance').textContent(),
    'Requesting program, as claimed by tray-cred-helper, not verified',
  );
  assert.equal(await page.locator('#provenance').getAttribute('class'), 'provenance claimed');
  assert.deepEqual(await page.locator('#facts dt').allTextContents(), ['Command', 'Working directory', 'Process']);
  assert.equal(await page.locator('#queued').textContent(), '1 more request waiting after this one');
  assert.equal(await page.locator('#mfa').isHidden(), true);
  assert.equal(await page.locator('#first-use').isHidden(), true, 'no first-use line for a request without one');
  assert.deepEqual(
    await page
      .locator('input[name="scope"]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value)),
    ['once'],
  );
  assert.equal(
    await page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id,
    ),
    'deny',
  );
  assert.equal(await page.locator('#allow').isDisabled(), true, 'Allow is not armed at once');
  await page.locator('#allow').click({ force: true });
  await run(opened, 500);
  assert.equal(await page.locator('#allow').isDisabled(), true, 'nor 0.5 s later');
  assert.deepEqual(await answers(opened), [], 'a click on the disarmed Allow sends nothing');
  await run(opened, 250);
  assert.equal(await page.locator('#allow').isEnabled(), true, 'armed after 0.7 s');
  await screenshot(page, 'approval-claimed');
  await page.keyboard.press('Enter');
  await until(
    opened,
    () => answers(opened),
    (a) => a.length === 1,
    'the answer',
  );
  assert.deepEqual(await answers(opened), [{ id: 7, allow: false, scope: 'once' }]);
  // The next request comes up with its own id; Escape denies it too.
  await until(
    opened,
    () => page.locator('#question').textContent(),
    (t) => t === 'Allow “prod” for “python3 deploy.py”?',
    'the next request',
  );
  assert.equal(await page.locator('#queued').textContent(), '');
  await page.keyboard.press('Escape');
  await until(
    opened,
    () => answers(opened),
    (a) => a.length === 2,
    'the second answer',
  );
  assert.deepEqual((await answers(opened))[1], { id: 9, allow: false, scope: 'once' });
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

test('takes the MFA code in the same window, checks six digits before sending, and sends the chosen scope', async () => {
  const opened = await openPage(harness, 'approval', stub([mfa]));
  const { page } = opened;
  await waitFor(
    () => page.locator('#mfa').isVisible(),
    (v) => v,
    'the MFA field',
  );
  assert.equal(await page.locator('#provenance').getAttribute('class'), 'provenance verified');
  assert.equal(
    await page.locator('#provenance').textContent(),
    'Requesting program, verified by the kernel (SO_PEERCRED)',
  );
  assert.match((await page.locator('#rejected').textContent()) ?? '', /^AWS rejected the last MFA code for “prod”/);
  assert.equal(await page.locator('#rejected').isVisible(), true);
  assert.equal(await page.locator('#first-use').textContent(), 'First time `/usr/bin/python3.13` asks for prod');
  assert.equal(await page.locator('#first-use').isVisible(), true);
  assert.equal(await page.locator('#mfa-label').textContent(), 'Six-digit code from arn:aws:iam::123456789012:mfa/ann');
  assert.deepEqual(await page.locator('#scopes label').allTextContents(), [
    'Allow once: this request only',
    'This run: this program instance, until it exits (at most 15 min)',
    'This program in this folder for 15 min',
  ]);
  assert.equal(await page.locator('input[value="once"]').isChecked(), true, 'once is the default scope');
  await armed(opened);
  await page.locator('#mfa-code').fill('12345');
  await page.locator('#mfa-code').press('Enter');
  await page.locator('#allow').click();
  assert.equal(await page.locator('#mfa-error').textContent(), 'Type the six digits your MFA device shows now.');
  assert.deepEqual(await answers(opened), [], 'nothing is sent: not on Enter in the field, not with five digits');
  await page.locator('#mfa-code').fill('');
  await page.locator('#mfa-code').pressSequentially('12a3-4 56');
  assert.equal(await page.locator('#mfa-code').inputValue(), '123456', 'only digits are kept');
  await page.locator('input[value="run"]').check();
  await screenshot(page, 'approval-mfa');
  await page.locator('#allow').click();
  await waitFor(
    () => answers(opened),
    (a) => a.length === 1,
    'the answer',
  );
  assert.deepEqual(await answers(opened), [{ id: 8, allow: true, scope: 'run', mfaCode: '123456' }]);
  await waitFor(
    () => page.locator('#question').textContent(),
    (t) => t === 'No request is waiting.',
    'the empty state',
  );
  assert.equal(await page.locator('#mfa-code').inputValue(), '', 'the code is not kept');
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

test('a request that ends while shown (time-out) is replaced, and Allow is armed again for the new one', async () => {
  const opened = await openPage(harness, 'approval', stub([claimed]), {}, { pausedClock: true });
  const { page } = opened;
  await until(
    opened,
    () => page.locator('#question').textContent(),
    (t) => t === 'Allow “prod” for “aws s3 ls”?',
    'the question',
  );
  await run(opened, 700);
  assert.equal(await page.locator('#allow').isEnabled(), true);
  await page.evaluate(
    (next) => {
      const stubApi = (globalThis as unknown as { __stub: { abortApproval(): void; pushApproval(v: unknown): void } })
        .__stub;
      stubApi.abortApproval();
      stubApi.pushApproval(next);
    },
    { ...claimed, id: 11, profile: 'staging', unlock: true },
  );
  await until(
    opened,
    () => page.locator('#question').textContent(),
    (t) => t === 'Unlock tray-cred and allow “staging” for “aws s3 ls”?',
    'the new request',
  );
  assert.equal(await page.locator('#allow').textContent(), 'Unlock and allow');
  assert.equal(await page.locator('#allow').isDisabled(), true, 'a new request disarms Allow');
  await run(opened, 700);
  await page.locator('#allow').click();
  await until(
    opened,
    () => answers(opened),
    (a) => a.length === 1,
    'the answer',
  );
  assert.deepEqual(await answers(opened), [{ id: 11, allow: true, scope: 'once' }]);
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

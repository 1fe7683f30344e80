/**
 * The Profiles page in real Chromium against a stubbed `window.trayCred`: what the form sends,
 * that the secret leaves the page at once, and how a locked agent is handled.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ProfileView } from '../../preload/api.ts';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { OpenedPage, RendererHarness } from './support.ts';
import { openPage, problems, screenshot, startHarness, waitFor } from './support.ts';

const at = '2026-11-20T09:00:00.000Z';
const PROFILES: ProfileView[] = [
  {
    name: 'dev',
    kind: 'keys',
    accessKeyIdSuffix: 'MPLE',
    sessionMode: false,
    mfa: false,
    roleArn: null,
    sourceProfile: null,
    policy: 'allow',
    rememberMinutes: 0,
    notify: true,
    createdAt: at,
    updatedAt: at,
    lastUsedAt: '2026-11-26T11:58:00.000Z',
  },
  {
    name: 'prod',
    kind: 'keys',
    accessKeyIdSuffix: '7QXZ',
    sessionMode: true,
    mfa: true,
    roleArn: null,
    sourceProfile: null,
    policy: 'ask',
    rememberMinutes: 15,
    notify: false,
    createdAt: at,
    updatedAt: at,
    lastUsedAt: null,
  },
  {
    name: 'prod-admin',
    kind: 'role',
    accessKeyIdSuffix: '',
    sessionMode: false,
    mfa: true,
    roleArn: 'arn:aws:iam::123456789012:role/Admin',
    sourceProfile: 'prod',
    policy: 'ask',
    rememberMinutes: 5,
    notify: false,
    createdAt: at,
    updatedAt: at,
    lastUsedAt: null,
  },
];
const stub = (locked = false): StubOptions => ({
  rows: 0,
  verify: { state: 'verified', entries: 0 },
  profiles: PROFILES,
  locked,
  importResult: { canceled: false, file: '/home/ann/.aws/credentials', imported: ['staging', 'ci'], skipped: ['dev'] },
});

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTAGINGKEY';
const TOKEN = 'FwoGZXIvYXdzEJr//////////wEaDSTAGETOKENx9';
const NEW_SECRET = 'Zr7ROTATEDsecretKEYvalue0123456789abcdEF';

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

/** The profile rows as text: name, kind, key, policy, remember, notify, session mode, last used. */
async function listed(page: Page): Promise<string[][]> {
  return page.locator('#profile-rows tr[data-profile]').evaluateAll((trs) =>
    trs.map((tr) =>
      Array.from(
        tr.querySelectorAll('td'),
        (td: {
          querySelector(s: string): { value?: string; checked?: boolean; type?: string } | null;
          textContent: string | null;
        }) => {
          const control = td.querySelector('select, input');
          if (control?.type === 'checkbox') return control.checked ? 'yes' : 'no';
          return control ? (control.value ?? '') : (td.textContent ?? '');
        },
      ).slice(0, 8),
    ),
  );
}

/** Every place a secret could linger in the page: markup, visible text, the value of every field. */
async function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const doc = (
      globalThis as unknown as {
        document: {
          documentElement: { outerHTML: string };
          body: { innerText: string };
          querySelectorAll(s: string): Iterable<{ value: string }>;
        };
      }
    ).document;
    return [
      doc.documentElement.outerHTML,
      doc.body.innerText,
      ...Array.from(doc.querySelectorAll('input, select, textarea'), (e) => e.value),
    ].join('\n');
  });
}

async function noSecretLeft(page: Page, ...secrets: string[]): Promise<void> {
  const text = await pageText(page);
  for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret is still in the page');
  assert.equal(await page.inputValue('#p-secret'), '');
  assert.equal(await page.inputValue('#p-token'), '');
}

async function done(opened: OpenedPage): Promise<void> {
  assert.deepEqual(await problems(opened), []);
  await opened.close();
}

test('the list shows no secret; invalid input is refused in the page; a save sends exactly what was typed and clears the secret', async () => {
  const opened = await openPage(harness, 'profiles', stub());
  const { page } = opened;
  const rows = await waitFor(
    () => listed(page),
    (r) => r.length === 3,
    'three profiles',
  );
  assert.deepEqual(rows, [
    ['dev', 'keys', '…MPLE', 'allow', '0', 'yes', 'off', '2026-11-26 12:58:00'],
    ['prod', 'keys', '…7QXZ', 'ask', '15', 'no', 'on + MFA', 'never'],
    ['prod-admin', 'role', '—', 'ask', '5', 'no', 'role session + MFA', 'never'],
  ]);
  await screenshot(page, 'profiles-list');

  await page.fill('#p-name', 'my profile!');
  await page.fill('#p-key-id', 'akia-short');
  await page.click('#save');
  assert.match((await page.textContent('#e-name')) ?? '', /Letters, digits/);
  assert.equal(await page.textContent('#e-key-id'), '16 to 128 capital letters and digits, like AKIA…');
  assert.equal(await page.textContent('#e-secret'), 'Required');
  assert.equal(await page.getAttribute('#p-key-id', 'aria-invalid'), 'true');
  await page.fill('#p-remember', '5000');
  await page.click('#save');
  assert.equal(await page.textContent('#e-remember'), 'Whole minutes from 0 to 1440');
  await screenshot(page, 'profiles-errors');
  assert.deepEqual(await opened.calls('profiles.save'), [], 'nothing invalid reaches main');

  await page.fill('#p-name', 'staging');
  await page.fill('#p-key-id', 'AKIAIOSFODNN7STAGE1');
  await page.fill('#p-secret', SECRET);
  await page.fill('#p-token', TOKEN);
  await page.selectOption('#p-policy', 'deny');
  await page.fill('#p-remember', '30');
  await page.check('#p-notify');
  await page.press('#p-token', 'Enter');
  await waitFor(
    () => listed(page),
    (r) => r.length === 4,
    'the new profile in the list',
  );
  assert.deepEqual(
    (await opened.calls('profiles.save')).map((c) => c.args),
    [
      [
        {
          name: 'staging',
          accessKeyId: 'AKIAIOSFODNN7STAGE1',
          secretAccessKey: SECRET,
          sessionToken: TOKEN,
          policy: 'deny',
          rememberMinutes: 30,
          notify: true,
          replace: false,
        },
      ],
    ],
  );
  assert.deepEqual((await listed(page))[3], ['staging', 'keys', '…AGE1', 'deny', '30', 'yes', 'off', 'never']);
  assert.equal(await page.textContent('#status'), 'Saved staging');
  assert.equal(await page.textContent('#e-name'), '');
  await noSecretLeft(page, SECRET, TOKEN);
  await done(opened);
});

test('rotate sends replace:true; remove asks first; inline policy edits; import lists what it did', async () => {
  const opened = await openPage(harness, 'profiles', stub());
  const { page } = opened;
  await waitFor(
    () => listed(page),
    (r) => r.length === 3,
    'three profiles',
  );

  assert.equal(
    await page.locator('[aria-label="Rotate keys of prod-admin"]').count(),
    0,
    'a role holds no keys to rotate',
  );
  await page.click('[aria-label="Rotate keys of prod"]');
  assert.equal(await page.textContent('#form-title'), 'Rotate keys for prod');
  assert.equal(await page.inputValue('#p-name'), 'prod');
  assert.equal(await page.getAttribute('#p-name', 'readonly'), '');
  await screenshot(page, 'profiles-rotate');
  await page.fill('#p-key-id', 'AKIAROTATED0000NEW2');
  await page.fill('#p-secret', NEW_SECRET);
  await page.click('#save');
  await waitFor(
    () => page.textContent('#status'),
    (t) => t === 'New keys saved for prod (…NEW2)',
    'the rotation message',
  );
  assert.deepEqual(
    (await opened.calls('profiles.save')).map((c) => c.args),
    [
      [
        {
          name: 'prod',
          accessKeyId: 'AKIAROTATED0000NEW2',
          secretAccessKey: NEW_SECRET,
          policy: 'ask',
          rememberMinutes: 15,
          notify: false,
          replace: true,
        },
      ],
    ],
  );
  assert.equal(await page.textContent('#form-title'), 'Add profile');
  await noSecretLeft(page, NEW_SECRET);

  await page.click('[aria-label="Remove dev"]');
  assert.equal(await page.textContent('#profile-rows .confirm'), 'Remove dev?');
  await screenshot(page, 'profiles-confirm-remove');
  await page.click('#profile-rows button:text("Keep")');
  assert.equal(await page.locator('#profile-rows .confirm').count(), 0);
  await page.click('[aria-label="Remove dev"]');
  await page.click('#profile-rows button.danger');
  await waitFor(
    () => listed(page),
    (r) => r.length === 2 && r[0]?.[0] === 'prod',
    'dev gone from the list',
  );
  assert.deepEqual(
    (await opened.calls('profiles.remove')).map((c) => c.args),
    [['dev']],
    'exactly one remove, after the confirm',
  );

  await page.selectOption('[aria-label="Policy of prod-admin"]', 'deny');
  await page.fill('[aria-label="Remember approvals of prod for minutes"]', '2000');
  await page.press('[aria-label="Remember approvals of prod for minutes"]', 'Enter');
  await waitFor(
    () => page.textContent('#status'),
    (t) => t === 'prod: remember whole minutes from 0 to 1440',
    'the range message',
  );
  await page.fill('[aria-label="Remember approvals of prod for minutes"]', '60');
  await page.press('[aria-label="Remember approvals of prod for minutes"]', 'Enter');
  await page.check('[aria-label="Notify of each access to prod"]');
  await waitFor(
    () => opened.calls('profiles.setPolicy'),
    (c) => c.length === 3,
    'three policy edits',
  );
  assert.deepEqual(
    (await opened.calls('profiles.setPolicy')).map((c) => c.args[0]),
    [
      { name: 'prod-admin', policy: 'deny', rememberMinutes: 5, notify: false },
      { name: 'prod', policy: 'ask', rememberMinutes: 60, notify: false },
      { name: 'prod', policy: 'ask', rememberMinutes: 60, notify: true },
    ],
  );

  // A profile added elsewhere (the CLI) shows up: main says the profiles changed.
  await page.evaluate(
    (view) => (globalThis as unknown as { __stub: { addProfile(v: ProfileView): void } }).__stub.addProfile(view),
    { ...PROFILES[0], name: 'from-cli', accessKeyIdSuffix: 'CLI9', lastUsedAt: null } as ProfileView,
  );
  await waitFor(
    () => listed(page),
    (r) => r.at(-1)?.slice(0, 3).join() === 'from-cli,keys,…CLI9',
    'the profile added elsewhere',
  );

  await page.click('#import');
  await waitFor(
    () => page.isVisible('#import-result'),
    (v) => v,
    'the import result',
  );
  assert.equal(await page.textContent('#import-result h2'), 'Imported from /home/ann/.aws/credentials');
  assert.equal(await page.textContent('#import-result .imported'), 'staging, ci');
  assert.equal(await page.textContent('#import-result .skipped'), 'dev');
  await screenshot(page, 'profiles-after-edits');
  await done(opened);
});

test('locked: the list waits behind an Unlock button, and a LOCKED rejection brings the button back', async () => {
  const opened = await openPage(harness, 'profiles', stub(true), { colorScheme: 'dark' });
  const { page } = opened;
  await waitFor(
    () => page.isVisible('#locked'),
    (v) => v,
    'the locked message',
  );
  assert.equal(await page.textContent('#locked-message'), 'tray-cred is locked: unlock it to see and change profiles.');
  assert.deepEqual(await listed(page), []);
  await screenshot(page, 'profiles-locked-dark');
  await page.click('#unlock');
  await waitFor(
    () => listed(page),
    (r) => r.length === 3,
    'the profiles after unlocking',
  );
  assert.equal(await page.isVisible('#locked'), false);
  assert.equal((await opened.calls('state.unlock')).length, 1);

  // The agent locks (idle, suspend) just before a click: main refuses, the page offers Unlock.
  await page.evaluate(() => (globalThis as unknown as { __stub: { lockQuietly(): void } }).__stub.lockQuietly());
  await page.uncheck('[aria-label="Notify of each access to dev"]');
  await waitFor(
    () => page.isVisible('#locked'),
    (v) => v,
    'the locked message after a refused edit',
  );
  assert.equal(await page.textContent('#locked-message'), 'tray-cred is locked: choose Unlock from the tray menu');

  // A refused save still leaves no secret behind: the fields were emptied before the request left.
  await page.fill('#p-name', 'qa');
  await page.fill('#p-key-id', 'AKIAQAQAQAQAQAQAQA12');
  await page.fill('#p-secret', SECRET);
  await page.fill('#p-token', TOKEN);
  await page.press('#p-secret', 'Enter');
  await waitFor(
    () => opened.calls('profiles.save'),
    (c) => c.length === 1,
    'the save sent',
  );
  await waitFor(
    () =>
      page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id,
      ),
    (id) => id === 'p-secret',
    'focus back on the secret field',
  );
  assert.equal(await page.inputValue('#p-name'), 'qa', 'what is not secret is kept for the retry');
  await noSecretLeft(page, SECRET, TOKEN);

  await page.click('#unlock');
  await waitFor(
    () => page.isVisible('#locked'),
    (v) => !v,
    'the locked message gone',
  );
  assert.equal((await opened.calls('state.unlock')).length, 2);
  await done(opened);
});

test('a profile list that answers after the agent locked is dropped: no profile shows while locked', async () => {
  const opened = await openPage(harness, 'profiles', stub());
  const { page } = opened;
  type Controls = {
    __stub: { holdLists(): void; releaseList(): void; lockAndTell(): void; addProfile(v: ProfileView): void };
  };
  await waitFor(
    () => listed(page),
    (r) => r.length === 3,
    'the profiles',
  );
  await page.evaluate(() => (globalThis as unknown as Controls).__stub.holdLists());
  const lists = (await opened.calls('profiles.list')).length;
  // An access elsewhere makes main say "profiles changed": the page asks again, and main is slow.
  await page.evaluate((view) => (globalThis as unknown as Controls).__stub.addProfile(view), {
    ...PROFILES[0],
    name: 'late',
    accessKeyIdSuffix: 'LATE',
    lastUsedAt: null,
  } as ProfileView);
  await waitFor(
    () => opened.calls('profiles.list'),
    (c) => c.length === lists + 1,
    'the new list asked for',
  );
  await page.evaluate(() => (globalThis as unknown as Controls).__stub.lockAndTell());
  await waitFor(
    () => page.isVisible('#locked'),
    (v) => v,
    'the locked message',
  );
  await page.evaluate(() => (globalThis as unknown as Controls).__stub.releaseList());
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await listed(page), [], 'the late answer did not bring the profiles back');
  assert.equal(await page.isVisible('#locked'), true);
  await done(opened);
});

test("a key's age shows beside it, marked once past rotate_after_days; an Identity Center profile says so", async () => {
  const old = new Date(Date.now() - 400 * 86_400_000 - 60_000).toISOString();
  const young = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString();
  const opened = await openPage(harness, 'profiles', {
    ...stub(),
    profiles: [
      { ...PROFILES[0]!, name: 'old', accessKeyIdSuffix: 'OLD1', keyCreatedAt: old, rotateAfterDays: 90 },
      { ...PROFILES[0]!, name: 'young', accessKeyIdSuffix: 'NEW1', keyCreatedAt: young, rotateAfterDays: 90 },
      { ...PROFILES[2]!, name: 'team', kind: 'sso', roleArn: null, sourceProfile: null, mfa: false },
    ],
  });
  const rows = await waitFor(
    () => listed(opened.page),
    (r) => r.length === 3,
    'three profiles',
  );
  assert.deepEqual(
    rows.map((r) => [r[0], r[2], r[6]]),
    [
      ['old', '…OLD1 · 400 d (rotate)', 'off'],
      ['young', '…NEW1 · 3 d', 'off'],
      ['team', '—', 'IAM Identity Center'],
    ],
  );
  assert.equal(
    await opened.page.getAttribute('tr[data-profile="old"] td.key', 'title'),
    'Older than 90 days: run tray-cred rotate old',
  );
  await done(opened);
});

test('Rotate now asks main to rotate through IAM, shows what it did and the new key; a role has no such button', async () => {
  const old = new Date(Date.now() - 400 * 86_400_000 - 60_000).toISOString();
  const opened = await openPage(harness, 'profiles', {
    ...stub(),
    profiles: [
      { ...PROFILES[0]!, name: 'old', accessKeyIdSuffix: 'OLD1', keyCreatedAt: old, rotateAfterDays: 90 },
      PROFILES[2]!,
    ],
  });
  const { page } = opened;
  await waitFor(
    () => listed(page),
    (r) => r.length === 2,
    'two profiles',
  );
  assert.equal(
    await page.locator('[aria-label="Rotate the key of prod-admin now through IAM"]').count(),
    0,
    'a role holds no key to rotate',
  );
  await page.click('[aria-label="Rotate the key of old now through IAM"]');
  await waitFor(
    () => page.textContent('#status'),
    (t) => t === 'Rotated the key of "old": …NEW1 is stored and works, …OLD1 is deleted in IAM.',
    'the rotation outcome',
  );
  assert.deepEqual(
    (await opened.calls('profiles.rotate')).map((c) => c.args),
    [['old']],
  );
  const rows = await waitFor(
    () => listed(page),
    (r) => r[0]?.[2] === '…NEW1 · 0 d',
    'the new key, 0 days old',
  );
  assert.equal(rows[0]![0], 'old');
  assert.equal(await page.locator('[aria-label="Rotate the key of old now through IAM"]').isEnabled(), true);
  await done(opened);
});

test('Rotate now refused at the approval prompt says so, and the key stays as it was', async () => {
  const opened = await openPage(harness, 'profiles', { ...stub(), rotateDenied: true });
  const { page } = opened;
  await waitFor(
    () => listed(page),
    (r) => r.length === 3,
    'three profiles',
  );
  await page.click('[aria-label="Rotate the key of prod now through IAM"]');
  await waitFor(
    () => page.textContent('#status'),
    (t) => /denied at the prompt/.test(t ?? ''),
    'the refusal',
  );
  assert.match((await page.getAttribute('#status', 'class')) ?? '', /\berror\b/);
  assert.equal((await listed(page))[1]![2], '…7QXZ');
  await done(opened);
});

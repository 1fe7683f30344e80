/**
 * The history window's timeline and detail pane in real Chromium, against the stubbed API: the
 * bars' totals per decision are the filter's entries per decision, dragging across the chart
 * sets From/To, the detail pane keeps what was verified apart from what was claimed, and
 * nothing breaks the windows' CSP (uPlot styles through the CSSOM, which `style-src 'self'` allows).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { AccessStory, HistoryFilter, HistoryRow, ProfileView } from '../../preload/api.ts';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { RendererHarness } from './support.ts';
import { openPage, problems, screenshot, startHarness, waitFor } from './support.ts';

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const TF = '/usr/local/bin/terraform';
const base = (seq: number, over: Partial<AccessStory>): AccessStory => ({
  seq,
  time: '2026-11-26T11:59:00.000Z',
  event: 'access',
  profile: 'prod',
  decision: 'approved',
  reason: null,
  durationMs: 2300,
  requestId: `req-${seq}`,
  claimed: { pid: 4242, ppid: 4241, command: `terraform apply #claimed-${seq}`, cwd: '/home/ann/claimed', argv: null },
  verified: {
    method: 'SO_PEERCRED',
    peer: { pid: 5000, uid: 1000 },
    requester: { pid: 4242, exe: TF, argv: [TF, 'apply'], cwd: '/home/ann/infra', startTime: '123456' },
    ancestry: [{ pid: 4241, exe: '/usr/bin/bash', argv: ['bash'] }],
  },
  approval: null,
  served: null,
  credentialId: null,
  sessionName: null,
  cloudTrail: null,
  firstUse: false,
  anchored: true,
  ...over,
});
const lookup = (id: string): string =>
  `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${id}`;
/** One story per kind of access, on the newest rows (seq 100,000 is an unlock, so accesses start at 99,999). */
const KINDS: [string, AccessStory, string[]][] = [
  [
    'vault',
    base(99_999, {
      decision: 'allowed',
      served: 'vault',
      credentialId: 'AKIAIOSFODNN7EXAMPLE',
      cloudTrail: lookup('AKIAIOSFODNN7EXAMPLE'),
    }),
    ['the vault (stored keys)', lookup('AKIAIOSFODNN7EXAMPLE')],
  ],
  [
    'cached',
    base(99_998, {
      decision: 'remembered',
      served: 'cache',
      credentialId: 'ASIAEXAMPLECACHED012',
      cloudTrail: lookup('ASIAEXAMPLECACHED012'),
      approval: { scope: 'run', grant: 'req-prompt-1' },
    }),
    ['a cached session', 'this run of the program, granted at prompt req-prompt-1'],
  ],
  [
    'minted',
    base(99_997, {
      served: 'minted',
      credentialId: 'ASIAEXAMPLEMINTED345',
      sessionName: 'tray-cred-ann-1764158340',
      cloudTrail: lookup('ASIAEXAMPLEMINTED345'),
      approval: { scope: 'once', grant: 'req-99997' },
      firstUse: true,
      anchored: false,
    }),
    [
      'minted now with STS',
      'tray-cred-ann-1764158340',
      `First time ${TF} asks for prod (in 90 days)`,
      'not yet: after the last keychain anchor',
    ],
  ],
  [
    'external',
    base(99_996, {
      profile: 'sso',
      decision: 'allowed',
      served: 'external',
      credentialId: 'ASIAEXAMPLEEXTERN678',
      cloudTrail: lookup('ASIAEXAMPLEEXTERN678'),
    }),
    ['an external command'],
  ],
  [
    'denied',
    base(99_995, {
      decision: 'denied',
      reason: 'denied at the prompt',
      claimed: { pid: 7, ppid: 6, command: 'evil \u202Egpj.exe', cwd: '/tmp', argv: null },
      verified: null,
    }),
    [
      'denied at the prompt',
      'Not verified: the OS could not name the caller, so only its claims below are known.',
      'evil \\u202egpj.exe',
    ],
  ],
  [
    'remembered',
    base(99_994, {
      decision: 'remembered',
      served: 'cache',
      approval: { scope: 'program-folder', grant: 'req-prompt-9' },
    }),
    ['this program in this folder, granted at prompt req-prompt-9'],
  ],
];

const stub = (): StubOptions => ({
  rows: 100_000,
  verify: { state: 'verified', entries: 100_000 },
  profiles: [],
  locked: false,
  importResult: { canceled: true, file: null, imported: [], skipped: [] },
  stories: Object.fromEntries(KINDS.map(([, s]) => [s.seq, s])),
});

/** The legend's totals per decision, as the page shows them. */
const legend = (page: Page): Promise<Record<string, number>> =>
  page
    .locator('#timeline-legend .legend-item')
    .evaluateAll((els) =>
      Object.fromEntries(
        els.map((el) => [el.getAttribute('data-decision') ?? '', Number(el.getAttribute('data-count'))]),
      ),
    )
    .then(sorted);

/**
 * The stub's entries for `filter`, counted per decision. Counted in the page: the rows themselves
 * (up to 100,000) would cross the DevTools protocol as JSON on every call.
 */
async function perDecision(page: Page, filter: HistoryFilter): Promise<Record<string, number>> {
  const counts = await page.evaluate((f) => {
    const stub = (
      globalThis as unknown as { __stub: { expected(f: HistoryFilter, o: number, l: number): { rows: HistoryRow[] } } }
    ).__stub;
    const perKind: Record<string, number> = {};
    for (const r of stub.expected(f, 0, 1e9).rows) if (r.decision) perKind[r.decision] = (perKind[r.decision] ?? 0) + 1;
    return perKind;
  }, filter);
  return sorted(counts);
}

const sorted = (o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

test("the timeline counts the filter's entries per decision, brushing sets From/To, no CSP violation", async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const opened = await openPage(harness, 'history', stub(), { colorScheme });
    const { page } = opened;
    const all = await perDecision(page, { events: 'access' });
    await waitFor(
      () => legend(page),
      (v) => JSON.stringify(v) === JSON.stringify(all),
      'the legend of every access',
    );
    assert.ok(await page.locator('#chart canvas').count(), 'uPlot drew a canvas');

    await page.selectOption('#f-profile', 'prod');
    const prod = await perDecision(page, { events: 'access', profile: 'prod' });
    await waitFor(
      () => legend(page),
      (v) => JSON.stringify(v) === JSON.stringify(prod),
      'the legend of prod',
    );
    assert.notDeepEqual(prod, all);
    const asked = (await opened.calls('history.timeline')).at(-1)!;
    assert.deepEqual(asked.args[0], { events: 'access', profile: 'prod' });
    assert.ok((asked.args[1] as number) > 10 && (asked.args[1] as number) <= 240, 'buckets for the chart width');
    await screenshot(page, `history-timeline-${colorScheme}`);

    const over = page.locator('#chart .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const range = await waitFor(
      async () => ({ from: await page.inputValue('#f-from'), to: await page.inputValue('#f-to') }),
      (v) => v.from !== '' && v.to !== '',
      'From and To set by the brush',
    );
    // The page reads the inputs as Berlin wall time; the query carries them as ISO times.
    const brushed = await waitFor(
      async () => (await opened.calls('history.query')).at(-1)?.args[0] as HistoryFilter | undefined,
      (f) => f?.from !== undefined && f.to !== undefined,
      'the brushed query',
    );
    assert.deepEqual(Object.keys(brushed!).sort(), ['events', 'from', 'profile', 'to']);
    assert.ok(brushed!.from! < brushed!.to!, `${range.from} .. ${range.to}`);
    await waitFor(
      async () => (await opened.calls('history.timeline')).at(-1)?.args[0],
      (f) => JSON.stringify(f) === JSON.stringify(brushed),
      'the timeline zoomed to the brushed range',
    );
    const inRange = await perDecision(page, brushed!);
    await waitFor(
      () => legend(page),
      (v) => JSON.stringify(v) === JSON.stringify(inRange),
      'the legend of the brushed range',
    );
    const shownTimes = await page.locator('#rows .row .cell.time').allTextContents();
    assert.ok(shownTimes.length > 0);

    await over.dblclick();
    await waitFor(
      async () => [await page.inputValue('#f-from'), await page.inputValue('#f-to')],
      (v) => v.join() === ',',
      'a double-click clearing the range',
    );
    await waitFor(
      () => legend(page),
      (v) => JSON.stringify(v) === JSON.stringify(prod),
      'the legend of prod again',
    );
    assert.deepEqual(await problems(opened), [], 'no console output, page error, request or CSP violation');
    await opened.close();
  }
});

test('the detail pane tells each kind of access, the verified program apart from the claim', async () => {
  const opened = await openPage(harness, 'history', stub());
  const { page } = opened;
  await waitFor(
    () => page.locator('#rows .row[data-seq="99994"]').count(),
    (n) => n === 1,
    'the newest rows',
  );
  for (const [kind, story, texts] of KINDS) {
    await page.click(`#rows .row[data-seq="${story.seq}"]`);
    const pane = page.locator('#detail');
    await waitFor(
      async () =>
        (await pane.isVisible()) && (await pane.locator('h2').textContent())?.startsWith(`Entry ${story.seq}:`),
      Boolean,
      `the pane of the ${kind} access`,
    );
    const text = (await pane.textContent()) ?? '';
    for (const want of texts) assert.ok(text.includes(want), `${kind}: "${want}" in ${text}`);
    const claimed = (await pane.locator('.story.claimed').textContent()) ?? '';
    assert.match(claimed, /claimed, not proof/, `${kind}: the claim is marked`);
    assert.ok(
      claimed.includes(story.claimed!.command.replace('\u202E', '\\u202e')),
      `${kind}: the claimed command in the claimed section`,
    );
    const verified = (await pane.locator('.story.verified').textContent()) ?? '';
    assert.ok(!verified.includes(story.claimed!.command), `${kind}: the claim is not in the verified section`);
    if (story.verified)
      assert.ok(
        verified.includes(TF) && verified.includes('/usr/bin/bash') && /verified/.test(verified),
        `${kind}: program and ancestry, marked verified`,
      );
    assert.equal(await pane.locator('code.cloudtrail').count(), story.cloudTrail ? 1 : 0);
    if (kind === 'minted') await screenshot(page, 'history-detail-minted');
  }
  await page.keyboard.press('Escape');
  await waitFor(() => page.locator('#detail').isHidden(), Boolean, 'Escape closing the pane');
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

test("the Profiles window shows each profile's activity from the history under its row, hostile program names escaped", async () => {
  const made = new Date(Date.now() - 41 * 86_400_000).toISOString();
  const view = (name: string): ProfileView => ({
    name,
    kind: 'keys',
    accessKeyIdSuffix: 'MPLE',
    sessionMode: false,
    mfa: false,
    roleArn: null,
    sourceProfile: null,
    policy: 'ask',
    rememberMinutes: 0,
    notify: false,
    createdAt: made,
    updatedAt: made,
    lastUsedAt: null,
  });
  const opened = await openPage(harness, 'profiles', {
    ...stub(),
    rows: 10,
    profiles: [view('prod'), view('quiet')],
    activity: [
      {
        profile: 'prod',
        lastUsed: '2026-11-26T11:00:00.000Z',
        uses24h: 3,
        uses7d: 12,
        denials: 2,
        byDecision: { approved: 12, denied: 2 },
        programs: [
          { exe: TF, uses: 9 },
          { exe: '/tmp/\u202Eevil', uses: 3 },
        ],
      },
    ],
  });
  const { page } = opened;
  const prod = page.locator('tr[data-activity-for="prod"]');
  await waitFor(
    () => prod.count(),
    (n) => n === 1,
    'the activity row of prod',
  );
  assert.equal(
    await prod.textContent(),
    `3 uses in 24 h, 12 uses in 7 days, 2 not served · programs: ${TF} (9), /tmp/\\u202eevil (3) · created 41 days ago, changed 41 days ago`,
  );
  assert.equal(
    await page.locator('tr[data-activity-for="quiet"]').textContent(),
    'No accesses in the history · created 41 days ago, changed 41 days ago',
  );
  assert.equal((await opened.calls('history.activity')).length, 1);
  await screenshot(page, 'profiles-activity');
  assert.deepEqual(await problems(opened), []);
  await opened.close();
});

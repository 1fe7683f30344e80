/**
 * The Access History page in real Chromium against a stubbed `window.trayCred` holding 100,000
 * generated entries: what the page asks main for, and what the user then sees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChainStatus, HistoryFilter, HistoryRow } from '../../preload/api.ts';
import type { StubOptions } from '../fakes/stub-tray-cred-api.ts';
import type { OpenedPage, RendererHarness } from './support.ts';
import { openPage, problems, screenshot, startHarness, waitFor } from './support.ts';

const ROW_HEIGHT = 26;
const VERIFIED: ChainStatus = { state: 'verified', entries: 100_000 };
const stub = (verify: ChainStatus = VERIFIED): StubOptions => ({
  rows: 100_000,
  verify,
  profiles: [],
  locked: false,
  importResult: { canceled: true, file: null, imported: [], skipped: [] },
});

let harness: RendererHarness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

interface ShownRow {
  index: number;
  seq: string | null;
  cells: string[];
}

/** The row elements in the DOM, in list order. */
async function shown(page: Page): Promise<ShownRow[]> {
  const rows: ShownRow[] = await page.locator('#rows .row').evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('aria-rowindex')) - 2,
      seq: el.getAttribute('data-seq'),
      cells: Array.from(el.children, (c: { textContent: string | null }) => c.textContent ?? ''),
    })),
  );
  return rows.sort((a, b) => a.index - b.index);
}

async function expected(
  page: Page,
  filter: HistoryFilter,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: HistoryRow[] }> {
  return page.evaluate(
    ([f, o, l]) =>
      (
        globalThis as unknown as {
          __stub: { expected(f: HistoryFilter, o: number, l: number): { total: number; rows: HistoryRow[] } };
        }
      ).__stub.expected(f, o, l),
    [filter, offset, limit] as const,
  );
}

const count = (page: Page): Promise<string | null> => page.locator('#count').textContent();

/**
 * Waits until the page shows `filter`'s first rows, then checks that the last query it sent was
 * exactly `filter` from the top. Returns the rows shown.
 */
async function showsFilter(opened: OpenedPage, filter: HistoryFilter): Promise<ShownRow[]> {
  const { page } = opened;
  const want = await expected(page, filter, 0, 10);
  const wantSeqs = want.rows.map((r) => String(r.seq));
  const rows = await waitFor(
    async () => {
      const now = await shown(page);
      return { count: await count(page), seqs: now.slice(0, wantSeqs.length).map((r) => r.seq), rows: now };
    },
    (v) =>
      v.count === `${want.total.toLocaleString('en-US')} ${want.total === 1 ? 'entry' : 'entries'}` &&
      v.seqs.join() === wantSeqs.join(),
    `the rows of ${JSON.stringify(filter)}`,
  );
  const queries = await opened.calls('history.query');
  assert.deepEqual(queries.at(-1)?.args.slice(0, 2), [filter, queries.at(-1)?.args[1]]);
  assert.ok(
    queries.some((q) => JSON.stringify(q.args) === JSON.stringify([filter, 0, 100])),
    `no query for ${JSON.stringify(filter)} from the top`,
  );
  return rows.rows;
}

test('each filter narrows the query sent to main and the rows shown; export sends the current filter', async () => {
  const opened = await openPage(harness, 'history', stub());
  const { page } = opened;
  try {
    const all = await showsFilter(opened, { events: 'access' });
    // The newest entry (seq 100000) is an unlock: accesses start at 99999, in Berlin time.
    assert.deepEqual(all[0]?.cells, [
      '2026-11-26 12:59:00',
      'sandbox',
      'timeout',
      'aws s3 ls --profile sandbox #99999',
      '/home/ann/project-3',
      '89 ms',
    ]);
    assert.equal(await count(page), '99,000 entries');
    await waitFor(
      () => page.locator('#banner').textContent(),
      (t) => t?.startsWith('Chain verified: 100,000 entries') === true,
      'the verified banner',
    );
    assert.match((await page.locator('#banner').getAttribute('class')) ?? '', /\bok\b/);
    await screenshot(page, 'history-light');

    await page.selectOption('#f-profile', 'prod');
    let rows = await showsFilter(opened, { events: 'access', profile: 'prod' });
    assert.ok(rows.length > 5 && rows.every((r) => r.cells[1] === 'prod'), 'only prod rows');

    await page.selectOption('#f-decision', 'denied');
    rows = await showsFilter(opened, { events: 'access', profile: 'prod', decision: 'denied' });
    assert.ok(
      rows.length > 5 && rows.every((r) => r.cells[1] === 'prod' && r.cells[2] === 'denied'),
      'only denied prod rows',
    );

    await page.selectOption('#f-profile', '');
    await page.selectOption('#f-decision', '');
    await showsFilter(opened, { events: 'access' });
    const before = (await opened.calls('history.query')).length;
    await page.locator('#f-text').pressSequentially('PROJECT-7');
    rows = await showsFilter(opened, { events: 'access', text: 'PROJECT-7' });
    assert.ok(rows.length > 5 && rows.every((r) => r.cells[4] === '/home/ann/project-7'), 'only rows run in project-7');
    // Nine keys typed at speed: a query per pause, not per key (a loaded machine may pause once or twice).
    const typed = new Set(
      (await opened.calls('history.query')).slice(before).map((q) => (q.args[0] as HistoryFilter).text),
    );
    assert.ok(typed.size <= 3, `the text filter is debounced, not sent per key: ${[...typed].join()}`);

    await page.fill('#f-text', '');
    await page.fill('#f-from', '2026-11-26T10:00');
    await page.fill('#f-to', '2026-11-26T11:00');
    // datetime-local is the user's wall time (Berlin, UTC+1 in November); main gets UTC.
    rows = await showsFilter(opened, {
      events: 'access',
      from: '2026-11-26T09:00:00.000Z',
      to: '2026-11-26T10:00:00.000Z',
    });
    // 09:00 up to 10:00 UTC holds 60 accesses (the unlock at seq 99900 falls at 10:00, outside).
    assert.equal(await count(page), '60 entries');
    assert.equal(rows[0]?.cells[0], '2026-11-26 10:59:00');

    await page.fill('#f-from', '');
    await page.fill('#f-to', '');
    await page.selectOption('#f-events', 'all');
    rows = await showsFilter(opened, { events: 'all' });
    assert.equal(await count(page), '100,000 entries');
    assert.deepEqual(rows[0]?.cells.slice(0, 3), ['2026-11-26 13:00:00', '', 'unlock']);

    await page.selectOption('#f-events', 'access');
    await page.selectOption('#f-profile', 'prod');
    await page.fill('#f-text', 'project-7');
    await page.locator('#f-text').press('Enter');
    const exported = await showsFilter(opened, { events: 'access', profile: 'prod', text: 'project-7' });
    const total = (await expected(page, { events: 'access', profile: 'prod', text: 'project-7' }, 0, 0)).total;
    assert.ok(exported.length > 0);
    await page.click('#export-csv');
    await waitFor(
      () => page.locator('#status').textContent(),
      (t) => t === `Exported ${total.toLocaleString('en-US')} entries to /home/ann/tray-cred-history.csv`,
      'the CSV export message',
    );
    await page.click('#export-json');
    await waitFor(
      () => page.locator('#status').textContent(),
      (t) => t?.endsWith('/home/ann/tray-cred-history.json') === true,
      'the JSON export message',
    );
    // A failure in main is shown, not swallowed; the next filter works again.
    await page.evaluate(() =>
      (globalThis as unknown as { __stub: { failNextQuery(m: string): void } }).__stub.failNextQuery(
        'the audit log could not be read: permission denied',
      ),
    );
    await page.selectOption('#f-decision', 'approved');
    await waitFor(
      () => page.locator('#status').textContent(),
      (t) => t === 'the audit log could not be read: permission denied',
      'the error in the status line',
    );
    assert.match((await page.locator('#status').getAttribute('class')) ?? '', /\berror\b/);
    assert.equal(await page.locator('#empty').isVisible(), false);
    await page.selectOption('#f-decision', '');
    await showsFilter(opened, { events: 'access', profile: 'prod', text: 'project-7' });
    assert.equal(await page.locator('#status').textContent(), '');

    assert.deepEqual(
      (await opened.calls('history.export')).map((c) => c.args),
      [
        [{ events: 'access', profile: 'prod', text: 'project-7' }, 'csv'],
        [{ events: 'access', profile: 'prod', text: 'project-7' }, 'json'],
      ],
    );
    assert.deepEqual(await problems(opened), []);
  } finally {
    await opened.close();
  }
});

test('new entries appear live at the top; a reader further down keeps their rows', async () => {
  const opened = await openPage(harness, 'history', stub(), {}, { fakeClock: true });
  const { page } = opened;
  const addRow = (fields: Partial<HistoryRow>): Promise<HistoryRow> =>
    page.evaluate(
      (f) => (globalThis as unknown as { __stub: { addRow(f: Partial<HistoryRow>): HistoryRow } }).__stub.addRow(f),
      fields,
    );
  try {
    await showsFilter(opened, { events: 'access' });
    const verifies = (await opened.calls('history.verify')).length;
    await addRow({
      profile: 'prod',
      decision: 'approved',
      command: 'aws sts get-caller-identity --profile prod',
      cwd: '/home/ann/live',
    });
    const rows = await waitFor(
      () => shown(page),
      (r) => r[0]?.cells[3] === 'aws sts get-caller-identity --profile prod',
      'the new entry at the top',
    );
    assert.deepEqual(rows[0]?.cells.slice(1, 3), ['prod', 'approved']);
    assert.equal(rows[1]?.cells[3], 'aws s3 ls --profile sandbox #99999');
    assert.equal(await count(page), '99,001 entries');
    // The chain is checked again, so the banner's count follows the log, but not more than every 30 s:
    // verifying costs main about a second per 100,000 entries.
    await page.clock.fastForward(5_000);
    assert.equal((await opened.calls('history.verify')).length, verifies, 'no re-verify within 30 s of the last');
    await page.clock.fastForward(30_000);
    await waitFor(
      () => opened.calls('history.verify'),
      (c) => c.length === verifies + 1,
      'one new verify after the change',
    );

    await page.selectOption('#f-profile', 'dev');
    await showsFilter(opened, { events: 'access', profile: 'dev' });
    const devCount = await count(page);
    await addRow({ profile: 'prod', decision: 'denied', command: 'aws s3 rb s3://prod-bucket --profile prod' });
    await addRow({ profile: 'dev', decision: 'allowed', command: 'aws s3 ls --profile dev # live' });
    await waitFor(
      () => shown(page),
      (r) => r[0]?.cells[3] === 'aws s3 ls --profile dev # live',
      'the new dev entry at the top',
    );
    assert.notEqual(await count(page), devCount);
    assert.ok(
      (await shown(page)).every((r) => r.cells[1] === 'dev'),
      'the prod entry stays filtered out',
    );

    // Someone reading row 500 keeps reading the same entry when one arrives above it.
    await page.selectOption('#f-profile', '');
    await showsFilter(opened, { events: 'access' });
    await page.locator('#viewport').evaluate((el, top) => {
      el.scrollTop = top;
    }, 500 * ROW_HEIGHT);
    const atTop = async (): Promise<string | null | undefined> => {
      const top = await page.locator('#viewport').evaluate((el) => el.scrollTop);
      return (await shown(page)).find((r) => r.index === Math.round(top / ROW_HEIGHT))?.seq;
    };
    const reading = await waitFor(atTop, (s) => typeof s === 'string', 'row 500 on screen');
    await addRow({ profile: 'staging', decision: 'allowed' });
    await waitFor(
      () => count(page),
      (c) => c === '99,004 entries',
      'the count to grow',
    );
    await waitFor(atTop, (s) => s === reading, 'the same entry still at the top of the view');
    assert.deepEqual(await problems(opened), []);
  } finally {
    await opened.close();
  }
});

test("a caller's right-to-left override and ESC sequence show as escapes in the cells and their hover text", async () => {
  const opened = await openPage(harness, 'history', stub());
  const { page } = opened;
  try {
    await showsFilter(opened, { events: 'access' });
    await page.evaluate(
      (f) => (globalThis as unknown as { __stub: { addRow(f: Partial<HistoryRow>): HistoryRow } }).__stub.addRow(f),
      {
        profile: 'prod',
        decision: 'denied' as const,
        command: 'ls \u202Eexe.xl \u001b[2J',
        cwd: '/tmp/\u2066x\u001b]0;t\u0007',
        reason: 'said \u202Eon\u001b[31m',
      },
    );
    const rows = await waitFor(
      () => shown(page),
      (r) => r[0]?.cells[3]?.startsWith('ls ') === true,
      'the hostile entry at the top',
    );
    assert.equal(rows[0]!.cells[3], 'ls \\u202eexe.xl \\x1b[2J');
    assert.equal(rows[0]!.cells[4], '/tmp/\\u2066x\\x1b]0;t\\x07');
    const titles = await page
      .locator('#rows .row')
      .first()
      .evaluate((row) =>
        Array.from(row.querySelectorAll('[title]'), (el: { getAttribute(name: string): string | null }) =>
          el.getAttribute('title'),
        ),
      );
    assert.ok(titles.includes('as claimed by the client: ls \\u202eexe.xl \\x1b[2J'), String(titles));
    assert.ok(titles.includes('said \\u202eon\\x1b[31m'), 'the reason on the decision badge');
    const all = await page
      .locator('#rows')
      .evaluate(
        (el) =>
          `${el.textContent}${Array.from(el.querySelectorAll('[title]'), (t: { getAttribute(name: string): string | null }) => t.getAttribute('title')).join('')}`,
      );
    // eslint-disable-next-line no-control-regex -- asserting that none reach the page
    assert.doesNotMatch(all, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    assert.deepEqual(await problems(opened), []);
  } finally {
    await opened.close();
  }
});

test('100,000 entries scroll to the end and the middle with few row elements and few page fetches', async () => {
  const opened = await openPage(harness, 'history', stub());
  const { page } = opened;
  try {
    await page.selectOption('#f-events', 'all');
    await showsFilter(opened, { events: 'all' });
    const start = (await opened.calls('history.query')).length;

    // Keyboard: the table takes focus and End goes to the oldest entry.
    await page.locator('#viewport').focus();
    await page.keyboard.press('End');
    let rows = await waitFor(
      () => shown(page),
      (r) => r.at(-1)?.index === 99_999 && r.at(-1)?.seq === '1',
      'the oldest entry at the bottom',
    );
    // 99,999 minutes before the newest: in September, when Berlin is UTC+2.
    assert.deepEqual(rows.at(-1)?.cells, [
      '2026-09-18 03:21:00',
      'prod',
      'approved',
      'aws s3 ls --profile prod #1',
      '/home/ann/project-1',
      '1 ms',
    ]);
    assert.ok(rows.length < 100, `${rows.length} row elements in the DOM`);
    const atEnd = (await opened.calls('history.query')).length - start;
    // End scrolls smoothly through 99,900 rows; pages are fetched where the scroll pauses, not on the way
    // (a loaded machine pauses now and then, so allow a few).
    assert.ok(atEnd <= 8, `${atEnd} page fetches to show the end`);
    await screenshot(page, 'history-end');

    await page.locator('#viewport').evaluate((el, top) => {
      el.scrollTop = top;
    }, 50_000 * ROW_HEIGHT);
    rows = await waitFor(
      () => shown(page),
      (r) => r.some((x) => x.index === 50_000 && x.seq === '50000') && r.every((x) => x.seq !== null),
      'entry 50000 at row 50000, every row filled',
    );
    assert.equal(rows.find((r) => r.index === 50_000)?.cells[3], '');
    assert.equal(rows.find((r) => r.index === 50_001)?.cells[3], 'aws s3 ls --profile sandbox #49999');
    assert.ok(rows.length < 100, `${rows.length} row elements in the DOM`);
    for (const r of rows) assert.equal(Number(r.seq), 100_000 - r.index, `row ${r.index} shows its own entry`);

    await page.keyboard.press('PageDown');
    await page.keyboard.press('Home');
    await waitFor(
      () => shown(page),
      (r) => r[0]?.index === 0 && r[0]?.seq === '100000',
      'the newest entry after Home',
    );
    const fetched = (await opened.calls('history.query')).slice(start);
    assert.ok(fetched.length <= 16, `${fetched.length} page fetches for end, middle and top`);
    assert.ok(
      fetched.every((q) => (q.args[2] as number) <= 500),
      'every page within MAX_PAGE',
    );
    assert.ok((await page.locator('#rows .row').count()) < 100);
    assert.deepEqual(await problems(opened), []);
  } finally {
    await opened.close();
  }
});

test('a tampered chain shows a red banner naming the entry, file and line; dark scheme; the CSP is enforced', async () => {
  const tampered: ChainStatus = {
    state: 'tampered',
    entries: 100_000,
    seq: 4242,
    file: 'audit-2026-11.jsonl',
    line: 4242,
    reason: 'its MAC does not match: the entry was edited',
  };
  const opened = await openPage(harness, 'history', stub(tampered), { colorScheme: 'dark' });
  const { page } = opened;
  try {
    const text = await waitFor(
      () => page.locator('#banner span').textContent(),
      (t) => t?.startsWith('Tampered') === true,
      'the tampered banner',
    );
    assert.equal(
      text,
      'Tampered at entry 4242 (audit-2026-11.jsonl, line 4242): its MAC does not match: the entry was edited',
    );
    const [r, g, b] = (
      (
        await page
          .locator('#banner')
          .evaluate(
            (el) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
          )
      ).match(/\d+/g) ?? []
    ).map(Number);
    assert.ok(
      r !== undefined && g !== undefined && b !== undefined && r > g + 60 && r > b + 60,
      'the banner text is red',
    );
    await showsFilter(opened, { events: 'access' });
    await screenshot(page, 'history-tampered-dark');

    const verifies = (await opened.calls('history.verify')).length;
    await page.click('#banner button');
    await waitFor(
      () => opened.calls('history.verify'),
      (c) => c.length === verifies + 1,
      'Verify again to ask main',
    );
    assert.deepEqual(await problems(opened), []);

    // The collector is live: an inline style attribute is refused and reported.
    await page.evaluate(() => {
      const doc = (
        globalThis as unknown as { document: { body: { insertAdjacentHTML(where: string, html: string): void } } }
      ).document;
      doc.body.insertAdjacentHTML('beforeend', '<div style="color: red">x</div>');
    });
    await waitFor(
      () => opened.violations(),
      (v) => v.some((x) => x.startsWith('style-src')),
      'a CSP violation for an inline style',
    );
  } finally {
    await opened.close();
  }
});

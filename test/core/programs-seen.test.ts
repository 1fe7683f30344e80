/**
 * "Never seen before" in the agent (issue 18 item 4): the prompt's `firstUse` comes from the
 * audit log's last 90 days, kept current as the agent writes, rebuilt from the log on restart,
 * and not fooled by lines another process wrote into the log.
 */
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { FIRST_USE_MS, ProgramsSeen } from '../../main/core/history/programs-seen.ts';
import type { ApprovalAnswer } from '../../main/core/ports/ports.ts';
import { verifiedCaller } from '../fakes/verified.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const claim = { pid: 5000, ppid: 4999, command: 'tf plan', cwd: '/home/ann/infra' };
const DAY = 24 * 3600 * 1000;
const TERRAFORM = verifiedCaller({ pid: 6000, exe: '/usr/local/bin/terraform', argv: ['terraform', 'plan'] });
const PYTHON = verifiedCaller({ pid: 7000, exe: '/usr/bin/python3.13' });

describe('Programs seen: the first use of a guarded profile by a verified program', () => {
  let w: World;
  let seen: ProgramsSeen;
  let seq = 0;

  beforeEach(async () => {
    seen = new ProgramsSeen();
    w = await makeWorld({ firstUse: seen });
    w.audit.onAppended((entries) => seen.note(entries));
    const admin = new ProfileAdmin(w.vault, w.audit);
    const key = await w.vault.loadMasterKey();
    await admin.import(
      key,
      new Map([
        ['prod', PROD_KEYS],
        ['dev', DEV_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    await admin.setPolicy(key, 'prod', 'ask', 0);
    key.fill(0);
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  /** One request for prod answered with `answer`; resolves with the prompt's `firstUse`. */
  async function ask(
    verified: VerifiedCaller | undefined,
    answer: ApprovalAnswer = { allow: true },
  ): Promise<boolean | undefined> {
    const served = w.broker.credentials(`q${(seq += 1)}`, 'prod', claim, verified).then(
      () => true,
      () => false,
    );
    await w.approver.untilOpen();
    const request = w.approver.requests.at(-1)!;
    w.approver.answer(answer);
    assert.equal(await served, answer.allow);
    return request.firstUse;
  }
  const reload = async (now: number): Promise<{ fresh: ProgramsSeen; read: number }> => {
    const fresh = new ProgramsSeen();
    const key = await w.auditKey();
    const read = await fresh.load(w.fs, w.audit.dir, key, now);
    return { fresh, read };
  };

  it("a second program is flagged; the first program's next request is not", async () => {
    assert.equal(await ask(TERRAFORM), true, 'terraform has never used prod');
    assert.equal(await ask(TERRAFORM), undefined, 'served once: known now');
    assert.equal(await ask(PYTHON), true, 'another program is new to prod');
    assert.equal(await ask(PYTHON), undefined);
  });

  it('a refused request does not make a program known; a program known for dev is still new to prod', async () => {
    await w.broker.credentials('d1', 'dev', claim, PYTHON);
    assert.equal(await ask(PYTHON), true);
    assert.equal(await ask(TERRAFORM, { allow: false }), true);
    assert.equal(await ask(TERRAFORM), true, 'the deny served nothing');
  });

  it('an unverified caller is never flagged (nothing is known of it)', async () => {
    assert.equal(await ask(undefined), undefined);
  });

  it('a use older than 90 days does not count', async () => {
    assert.equal(await ask(TERRAFORM), true);
    w.clock.advance(FIRST_USE_MS - DAY);
    assert.equal(await ask(TERRAFORM), undefined, '89 days on: still known (and used again now)');
    w.clock.advance(FIRST_USE_MS + DAY);
    assert.equal(await ask(TERRAFORM), true, '91 days without a use: a first use again');
  });

  it('a restart rebuilds it from the log, reading back only as far as the 90 days', async () => {
    for (let i = 0; i < 5; i += 1) await ask(PYTHON);
    w.clock.advance(FIRST_USE_MS + DAY);
    await ask(TERRAFORM);
    const { fresh, read } = await reload(w.clock.now());
    assert.equal(await fresh.isFirstUse('prod', TERRAFORM.requester.exe, w.clock.now()), false);
    assert.equal(
      await fresh.isFirstUse('prod', PYTHON.requester.exe, w.clock.now()),
      true,
      'its uses are older than 90 days',
    );
    assert.equal(await fresh.isFirstUse('dev', TERRAFORM.requester.exe, w.clock.now()), true);
    assert.ok(
      read < (await w.entries()).length,
      `read ${read} of ${(await w.entries()).length} entries: it stops at the window's start`,
    );
    assert.equal(fresh.size, 1);
  });

  it('a line written into the log by another process does not make a program known', async () => {
    await ask(TERRAFORM);
    const files = (await readdir(w.audit.dir)).filter((f) => f.endsWith('.jsonl')).sort();
    const path = join(w.audit.dir, files.at(-1)!);
    const genuine = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.includes('"event":"access"'))!;
    // The attacker's copy of a genuine line, naming its own program: the MAC no longer holds.
    await appendFile(path, `${genuine.replace('/usr/local/bin/terraform', '/tmp/evil')}\n`);
    // And a written-in line dated long ago, which would end the read before the genuine entries were it trusted.
    await appendFile(path, `${genuine.replace(/"time":"[^"]+"/, '"time":"2020-01-01T00:00:00.000Z"')}\n`);
    const { fresh } = await reload(w.clock.now());
    assert.equal(await fresh.isFirstUse('prod', '/tmp/evil', w.clock.now()), true);
    assert.equal(
      await fresh.isFirstUse('prod', TERRAFORM.requester.exe, w.clock.now()),
      false,
      'the genuine line still counts',
    );
  });
});

describe('ProgramsSeen read in the background', () => {
  it('answers only once the read has settled, so a prompt at start never calls a known program new', async () => {
    const seen = new ProgramsSeen();
    let finish: () => void = () => undefined;
    void seen.loadInBackground(async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      seen.note([
        {
          seq: 1,
          time: new Date(0).toISOString(),
          event: 'access',
          profile: 'prod',
          decision: 'approved',
          verified: TERRAFORM,
        },
      ]);
    });
    let answered: boolean | undefined;
    const asked = Promise.resolve(seen.isFirstUse('prod', TERRAFORM.requester.exe, 1000)).then((v) => (answered = v));
    await new Promise((r) => setImmediate(r));
    assert.equal(answered, undefined, 'no answer while the log is still being read');
    finish();
    await asked;
    assert.equal(answered, false, 'after the read, the program is known');
  });
});

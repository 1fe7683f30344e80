import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { parseRecord } from '../../main/core/audit/audit-codec.ts';
import type { ApprovalAnswer } from '../../main/core/ports/ports.ts';
import { verifiedCaller } from '../fakes/verified.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const claim = { pid: 5000, ppid: 4999, command: 'python3 deploy.py', cwd: '/home/ann/infra' };
const flush = () => new Promise((r) => setImmediate(r));
const MIN = 60_000;

describe('Approval scopes (core, FakeClock)', () => {
  let w: World;
  let admin: ProfileAdmin;
  let seq = 0;

  beforeEach(async () => {
    seq = 0;
    w = await makeWorld();
    admin = new ProfileAdmin(w.vault, w.audit);
    const key = await w.vault.loadMasterKey();
    await admin.import(
      key,
      new Map([
        ['prod', PROD_KEYS],
        ['stage', DEV_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    await admin.setPolicy(key, 'prod', 'ask', 15);
    await admin.setPolicy(key, 'stage', 'ask', 15);
    key.fill(0);
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  /** One request; when a prompt opens, it gets `answer`. Resolves with whether it was served and how many prompts it took. */
  async function request(
    profile: string,
    verified: VerifiedCaller | undefined,
    answer?: ApprovalAnswer,
  ): Promise<{ ok: boolean; prompted: number }> {
    const before = w.approver.requests.length;
    const id = `q${(seq += 1)}`;
    const served = w.broker.credentials(id, profile, claim, verified).then(
      () => true,
      () => false,
    );
    if (answer) {
      const done = await Promise.race([
        served.then(() => 'done' as const),
        w.approver.untilOpen().then(() => 'open' as const),
      ]);
      if (done === 'open') w.approver.answer(answer);
    }
    return { ok: await served, prompted: w.approver.requests.length - before };
  }
  const withKey = async (fn: (key: Buffer) => Promise<unknown>) => {
    w.clock.advance(1_000); // a change is made at a later time than the grant, as in life
    const key = await w.vault.loadMasterKey();
    await fn(key);
    key.fill(0);
  };
  const accesses = async () => (await w.entries()).filter((e) => e.event === 'access');
  const run = verifiedCaller();

  it('once: the next request of the same run asks again', async () => {
    assert.deepEqual(await request('prod', run, { allow: true }), { ok: true, prompted: 1 });
    assert.deepEqual(await request('prod', run, { allow: true }), { ok: true, prompted: 1 });
    assert.deepEqual(
      (await accesses()).map((e) => e.approval),
      [
        { scope: 'once', grant: 'q1' },
        { scope: 'once', grant: 'q2' },
      ],
    );
  });

  it('run: the same program instance rides on it until the minutes pass; a new process (same pid, other start time) asks', async () => {
    assert.deepEqual(w.approver.requests.length, 0);
    assert.deepEqual(await request('prod', run, { allow: true, scope: { kind: 'run', minutes: 15 } }), {
      ok: true,
      prompted: 1,
    });
    assert.deepEqual(w.approver.requests[0]!.offer, { kinds: ['once', 'run', 'program-folder'], minutes: 15 });
    for (let i = 0; i < 19; i += 1) assert.deepEqual(await request('prod', run), { ok: true, prompted: 0 });
    assert.deepEqual(
      await request('prod', verifiedCaller({ startTime: '999999' }), { allow: false }),
      { ok: false, prompted: 1 },
      'a reused pid is another run',
    );
    assert.deepEqual(
      await request('stage', run, { allow: false }),
      { ok: false, prompted: 1 },
      'another profile is not covered',
    );
    w.clock.advance(15 * MIN);
    assert.deepEqual(
      await request('prod', run, { allow: false }),
      { ok: false, prompted: 1 },
      'the grant ended after its minutes',
    );
    const served = (await accesses()).filter((e) => e.profile === 'prod' && e.decision !== 'denied');
    assert.equal(served.filter((e) => e.decision === 'approved').length, 1, 'one click, one approval in the log');
    assert.deepEqual(
      new Set(served.slice(1).map((e) => JSON.stringify([e.decision, e.approval]))),
      new Set([JSON.stringify(['remembered', { scope: 'run', grant: 'q1' }])]),
    );
  });

  it('run: a person may shorten the minutes, never stretch them past the profile', async () => {
    await request('prod', run, { allow: true, scope: { kind: 'run', minutes: 600 } });
    w.clock.advance(15 * MIN - 1);
    assert.equal((await request('prod', run)).prompted, 0);
    w.clock.advance(1);
    assert.equal((await request('prod', run, { allow: false })).prompted, 1);
  });

  it('program-folder: the same verified program in the same folder, any pid; not elsewhere, not another program', async () => {
    await request('prod', run, { allow: true, scope: { kind: 'program-folder', minutes: 15 } });
    assert.equal((await request('prod', verifiedCaller({ pid: 7000, startTime: '1' }))).prompted, 0);
    assert.equal((await request('prod', verifiedCaller({ pid: 7001, cwd: '/tmp' }), { allow: false })).prompted, 1);
    assert.equal(
      (await request('prod', verifiedCaller({ pid: 7002, exe: '/usr/bin/node' }), { allow: false })).prompted,
      1,
    );
  });

  it('program-folder needs remember minutes: with remember 0 only once and this run (an hour at most) are offered', async () => {
    await withKey((key) => admin.setPolicy(key, 'prod', 'ask', 0));
    await request('prod', run, { allow: true, scope: { kind: 'program-folder', minutes: 60 } });
    assert.deepEqual(w.approver.requests[0]!.offer, { kinds: ['once', 'run'], minutes: 60 });
    assert.equal(
      (await request('prod', verifiedCaller({ pid: 7000 }), { allow: false })).prompted,
      1,
      'narrowed to once',
    );
  });

  it('any: offered only where the profile permits it; then another program rides on it', async () => {
    await request('prod', run, { allow: true, scope: { kind: 'any', minutes: 15 } });
    assert.equal(
      (await request('prod', verifiedCaller({ pid: 8000, exe: '/usr/bin/node' }), { allow: false })).prompted,
      1,
      'not offered: once',
    );
    await withKey((key) => admin.setPolicy(key, 'prod', 'ask', 15, undefined, true));
    await request('prod', run, { allow: true, scope: { kind: 'any', minutes: 15 } });
    assert.deepEqual(w.approver.requests.at(-1)!.offer!.kinds, ['once', 'run', 'program-folder', 'any']);
    assert.equal((await request('prod', verifiedCaller({ pid: 8001, exe: '/usr/bin/node', cwd: '/' }))).prompted, 0);
    assert.equal((await request('prod', undefined)).prompted, 0, 'any caller means any, verified or not');
  });

  it('no verification: only once is offered, and a broad answer starts nothing', async () => {
    await request('prod', undefined, { allow: true, scope: { kind: 'run', minutes: 15 } });
    assert.deepEqual(w.approver.requests[0]!.offer, { kinds: ['once'], minutes: 0 });
    assert.equal((await request('prod', undefined, { allow: false })).prompted, 1);
  });

  const changes: { what: string; change: (key: Buffer) => Promise<unknown> }[] = [
    { what: 'a policy change (ask → ask --remember 0)', change: (key) => admin.setPolicy(key, 'prod', 'ask', 0) },
    { what: 'a remember change', change: (key) => admin.setPolicy(key, 'prod', 'ask', 30) },
    {
      what: 'a policy round trip through allow',
      change: async (key) => (
        await admin.setPolicy(key, 'prod', 'allow', undefined), await admin.setPolicy(key, 'prod', 'ask', 15)
      ),
    },
    {
      what: 'remove and re-add with new keys',
      change: async (key) => (
        await admin.remove(key, 'prod'),
        await admin.add(key, 'prod', DEV_KEYS, false, 'ask'),
        await admin.setPolicy(key, 'prod', 'ask', 15)
      ),
    },
    {
      what: 'remove and re-add with the same keys',
      change: async (key) => (
        await admin.remove(key, 'prod'),
        await admin.add(key, 'prod', PROD_KEYS, false, 'ask'),
        await admin.setPolicy(key, 'prod', 'ask', 15)
      ),
    },
    { what: 'rotation (add --replace)', change: (key) => admin.add(key, 'prod', DEV_KEYS, true) },
  ];
  for (const { what, change } of changes) {
    it(`grants end on ${what}`, async () => {
      await request('prod', run, { allow: true, scope: { kind: 'run', minutes: 15 } });
      assert.equal((await request('prod', run)).prompted, 0, 'the grant holds before the change');
      await withKey(change);
      assert.equal((await request('prod', run, { allow: false })).prompted, 1);
    });
  }

  it('grants end on lock', async () => {
    await request('prod', run, { allow: true, scope: { kind: 'run', minutes: 15 } });
    await w.broker.lock('test');
    await w.broker.unlock();
    assert.equal((await request('prod', run, { allow: false })).prompted, 1);
  });

  it("attack: a raw client forging a waiting request's claim, from another verified program, gets its own prompt and never the approval", async () => {
    const victim = w.broker.credentials('victim', 'prod', claim, run).then(
      () => 'served',
      () => 'refused',
    );
    await w.approver.untilOpen();
    const forgers = [
      w.broker.credentials('victim', 'prod', claim, verifiedCaller({ pid: 6666, exe: '/usr/bin/python3.13' })).then(
        () => 'served',
        () => 'refused',
      ),
      w.broker.credentials('victim', 'prod', claim, undefined).then(
        () => 'served',
        () => 'refused',
      ),
    ];
    while (w.broker.status().pending < 3) await flush();
    assert.deepEqual(
      w.broker.status().waiting.map((x) => x.who),
      [
        '/usr/bin/python3.13 (pid 5000, verified) in /home/ann/infra',
        '/usr/bin/python3.13 (pid 6666, verified) in /home/ann/infra',
        'python3 deploy.py (pid 5000, claimed) in /home/ann/infra',
      ],
    );
    w.approver.answer({ allow: true, scope: { kind: 'run', minutes: 15 } });
    assert.equal(await victim, 'served');
    await flush();
    assert.equal(w.broker.status().pending, 2, 'the forgers still wait for their own answers');
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    assert.deepEqual(await Promise.all(forgers), ['refused', 'refused']);
    const decisions = (await accesses()).map((e) => e.decision);
    assert.equal(decisions.filter((d) => d === 'approved' || d === 'remembered').length, 1, 'one click, one approval');
  });

  it('the approval field is validated by the audit codec: a bad scope or an overlong grant is not what tray-cred writes', () => {
    const line = (approval: unknown) =>
      JSON.stringify({ seq: 1, time: '2026-11-26T09:00:00.000Z', event: 'access', approval });
    assert.equal(parseRecord(line({ scope: 'run', grant: 'q1' })).ok, true);
    for (const bad of [
      { scope: 'forever', grant: 'q1' },
      { scope: 'run', grant: 'x'.repeat(65) },
      { scope: 'run' },
      'run',
      null,
    ]) {
      const parsed = parseRecord(line(bad));
      assert.equal(parsed.ok, false, JSON.stringify(bad));
      assert.match(parsed.ok ? '' : parsed.reason, /approval/);
    }
  });
});

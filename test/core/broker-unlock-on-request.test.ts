import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request, Response } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { verifiedCaller } from '../fakes/verified.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/work' };
const ask = (profile: string, id = 'r1'): Request => ({ v: 1, id, op: 'credentials', profile, caller });
const errorCode = (r: Response): string | undefined => (r.ok ? undefined : r.error.code);

describe('Broker, unlock on request (the tray setting)', () => {
  let w: World;
  let enabled = true;

  beforeEach(async () => {
    enabled = true;
    w = await makeWorld({ unlockOnRequest: () => enabled });
    const key = await w.vault.loadMasterKey();
    const admin = new ProfileAdmin(w.vault, w.audit);
    await admin.import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['prod', PROD_KEYS],
        ['blocked', DEV_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    await admin.setPolicy(key, 'blocked', 'deny', undefined);
    key.fill(0);
  });
  afterEach(() => w.close());

  const accesses = async () =>
    (await w.entries()).filter((e) => e.event === 'access').map((e) => [e.profile, e.decision, e.reason]);

  it('asks once to unlock and allow, then serves an ask profile without a second prompt', async () => {
    assert.ok(w.broker.locked);
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    assert.deepEqual(w.approver.requests[0], {
      profile: 'prod',
      caller,
      verified: undefined,
      offer: { kinds: ['once'], minutes: 0 },
      unlock: true,
    });
    w.approver.answer({ allow: true });
    const r = await pending;
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal((r.result as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
    assert.equal(w.broker.locked, false);
    assert.equal(w.approver.requests.length, 1);
    const events = (await w.entries()).map((e) => e.event);
    assert.deepEqual(events.slice(-2), ['unlock', 'access']);
    assert.deepEqual((await accesses()).at(-1), ['prod', 'approved', 'approved at the unlock prompt']);
  });

  it('an allow profile served after the unlock prompt is recorded as approved by a person, not allowed unasked', async () => {
    const pending = w.handle(ask('dev'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    assert.ok((await pending).ok);
    assert.deepEqual((await accesses()).at(-1), ['dev', 'approved', 'approved at the unlock prompt']);
  });

  it('a declined unlock prompt leaves it locked and is recorded as denied', async () => {
    const pending = w.handle(ask('dev'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: false });
    assert.equal(errorCode(await pending), 'DENIED');
    assert.ok(w.broker.locked);
    assert.deepEqual(await accesses(), [['dev', 'denied', 'unlock declined at the prompt']]);
  });

  it('identical requests of one verified program instance share one unlock prompt', async () => {
    const run = verifiedCaller();
    const both = [w.broker.credentials('a', 'dev', caller, run), w.broker.credentials('b', 'dev', caller, run)];
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    await Promise.all(both);
    assert.equal(w.approver.requests.length, 1);
    assert.equal((await w.entries()).filter((e) => e.event === 'unlock').length, 1);
  });

  it('unlocking does not override a deny policy', async () => {
    const pending = w.handle(ask('blocked'));
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    assert.equal(errorCode(await pending), 'DENIED');
    assert.equal(w.broker.locked, false);
    assert.deepEqual((await accesses()).at(-1), ['blocked', 'denied', 'the profile policy is deny']);
  });

  it('with the setting off, a locked request fails at once as LOCKED', async () => {
    enabled = false;
    assert.equal(errorCode(await w.handle(ask('dev'))), 'LOCKED');
    assert.equal(w.approver.requests.length, 0);
    assert.deepEqual(await accesses(), [['dev', 'locked', undefined]]);
  });

  it('an unanswered unlock prompt times out as TIMEOUT and stays locked', async () => {
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    w.clock.advance(60_000);
    assert.equal(errorCode(await pending), 'TIMEOUT');
    assert.ok(w.broker.locked);
    assert.equal(w.approver.open, 0);
  });
});

describe('Broker unlock: authorization and a lock that arrives meanwhile', () => {
  it('a lock during an unlock wins: the agent stays locked and the key is dropped', async () => {
    const w = await makeWorld();
    try {
      const unlocking = w.broker.unlock();
      await w.broker.lock('screen locked');
      await assert.rejects(unlocking, { code: 'LOCKED' });
      assert.equal(w.broker.locked, true);
      assert.ok(!(await w.entries()).some((e) => e.event === 'unlock'), 'no unlock was recorded');
      await w.broker.unlock();
      assert.equal(w.broker.locked, false, 'the next unlock works');
    } finally {
      await w.close();
    }
  });

  it('asks authorizeUnlock before every unlock the front end has not confirmed, and refuses when it says no', async () => {
    let allow = false;
    const asked: (string | undefined)[] = [];
    const w = await makeWorld({
      authorizeUnlock: async (c) => {
        asked.push(c?.command);
        return allow;
      },
      unlockOnRequest: () => true,
    });
    try {
      const viaSocket = await w.handle({ v: 1, id: 'u1', op: 'unlock', caller });
      assert.equal(errorCode(viaSocket), 'DENIED');
      assert.match(viaSocket.ok ? '' : viaSocket.error.message, /not confirmed/);
      assert.equal(w.broker.locked, true);

      const key = await w.vault.loadMasterKey();
      await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['dev', DEV_KEYS]]), {
        replace: false,
        source: 'test',
        sessionMode: false,
      });
      const pending = w.handle(ask('dev'));
      await w.approver.untilOpen();
      w.approver.answer({ allow: true });
      assert.equal(errorCode(await pending), 'DENIED', 'the unlock prompt said yes, Touch ID said no');
      assert.equal(w.broker.locked, true);
      assert.deepEqual((await accesses(w)).at(-1)?.slice(0, 2), ['dev', 'denied']);

      await w.broker.unlock(undefined, { authorized: true });
      assert.equal(w.broker.locked, false, 'the tray confirmed it itself: not asked again');
      assert.deepEqual(asked, ['aws s3 ls', 'aws s3 ls']);
      await w.broker.lock('test');
      allow = true;
      assert.ok((await w.handle({ v: 1, id: 'u2', op: 'unlock', caller })).ok);
      assert.equal(asked.length, 3);
    } finally {
      await w.close();
    }
  });
});

async function accesses(w: World) {
  return (await w.entries()).filter((e) => e.event === 'access').map((e) => [e.profile, e.decision, e.reason]);
}

describe('Broker.withKey (profile changes from the tray)', () => {
  it('refuses while locked, and a lock during the change does not spoil the vault write', async () => {
    const w = await makeWorld();
    try {
      await assert.rejects(
        w.broker.withKey(async () => 1),
        { code: 'LOCKED' },
      );
      await w.broker.unlock();
      await w.broker.withKey(async (key) => {
        await w.broker.lock('locked mid-change');
        await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['dev', DEV_KEYS]]), {
          replace: false,
          source: 'tray',
          sessionMode: false,
        });
      });
      await w.broker.unlock();
      assert.deepEqual(
        (await w.broker.profiles()).map((p) => p.name),
        ['dev'],
      );
    } finally {
      await w.close();
    }
  });
});

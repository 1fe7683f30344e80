import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request, Response } from '../../helper/wire.ts';
import type { ProfileRecord } from '../../main/core/profiles/profile.ts';
import { chainOf } from '../../main/core/sources/chain-walker.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/work' };
const ask = (profile: string, id = 'r1'): Request => ({ v: 1, id, op: 'credentials', profile, caller });
const refusal = (r: Response): string | undefined => (r.ok ? undefined : r.error.code);
const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const ROLE = 'arn:aws:iam::123456789012:role/Admin';

/** One request's plan: the role chain walked once at the head of the pipeline, walked again only for a vault changed while a person decided. */
describe('Broker: the request plan', () => {
  let w: World;
  let admin: ProfileAdmin;
  /** The profile of each walk of a role chain, in order: the real walker, counted. */
  let walks: string[];

  /** Changes the vault as another process (`tray-cred policy`, `role`, `remove`) would. */
  async function change(edit: (admin: ProfileAdmin, key: Buffer) => Promise<unknown>): Promise<void> {
    const key = await w.vault.loadMasterKey();
    try {
      await edit(admin, key);
    } finally {
      key.fill(0);
    }
  }

  async function lastAccess() {
    return (await w.entries()).filter((e) => e.event === 'access').at(-1)!;
  }

  beforeEach(async () => {
    walks = [];
    w = await makeWorld({
      walkChain: (name: string, profiles: Readonly<Record<string, ProfileRecord>>) => {
        walks.push(name);
        return chainOf(name, profiles);
      },
    });
    admin = new ProfileAdmin(w.vault, w.audit);
    await change(async (a, key) => {
      await a.import(
        key,
        new Map([
          ['dev', DEV_KEYS],
          ['prod', PROD_KEYS],
        ]),
        { replace: false, source: 'test', sessionMode: true },
      );
      await a.setSource(key, 'ops', { kind: 'role', roleArn: ROLE, sourceProfile: 'dev' });
      await a.setSource(key, 'prod-admin', { kind: 'role', roleArn: ROLE, sourceProfile: 'dev' });
    });
    await w.broker.unlock();
    walks = [];
  });
  afterEach(() => w.close());

  const once: { name: string; profile: string; prompt: boolean; decision: string }[] = [
    { name: 'an allow profile served without a prompt', profile: 'dev', prompt: false, decision: 'allowed' },
    {
      name: 'a role over a source profile (policy, MFA and the mint all down one chain)',
      profile: 'ops',
      prompt: false,
      decision: 'allowed',
    },
    {
      name: 'an ask profile approved at a prompt, the vault unchanged meanwhile',
      profile: 'prod',
      prompt: true,
      decision: 'approved',
    },
  ];
  for (const c of once) {
    it(`walks the role chain once for one request: ${c.name}`, async () => {
      const pending = w.handle(ask(c.profile));
      if (c.prompt) {
        await w.approver.untilOpen();
        w.approver.answer({ allow: true });
      }
      const r = await pending;
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual(walks, [c.profile]);
      assert.equal((await lastAccess()).decision, c.decision);
    });
  }

  const stricter: {
    name: string;
    profile: string;
    edit: (a: ProfileAdmin, key: Buffer) => Promise<unknown>;
    code: string;
    decision: string;
    reason: string;
  }[] = [
    {
      name: 'its policy made deny',
      profile: 'prod',
      edit: (a, key) => a.setPolicy(key, 'prod', 'deny', undefined),
      code: 'DENIED',
      decision: 'denied',
      reason: 'the profile policy is deny, set while waiting for approval',
    },
    {
      name: 'the policy of its source profile made deny',
      profile: 'prod-admin',
      edit: (a, key) => a.setPolicy(key, 'dev', 'deny', undefined),
      code: 'DENIED',
      decision: 'denied',
      reason: 'the policy of its source profile "dev" is deny, set while waiting for approval',
    },
    {
      name: 'its role now assumed over a source profile that is deny',
      profile: 'prod-admin',
      edit: async (a, key) => {
        await a.add(key, 'locked-away', DEV_KEYS, false, 'deny');
        await a.setSource(key, 'prod-admin', { kind: 'role', roleArn: ROLE, sourceProfile: 'locked-away' });
      },
      code: 'DENIED',
      decision: 'denied',
      reason: 'the policy of its source profile "locked-away" is deny, set while waiting for approval',
    },
    {
      name: 'an MFA device now needed, whose code the prompt did not ask for',
      profile: 'prod',
      edit: (a, key) => a.setSts(key, 'prod', { mfaSerial: MFA }),
      code: 'DENIED',
      decision: 'denied',
      reason: `an MFA code for ${MFA} became needed while waiting for approval: ask again`,
    },
    {
      name: 'the profile removed',
      profile: 'prod',
      edit: (a, key) => a.remove(key, 'prod'),
      code: 'UNKNOWN_PROFILE',
      decision: 'unknown-profile',
      reason: 'removed while waiting for approval',
    },
  ];
  for (const c of stricter) {
    it(`plans again when the vault changed while a person decided, and the stricter plan stands: ${c.name}`, async () => {
      const pending = w.handle(ask(c.profile));
      await w.approver.untilOpen();
      await change(c.edit);
      w.approver.answer({ allow: true });
      const r = await pending;
      assert.equal(refusal(r), c.code);
      const entry = await lastAccess();
      assert.deepEqual([entry.decision, entry.reason, entry.served], [c.decision, c.reason, undefined]);
      assert.deepEqual(w.sts.calls, [], 'nothing was minted');
      assert.deepEqual(
        walks,
        c.code === 'UNKNOWN_PROFILE' ? [c.profile] : [c.profile, c.profile],
        'walked at the head, and again in the changed vault',
      );
    });
  }

  it('an allow profile made ask while its MFA prompt was open is served as the person approved it', async () => {
    await change((a, key) => a.setSts(key, 'dev', { sessionMode: true, mfaSerial: MFA }));
    const pending = w.handle(ask('dev'));
    await w.approver.untilOpen();
    assert.equal(w.approver.requests[0]!.mfaSerial, MFA);
    await change((a, key) => a.setPolicy(key, 'dev', 'ask', undefined));
    w.approver.answer({ allow: true, mfaCode: '123456' });
    const r = await pending;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(
      (await lastAccess()).decision,
      'approved',
      'allowed while it was allow; approved by the person now that it is ask',
    );
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.mfa?.tokenCode]),
      [['GetSessionToken', '123456']],
    );
    assert.deepEqual(walks, ['dev', 'dev']);
  });

  it('a change that takes nothing away serves the request from the vault as it is now', async () => {
    const pending = w.handle(ask('prod'));
    await w.approver.untilOpen();
    await change((a, key) => a.setSts(key, 'prod', { durationSeconds: 7200 }));
    w.approver.answer({ allow: true });
    const r = await pending;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal((await lastAccess()).decision, 'approved');
    assert.deepEqual(
      w.sts.calls.map((c) => [c.op, c.durationSeconds]),
      [['GetSessionToken', 7200]],
    );
    assert.deepEqual(walks, ['prod', 'prod']);
  });
});

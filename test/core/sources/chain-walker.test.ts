import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ApprovalDeniedError, AwsServiceError, UnknownProfileError, UsageError } from '../../../main/core/errors.ts';
import type { ProfileRecord, RoleSource } from '../../../main/core/profiles/profile.ts';
import { chainOf, mfaNeeded, retrieveChain, type ChainDeps } from '../../../main/core/sources/chain-walker.ts';
import { SessionCache } from '../../../main/core/sources/session-cache.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { FakeSts } from '../../fakes/fake-sts.ts';
import { StubCommandRunner } from '../../fakes/stub-command-runner.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';
import { profile } from './profiles.ts';

const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const role = (sourceProfile: string, extra: Partial<RoleSource> = {}): ProfileRecord =>
  profile({ source: { kind: 'role', roleArn: ADMIN, sourceProfile, ...extra } });
const AWS_SAYS = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';

describe('retrieveChain', () => {
  let deps: ChainDeps & { sts: FakeSts };
  let n = 0;
  const walk = (name: string, profiles: Record<string, ProfileRecord>, mfaCode?: string) =>
    retrieveChain(chainOf(name, profiles), profiles, deps, {
      requestId: `req-${++n}`,
      mfaCode,
      ticket: deps.cache.ticket('aws s3 ls'),
    });

  beforeEach(() => {
    const clock = new FakeClock();
    deps = { sts: new FakeSts(clock), runner: new StubCommandRunner(), clock, cache: new SessionCache(clock) };
  });

  it('names the loop of a role chain, and the profile whose source is missing', async () => {
    const loop = { a: role('b'), b: role('c'), c: role('a') };
    await assert.rejects(
      walk('a', loop),
      (e: unknown) =>
        e instanceof UsageError &&
        /^the role chain a -> b -> c -> a loops: fix source_profile with `tray-cred role`$/.test(e.message),
    );
    await assert.rejects(
      walk('deep', { deep: role('mid'), mid: role('gone') }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.startsWith('profile "mid" takes its keys from "gone", which is not in the vault'),
    );
    await assert.rejects(walk('nobody', {}), UnknownProfileError);
    assert.equal(deps.sts.calls.length, 0);
  });

  it('one code per session, not per hop: a role over an MFA session of the same device is assumed with that session, no second code', async () => {
    const profiles = {
      base: profile({ ...DEV_KEYS, sts: { sessionMode: true, durationSeconds: 3600, mfaSerial: MFA } }),
      admin: role('base', { mfaSerial: MFA }),
    };
    await walk('admin', profiles, '123456');
    assert.deepEqual(
      deps.sts.calls.map((c) => [c.op, c.mfa?.tokenCode]),
      [
        ['GetSessionToken', '123456'],
        ['AssumeRole', undefined],
      ],
    );
  });

  it('uses the MFA code for one STS call only: a chain that needs codes of two devices is refused after the first', async () => {
    const profiles = {
      base: profile({ ...DEV_KEYS, sts: { sessionMode: true, durationSeconds: 3600, mfaSerial: MFA } }),
      admin: role('base', { mfaSerial: `${MFA}-2` }),
    };
    await assert.rejects(walk('admin', profiles, '123456'), ApprovalDeniedError);
    assert.deepEqual(
      deps.sts.calls.map((c) => [c.op, c.mfa?.tokenCode]),
      [['GetSessionToken', '123456']],
    );
  });

  it('serves a cached role without walking its source, and caches each minted link of a chain', async () => {
    const profiles = { base: profile(DEV_KEYS), admin: role('base'), deep: role('admin') };
    const first = await walk('deep', profiles);
    assert.deepEqual(
      [
        first.served,
        deps.cache
          .sessions()
          .map((s) => s.profile)
          .sort(),
      ],
      ['minted', ['admin', 'deep']],
    );
    const again = await walk('deep', { deep: role('gone') });
    assert.deepEqual([again.served, again.creds], ['cache', first.creds]);
    assert.equal(deps.sts.calls.length, 2);
  });

  it('mfaNeeded names the first device the chain will ask for, none once its session is cached; chainOf lists the chain', async () => {
    const profiles = {
      base: profile({ ...DEV_KEYS, sts: { sessionMode: true, durationSeconds: 3600, mfaSerial: MFA } }),
      admin: role('base'),
      loop: role('loop'),
    };
    assert.equal(mfaNeeded(chainOf('admin', profiles), profiles, deps.cache), MFA);
    assert.equal(mfaNeeded(chainOf('loop', profiles), profiles, deps.cache), undefined);
    await walk('admin', profiles, '123456');
    assert.equal(mfaNeeded(chainOf('admin', profiles), profiles, deps.cache), undefined);
    assert.deepEqual(chainOf('admin', profiles), ['admin', 'base']);
    assert.deepEqual(chainOf('loop', profiles), ['loop']);
  });

  describe('role chaining', () => {
    const OPS = 'arn:aws:iam::123456789012:role/team/Ops';
    const sso = profile({
      source: {
        kind: 'sso',
        startUrl: 'https://example.awsapps.com/start',
        region: 'eu-west-1',
        accountId: '123456789012',
        roleName: 'Developer',
      },
    });

    for (const [what, source] of [
      ['a role', role('base', { roleArn: OPS })],
      ['an IAM Identity Center profile', sso],
    ] as const) {
      it(`a role over ${what} asking for more than an hour is refused with AWS's reason before any STS call`, async () => {
        const profiles = { base: profile(DEV_KEYS), ops: source, admin: role('ops', { durationSeconds: 7200 }) };
        await assert.rejects(
          walk('admin', profiles),
          (e: unknown) =>
            e instanceof UsageError && e.message.includes(AWS_SAYS) && e.message.includes('--duration 3600'),
        );
        assert.deepEqual(deps.sts.calls, []);
      });
    }

    it('a role over session-mode keys (GetSessionToken, no role session) keeps its 12 hours and asks nobody who it is', async () => {
      const profiles = {
        base: profile({ ...DEV_KEYS, sts: { sessionMode: true, durationSeconds: 3600 } }),
        admin: role('base', { durationSeconds: 43_200 }),
      };
      await walk('admin', profiles);
      assert.deepEqual(
        deps.sts.calls.map((c) => [c.op, c.durationSeconds]),
        [
          ['GetSessionToken', 3600],
          ['AssumeRole', 43_200],
        ],
      );
    });

    it('stored session keys STS calls a role session: refused for more than an hour, served for an hour', async () => {
      const stored = {
        accessKeyId: 'ASIASTOREDSESSION001',
        secretAccessKey: 'stored-secret',
        sessionToken: 'stored-token',
      };
      deps.sts.principals.set(stored.accessKeyId, 'arn:aws:sts::123456789012:assumed-role/Ops/ann');
      const profiles = { ops: profile(stored), admin: role('ops', { durationSeconds: 7200 }) };
      await assert.rejects(
        walk('admin', profiles),
        (e: unknown) => e instanceof UsageError && e.message.includes(AWS_SAYS),
      );
      assert.deepEqual(
        deps.sts.calls.map((c) => c.op),
        ['GetCallerIdentity'],
      );
      deps.sts.calls.length = 0;
      await walk('admin', { ...profiles, admin: role('ops') });
      assert.deepEqual(
        deps.sts.calls.map((c) => c.op),
        ['AssumeRole'],
      );
    });
  });

  it('a refused hop names the chain down to it, the role, and the role session tray-cred assumed to ask', async () => {
    const OPS = 'arn:aws:iam::123456789012:role/team/Ops';
    deps.sts.untrusting.add(ADMIN);
    const profiles = { base: profile(DEV_KEYS), ops: role('base', { roleArn: OPS }), prod: role('ops') };
    await assert.rejects(walk('prod', profiles), (e: unknown) => {
      assert.ok(e instanceof AwsServiceError, String(e));
      assert.match(
        e.message,
        /^profile "prod": AWS refused the hop prod → ops: AssumeRole of arn:aws:iam::123456789012:role\/Admin as arn:aws:sts::123456789012:assumed-role\/Ops\/tray-cred-req-\d+: AccessDenied: User: arn:aws:sts::123456789012:assumed-role\/Ops\/tray-cred-req-\d+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/Admin$/,
      );
      return true;
    });
    // The source's session now comes from the cache, and still names who asked.
    await assert.rejects(
      walk('prod', profiles),
      /as arn:aws:sts::123456789012:assumed-role\/Ops\/tray-cred-req-\d+: AccessDenied/,
    );
    deps.sts.untrusting.clear();
    deps.sts.untrusting.add(OPS);
    await assert.rejects(
      walk('dev', { base: profile(DEV_KEYS), team: role('base', { roleArn: OPS }), dev: role('team') }),
      (e: unknown) =>
        e instanceof Error &&
        e.message.startsWith(
          `profile "dev": AWS refused the hop dev → team → base: AssumeRole of ${OPS} as arn:aws:iam::123456789012:user/ann: AccessDenied`,
        ),
    );
  });
});

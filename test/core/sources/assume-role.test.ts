import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AwsServiceError, UpstreamError, UsageError } from '../../../main/core/errors.ts';
import type { MfaInput } from '../../../main/core/ports/ports.ts';
import type { RoleSource } from '../../../main/core/profiles/profile.ts';
import { AssumeRoleProvider, type RoleLink } from '../../../main/core/sources/assume-role.ts';
import type { CredentialProvider, MfaCodeFor } from '../../../main/core/sources/provider.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { FAKE_USER_ARN, FakeSts } from '../../fakes/fake-sts.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';

const ROLE = 'arn:aws:iam::123456789012:role/Admin';
const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const TARGET = { region: 'us-east-1', endpoint: undefined };

describe('AssumeRoleProvider', () => {
  let sts: FakeSts;
  let asked: string[];
  const mfa: MfaCodeFor = (serialNumber): MfaInput => {
    asked.push(serialNumber);
    return { serialNumber, tokenCode: '123456' };
  };
  const keys: CredentialProvider = { retrieve: async () => ({ served: 'vault', creds: DEV_KEYS }) };
  const role = (extra: Partial<RoleSource> = {}): RoleSource => ({
    kind: 'role',
    roleArn: ROLE,
    sourceProfile: 'base',
    ...extra,
  });
  const ALONE: RoleLink = { hop: ['admin', 'base'], chained: undefined, askWho: false };
  const assume = (r: RoleSource, requestId = 'req-1', base = keys, link = ALONE) =>
    new AssumeRoleProvider(base, r, TARGET, { sts, mfa, requestId }, link).retrieve();

  beforeEach(() => {
    sts = new FakeSts(new FakeClock());
    asked = [];
  });

  it("assumes the role with the base provider's keys, for an hour unless set, named for the request", async () => {
    const got = await assume(role());
    assert.deepEqual(
      [got.served, got.served === 'minted' && got.kind, got.sessionName, got.creds.accessKeyId],
      ['minted', 'assume-role', 'tray-cred-req-1', 'ASIAFAKE000000000001'],
    );
    assert.deepEqual(sts.calls, [
      {
        op: 'AssumeRole',
        with: DEV_KEYS.accessKeyId,
        roleArn: ROLE,
        roleSessionName: 'tray-cred-req-1',
        durationSeconds: 3600,
        externalId: undefined,
        mfa: undefined,
        target: TARGET,
      },
    ]);
    assert.deepEqual(asked, []);
  });

  it('passes the external id, duration and MFA code of the role', async () => {
    await assume(role({ externalId: 'ext-1', durationSeconds: 900, mfaSerial: MFA }));
    const call = sts.calls[0]!;
    assert.deepEqual(
      [call.externalId, call.durationSeconds, call.mfa],
      ['ext-1', 900, { serialNumber: MFA, tokenCode: '123456' }],
    );
    assert.deepEqual(asked, [MFA]);
  });

  it('cuts the generated session name to 64 characters; a set one is used as it is', async () => {
    const long = 'x'.repeat(80);
    assert.equal((await assume(role(), long)).sessionName, `tray-cred-${long}`.slice(0, 64));
    assert.equal(sts.calls[0]!.roleSessionName!.length, 64);
    assert.equal((await assume(role({ roleSessionName: 'ann-at-work' }), long)).sessionName, 'ann-at-work');
  });

  it('a failing base provider stops the chain before any MFA code or STS call', async () => {
    const failing: CredentialProvider = {
      retrieve: async () => Promise.reject(new UpstreamError('STS failed: AccessDenied')),
    };
    await assert.rejects(assume(role({ mfaSerial: MFA }), 'req-1', failing), /AccessDenied/);
    assert.deepEqual([asked, sts.calls], [[], []]);
  });

  describe('role chaining: AWS gives a role assumed with a role session at most an hour', () => {
    const AWS_SAYS =
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
    const OPS_SESSION = 'arn:aws:sts::123456789012:assumed-role/Ops/ann';
    const STORED = {
      accessKeyId: 'ASIASTOREDSESSION001',
      secretAccessKey: 'stored-secret',
      sessionToken: 'stored-token',
    };
    const stored: CredentialProvider = { retrieve: async () => ({ served: 'vault', creds: STORED }) };
    const refusedForChaining = (e: unknown) =>
      e instanceof UsageError &&
      e.message.includes(`"${AWS_SAYS}"`) &&
      e.message.includes('--duration 3600') &&
      !e.message.includes(STORED.secretAccessKey);

    it('a source the walker knows is a role: refused before the source is retrieved, with no STS call', async () => {
      const retrieved: string[] = [];
      const base: CredentialProvider = {
        retrieve: async () => {
          retrieved.push('base');
          return { served: 'vault', creds: DEV_KEYS };
        },
      };
      const link = { hop: ['admin', 'ops'], chained: 'its source profile "ops" is a role', askWho: false };
      await assert.rejects(assume(role({ durationSeconds: 7200, sourceProfile: 'ops' }), 'r', base, link), (e) => {
        assert.ok(refusedForChaining(e), String(e));
        assert.match(
          (e as Error).message,
          /^profile "admin" asks for 7200 s of arn:aws:iam::123456789012:role\/Admin, but its source profile "ops" is a role, .* `tray-cred role admin --role-arn arn:aws:iam::123456789012:role\/Admin --source-profile ops --duration 3600`$/,
        );
        return true;
      });
      assert.deepEqual([retrieved, sts.calls], [[], []]);
      await assume(role({ durationSeconds: 3600, sourceProfile: 'ops' }), 'r', base, link);
      assert.equal(sts.calls.length, 1, 'an hour is within the limit');
    });

    it('stored session keys that STS says are a role session: refused after GetCallerIdentity, never assumed', async () => {
      sts.principals.set(STORED.accessKeyId, OPS_SESSION);
      const link = { hop: ['admin', 'ops'], chained: undefined, askWho: true };
      await assert.rejects(assume(role({ durationSeconds: 7200 }), 'r', stored, link), (e) => {
        assert.ok(refusedForChaining(e), String(e));
        assert.ok((e as Error).message.includes(`are a role session (${OPS_SESSION})`));
        return true;
      });
      assert.deepEqual(
        sts.calls.map((c) => c.op),
        ['GetCallerIdentity'],
      );
    });

    it('stored session keys of a user (GetSessionToken) get their long role session; an hour or less asks nothing', async () => {
      const link = { hop: ['admin', 'ops'], chained: undefined, askWho: true };
      await assume(role({ durationSeconds: 7200 }), 'r', stored, link);
      assert.deepEqual(
        sts.calls.map((c) => [c.op, c.durationSeconds]),
        [
          ['GetCallerIdentity', undefined],
          ['AssumeRole', 7200],
        ],
      );
      sts.calls.length = 0;
      sts.principals.set(STORED.accessKeyId, OPS_SESSION);
      await assume(role({ durationSeconds: 3600 }), 'r', stored, link);
      assert.deepEqual(
        sts.calls.map((c) => c.op),
        ['AssumeRole'],
      );
    });
  });

  describe('a refused hop names the hop', () => {
    it("names the chain of profiles, the role, who asked (from AWS's message) and AWS's reason", async () => {
      sts.untrusting.add(ROLE);
      const link = { hop: ['prod', 'ops', 'base'], chained: undefined, askWho: false };
      await assert.rejects(assume(role(), 'r', keys, link), (e: unknown) => {
        assert.ok(e instanceof AwsServiceError, String(e));
        assert.equal(e.awsCode, 'AccessDenied');
        assert.equal(
          e.message,
          `profile "prod": AWS refused the hop prod → ops → base: AssumeRole of ${ROLE} as ${FAKE_USER_ARN}: AccessDenied: User: ${FAKE_USER_ARN} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
        );
        return true;
      });
    });

    it('names the source profile when neither the source nor AWS says who asked; a failure that is no refusal too', async () => {
      sts.expectedCode = '654321';
      const link = { hop: ['admin', 'base'], chained: undefined, askWho: false };
      await assert.rejects(
        assume(role({ mfaSerial: MFA }), 'r', keys, link),
        (e: unknown) =>
          e instanceof AwsServiceError &&
          e.message ===
            `profile "admin": AWS refused the hop admin → base: AssumeRole of ${ROLE} as the credentials of profile "base": AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.`,
      );
      sts.failWith = 'STS AssumeRole at STS in us-east-1 failed: connect ECONNREFUSED';
      await assert.rejects(
        assume(role(), 'r', keys, link),
        (e: unknown) =>
          e instanceof UpstreamError &&
          e.message ===
            `profile "admin": the hop admin → base: AssumeRole of ${ROLE} as the credentials of profile "base" failed: STS AssumeRole at STS in us-east-1 failed: connect ECONNREFUSED`,
      );
    });
  });
});

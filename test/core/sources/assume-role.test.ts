import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { UpstreamError } from '../../../main/core/errors.ts';
import type { MfaInput } from '../../../main/core/ports/ports.ts';
import type { RoleSource } from '../../../main/core/profiles/profile.ts';
import { AssumeRoleProvider } from '../../../main/core/sources/assume-role.ts';
import type { CredentialProvider, MfaCodeFor } from '../../../main/core/sources/provider.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { FakeSts } from '../../fakes/fake-sts.ts';
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
  const assume = (r: RoleSource, requestId = 'req-1', base = keys) =>
    new AssumeRoleProvider(base, r, TARGET, { sts, mfa, requestId }).retrieve();

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
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApprovalDeniedError } from '../../../main/core/errors.ts';
import { oneTimeMfaCode } from '../../../main/core/sources/one-time-mfa.ts';

const MFA = 'arn:aws:iam::123456789012:mfa/ann';

describe('oneTimeMfaCode', () => {
  it('gives the code for the device once, then refuses as DENIED', () => {
    const mfa = oneTimeMfaCode('deep', '914273');
    assert.deepEqual(mfa(MFA), { serialNumber: MFA, tokenCode: '914273' });
    assert.throws(
      () => mfa(MFA),
      (e: unknown) => {
        assert.ok(e instanceof ApprovalDeniedError);
        assert.equal(e.message, `access to "deep" was denied: an MFA code for ${MFA} is needed and none was given`);
        return true;
      },
    );
  });

  it('a role hop over a session hop that used the same device needs no second code; any other second need is refused', () => {
    const mfa = oneTimeMfaCode('deep', '914273');
    assert.deepEqual(mfa(MFA, 'session'), { serialNumber: MFA, tokenCode: '914273' });
    assert.equal(mfa(MFA, 'role'), undefined);
    assert.throws(() => mfa('arn:aws:iam::123456789012:mfa/other', 'role'), ApprovalDeniedError);
    const roleFirst = oneTimeMfaCode('deep', '914273');
    roleFirst(MFA, 'role');
    assert.throws(() => roleFirst(MFA, 'role'), ApprovalDeniedError);
  });

  it('refuses when no code was given', () => {
    assert.throws(() => oneTimeMfaCode('deep', undefined)(MFA), ApprovalDeniedError);
    assert.throws(() => oneTimeMfaCode('deep', '')(MFA), ApprovalDeniedError);
  });
});

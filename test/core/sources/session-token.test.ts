import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ApprovalDeniedError, UpstreamError, UsageError } from '../../../main/core/errors.ts';
import type { MfaInput } from '../../../main/core/ports/ports.ts';
import type { MfaCodeFor } from '../../../main/core/sources/provider.ts';
import { SessionTokenProvider } from '../../../main/core/sources/session-token.ts';
import { StoredKeysProvider } from '../../../main/core/sources/stored-keys.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { FakeSts } from '../../fakes/fake-sts.ts';
import { PROD_KEYS } from '../../fakes/keys.ts';
import { profile } from './profiles.ts';

const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const TARGET = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' };

describe('SessionTokenProvider', () => {
  let clock: FakeClock;
  let sts: FakeSts;
  let asked: string[];
  const code =
    (tokenCode: string | undefined): MfaCodeFor =>
    (serialNumber): MfaInput => {
      asked.push(serialNumber);
      if (!tokenCode)
        throw new ApprovalDeniedError('prod', `an MFA code for ${serialNumber} is needed and none was given`);
      return { serialNumber, tokenCode };
    };
  const provider = (mfaSerial: string | undefined, mfa: MfaCodeFor, keys: object = PROD_KEYS) =>
    new SessionTokenProvider(
      new StoredKeysProvider('prod', profile(keys)),
      { sessionMode: true, durationSeconds: 1800, mfaSerial },
      TARGET,
      { sts, mfa },
    );

  beforeEach(() => {
    clock = new FakeClock();
    sts = new FakeSts(clock);
    asked = [];
  });

  it('mints a session over the stored keys for the set duration, at the profile target', async () => {
    const got = await provider(undefined, code(undefined)).retrieve();
    assert.deepEqual(got, {
      served: 'minted',
      kind: 'session-token',
      creds: {
        accessKeyId: 'ASIAFAKE000000000001',
        secretAccessKey: 'temporary-secret-1',
        sessionToken: 'token-1',
        expiration: new Date(clock.now() + 1_800_000).toISOString(),
      },
    });
    assert.deepEqual(sts.calls, [
      { op: 'GetSessionToken', with: PROD_KEYS.accessKeyId, durationSeconds: 1800, mfa: undefined, target: TARGET },
    ]);
    assert.deepEqual(asked, []);
  });

  it('passes the MFA code for the profile device to STS', async () => {
    await provider(MFA, code('123456')).retrieve();
    assert.deepEqual(asked, [MFA]);
    assert.deepEqual(sts.calls[0]!.mfa, { serialNumber: MFA, tokenCode: '123456' });
  });

  it('a refused MFA code comes back as STS said it; no code means no STS call', async () => {
    await assert.rejects(provider(MFA, code('000000')).retrieve(), UpstreamError);
    await assert.rejects(provider(MFA, code(undefined)).retrieve(), ApprovalDeniedError);
    assert.equal(sts.calls.length, 1);
  });

  it('asks for no code and calls no STS when the stored keys are missing', async () => {
    await assert.rejects(provider(MFA, code('123456'), {}).retrieve(), UsageError);
    assert.deepEqual([asked, sts.calls], [[], []]);
  });
});

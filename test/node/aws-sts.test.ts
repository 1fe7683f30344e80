/**
 * The Sts port's real implementation (AWS SDK for JavaScript v3) against the loopback STS
 * stand-in, which checks every SigV4 signature.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UpstreamError } from '../../main/core/errors.ts';
import { AwsSts } from '../../main/node/aws/aws-sts.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS } from '../fakes/keys.ts';

describe('AwsSts', () => {
  const stand = new StsStandIn();
  const sts = new AwsSts();
  const target = () => ({ region: 'eu-west-1', endpoint: stand.url });
  const MFA = { serialNumber: 'arn:aws:iam::123456789012:mfa/ann', tokenCode: '123456' };
  before(async () => {
    await stand.start();
    // A regional endpoint: the SDK signs for the target's region, which must be the endpoint's.
    stand.region = 'eu-west-1';
    const ann = stand.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey);
    stand.addMfaDevice(MFA.serialNumber, ann, MFA.tokenCode);
    stand.addRole('arn:aws:iam::123456789012:role/Admin', [ann], { externalId: 'ext' });
  });
  after(() => stand.stop());

  it('mints a session with MFA, then assumes a role with it', async () => {
    const session = await sts.getSessionToken(DEV_KEYS, { durationSeconds: 3600, mfa: MFA }, target());
    assert.match(session.accessKeyId, /^ASIA/);
    assert.ok(Date.parse(session.expiration) > Date.now() + 3500_000);
    const role = await sts.assumeRole(
      session,
      {
        roleArn: 'arn:aws:iam::123456789012:role/Admin',
        roleSessionName: 'tray-cred-r1',
        durationSeconds: 900,
        externalId: 'ext',
      },
      target(),
    );
    assert.match(role.accessKeyId, /^ASIA/);
    const [first, second] = stand.requests;
    assert.deepEqual(
      [first!.action, first!.accessKeyId, first!.params.TokenCode],
      ['GetSessionToken', DEV_KEYS.accessKeyId, '123456'],
    );
    assert.deepEqual(
      [second!.action, second!.accessKeyId, second!.params.RoleSessionName, second!.params.ExternalId],
      ['AssumeRole', session.accessKeyId, 'tray-cred-r1', 'ext'],
    );
  });

  it('mints a federation token with the stored key: name, policy and duration as asked; a session cannot', async () => {
    const before = stand.requests.length;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    const token = await sts.getFederationToken(
      DEV_KEYS,
      { name: 'tray-cred-dev', policy, durationSeconds: 7200 },
      target(),
    );
    assert.match(token.accessKeyId, /^ASIA/);
    assert.ok(token.sessionToken);
    const q = stand.requests[before]!;
    assert.deepEqual(
      [q.action, q.accessKeyId, q.params.Name, q.params.Policy, q.params.DurationSeconds],
      ['GetFederationToken', DEV_KEYS.accessKeyId, 'tray-cred-dev', policy, '7200'],
    );
    await assert.rejects(
      sts.getFederationToken(token, { name: 'tray-cred-dev', policy, durationSeconds: 900 }, target()),
      (e: unknown) => e instanceof UpstreamError && /GetFederationToken failed .*session credentials/.test(e.message),
    );
  });

  const refusals: [string, () => Promise<unknown>, RegExp][] = [
    [
      'a wrong signature',
      () => sts.getSessionToken({ ...DEV_KEYS, secretAccessKey: 'not-the-secret' }, { durationSeconds: 900 }, target()),
      /SignatureDoesNotMatch/,
    ],
    [
      'an unknown key',
      () =>
        sts.getSessionToken(
          { accessKeyId: 'AKIANOBODYKNOWSTHIS0', secretAccessKey: 'x' },
          { durationSeconds: 900 },
          target(),
        ),
      /InvalidClientTokenId/,
    ],
    [
      'a wrong MFA code',
      () => sts.getSessionToken(DEV_KEYS, { durationSeconds: 900, mfa: { ...MFA, tokenCode: '000000' } }, target()),
      /invalid MFA one time pass code/,
    ],
    [
      "an MFA device that is not the user's",
      () =>
        sts.getSessionToken(
          DEV_KEYS,
          { durationSeconds: 900, mfa: { ...MFA, serialNumber: 'arn:aws:iam::123456789012:mfa/bob' } },
          target(),
        ),
      /unable to validate MFA code/,
    ],
    [
      "a region that is not the endpoint's",
      () => sts.getSessionToken(DEV_KEYS, { durationSeconds: 900 }, { region: 'us-west-2', endpoint: stand.url }),
      /SignatureDoesNotMatch: Credential should be scoped to a valid region, not 'us-west-2'/,
    ],
    [
      'no STS listening',
      () =>
        sts.getSessionToken(
          DEV_KEYS,
          { durationSeconds: 900 },
          { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' },
        ),
      /could not|ECONNREFUSED/,
    ],
  ];
  for (const [what, call, message] of refusals) {
    it(`reports ${what} as an upstream error with STS's reason and no secret`, async () => {
      await assert.rejects(
        call(),
        (e: unknown) =>
          e instanceof UpstreamError && message.test(e.message) && !e.message.includes(DEV_KEYS.secretAccessKey),
      );
    });
  }

  it('reports an expired session token', async () => {
    const session = await sts.getSessionToken(DEV_KEYS, { durationSeconds: 900 }, target());
    stand.expireSessions();
    await assert.rejects(
      sts.assumeRole(
        session,
        { roleArn: 'arn:aws:iam::123456789012:role/Admin', roleSessionName: 'x1', durationSeconds: 900 },
        target(),
      ),
      /ExpiredToken/,
    );
  });

  it("mints through a clock 20 minutes off: the SDK corrects its skew from STS's Date and retries once", async () => {
    stand.clockOffsetMs = 20 * 60_000;
    try {
      const before = stand.requests.length;
      const session = await sts.getSessionToken(DEV_KEYS, { durationSeconds: 900 }, target());
      assert.match(session.accessKeyId, /^ASIA/);
      assert.equal(stand.requests.length - before, 1, 'one request got through: the skewed one was refused');
    } finally {
      stand.clockOffsetMs = 0;
    }
  });
});

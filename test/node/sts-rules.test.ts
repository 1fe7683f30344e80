/**
 * The STS and IAM stand-in refuses what AWS documents it refuses: a test per rule of its table
 * (STS_RULES, each with its AWS page), driven by the real AWS SDK for JavaScript v3, and a
 * meta-test that switches each rule off in turn and shows its test then fails. A stand-in that
 * let the refused call through would let the same regression in tray-cred pass.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { FAKE_STS_RULES, FakeSts } from '../fakes/fake-sts.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { STS_RULES, StsStandIn, type StsRule } from '../fakes/sts-stand-in.ts';

const ACCOUNT = '123456789012';
const ANN = `arn:aws:iam::${ACCOUNT}:user/ann`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const ANN_MFA = `arn:aws:iam::${ACCOUNT}:mfa/ann`;
const BOB_MFA = `arn:aws:iam::${ACCOUNT}:mfa/bob`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };

/** A small IAM: ann and bob with a key and an MFA device each, and roles with trust policies. */
async function world(): Promise<StsStandIn> {
  const aws = new StsStandIn();
  await aws.start();
  aws.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey, ANN);
  aws.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey, BOB);
  aws.addMfaDevice(ANN_MFA, ANN, '246810');
  aws.addMfaDevice(BOB_MFA, BOB, '135791');
  aws.addRole(role('Admin'), [ANN]);
  aws.addRole(role('ops/Hub'), [ANN], { maxSessionSeconds: 43_200 });
  aws.addRole(role('Spoke'), [role('Hub')], { maxSessionSeconds: 43_200 });
  aws.addRole(role('Vendor'), [ACCOUNT], { externalId: 'ext-7' });
  aws.addRole(role('Open'), [`arn:aws:iam::${ACCOUNT}:root`]);
  return aws;
}

const opened: StsStandIn[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.stop()));
});
async function open(): Promise<StsStandIn> {
  const aws = await world();
  opened.push(aws);
  return aws;
}

const sts = (aws: StsStandIn, credentials: Creds, extra: { region?: string; systemClockOffset?: number } = {}) =>
  new STSClient({ region: extra.region ?? 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1, ...extra });
const iam = (aws: StsStandIn, credentials: Creds) =>
  new IAMClient({ region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1 });

const creds = (out: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
}): Creds => ({
  accessKeyId: out.Credentials!.AccessKeyId!,
  secretAccessKey: out.Credentials!.SecretAccessKey!,
  sessionToken: out.Credentials!.SessionToken!,
});
const session = async (aws: StsStandIn, mfa?: { serial: string; code: string }) =>
  creds(
    await sts(aws, DEV_KEYS).send(
      new GetSessionTokenCommand({
        DurationSeconds: 900,
        ...(mfa ? { SerialNumber: mfa.serial, TokenCode: mfa.code } : {}),
      }),
    ),
  );
const assume = async (
  aws: StsStandIn,
  as: Creds,
  arn: string,
  more: Partial<{ DurationSeconds: number; ExternalId: string }> = {},
) =>
  creds(
    await sts(aws, as).send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 's1', DurationSeconds: 900, ...more }),
    ),
  );

/** Asserts AWS's refusal: the error's name (its code) and message. */
const refused = (call: Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(call, (e: Error) => {
    assert.equal(e.name, code);
    assert.match(e.message, message);
    return true;
  });

/** Each rule's test: it passes with the rule on, and must fail with it off. */
const checks: Record<StsRule, (aws: StsStandIn) => Promise<void>> = {
  'known-key': (aws) =>
    refused(
      sts(aws, { accessKeyId: 'AKIANOBODYKNOWSTHIS0', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      /security token included in the request is invalid/,
    ),
  signature: (aws) =>
    refused(
      sts(aws, { ...DEV_KEYS, secretAccessKey: 'not-the-secret' }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      /signature we calculated does not match/,
    ),
  'signing-region': async (aws) => {
    await refused(
      sts(aws, DEV_KEYS, { region: 'eu-west-1' }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      /Credential should be scoped to a valid region, not 'eu-west-1'/,
    );
    // A regional endpoint wants its own region: the SDK's default is not it.
    const regional = await open();
    regional.region = 'eu-west-1';
    for (const rule of aws.rules.off) regional.rules.off.add(rule);
    await refused(
      sts(regional, DEV_KEYS).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      /not 'us-east-1'/,
    );
  },
  'clock-skew': async (aws) => {
    await refused(
      sts(aws, DEV_KEYS, { systemClockOffset: -10 * 60_000 }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    await refused(
      sts(aws, DEV_KEYS, { systemClockOffset: 10 * 60_000 }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      /^Signature not yet current: /,
    );
  },
  'expired-token': async (aws) => {
    const s = await session(aws);
    aws.expireSessions();
    await refused(
      sts(aws, s).send(new GetCallerIdentityCommand({})),
      'ExpiredToken',
      /token included in the request is expired/,
    );
  },
  'valid-parameters': async (aws) => {
    await refused(
      sts(aws, DEV_KEYS).send(new AssumeRoleCommand({ RoleArn: 'Admin', RoleSessionName: 's1' })),
      'ValidationError',
      /Admin is invalid/,
    );
    await refused(
      sts(aws, DEV_KEYS).send(new AssumeRoleCommand({ RoleArn: role('Admin'), RoleSessionName: 'two words' })),
      'ValidationError',
      /roleSessionName/,
    );
    await refused(
      sts(aws, DEV_KEYS).send(new GetSessionTokenCommand({ DurationSeconds: 600 })),
      'ValidationError',
      /greater than or equal to 900/,
    );
  },
  'role-trust': async (aws) => {
    await refused(
      assume(aws, PROD_KEYS, role('Admin')),
      'AccessDenied',
      new RegExp(`^User: ${BOB} is not authorized to perform: sts:AssumeRole on resource: ${role('Admin')}$`),
    );
    await refused(
      assume(aws, DEV_KEYS, role('NoSuchRole')),
      'AccessDenied',
      /not authorized to perform: sts:AssumeRole/,
    );
    // A principal that names a role admits its sessions, not the user who assumed it.
    await refused(assume(aws, DEV_KEYS, role('Spoke')), 'AccessDenied', /user\/ann is not authorized/);
  },
  'trust-external-id': async (aws) => {
    await refused(assume(aws, DEV_KEYS, role('Vendor')), 'AccessDenied', /not authorized to perform: sts:AssumeRole/);
    await refused(
      assume(aws, DEV_KEYS, role('Vendor'), { ExternalId: 'ext-8' }),
      'AccessDenied',
      /not authorized to perform: sts:AssumeRole/,
    );
  },
  'role-max-session': (aws) =>
    refused(
      assume(aws, DEV_KEYS, role('Admin'), { DurationSeconds: 7200 }),
      'ValidationError',
      /^The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.$/,
    ),
  'chained-role-hour': async (aws) => {
    const hub = await assume(aws, DEV_KEYS, role('ops/Hub'), { DurationSeconds: 7200 });
    await refused(
      assume(aws, hub, role('Spoke'), { DurationSeconds: 3601 }),
      'ValidationError',
      /^The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\.$/,
    );
  },
  'mfa-device': async (aws) => {
    await refused(
      session(aws, { serial: BOB_MFA, code: '135791' }),
      'AccessDenied',
      /unable to validate MFA code.*serial number is valid and associated with this user/,
    );
    await refused(session(aws, { serial: ANN_MFA, code: '135791' }), 'AccessDenied', /invalid MFA one time pass code/);
    await refused(
      session(aws, { serial: `arn:aws:iam::${ACCOUNT}:mfa/nobody`, code: '246810' }),
      'AccessDenied',
      /unable to validate MFA code/,
    );
  },
  'session-token-from-long-term': async (aws) =>
    refused(
      sts(aws, await session(aws)).send(new GetSessionTokenCommand({ DurationSeconds: 900 })),
      'AccessDenied',
      /Cannot call GetSessionToken with session credentials/,
    ),
  'federation-token-from-long-term': async (aws) =>
    refused(
      sts(aws, await session(aws)).send(new GetFederationTokenCommand({ Name: 'ann-console', DurationSeconds: 900 })),
      'AccessDenied',
      /Cannot call GetFederationToken with session credentials/,
    ),
  'federated-user-limits': async (aws) => {
    const fed = creds(
      await sts(aws, DEV_KEYS).send(new GetFederationTokenCommand({ Name: 'ann-console', DurationSeconds: 900 })),
    );
    await refused(
      assume(aws, fed, role('Open')),
      'AccessDenied',
      new RegExp(
        `federated-user/ann-console is not authorized to perform: sts:AssumeRole on resource: ${role('Open')}`,
      ),
    );
    await refused(
      iam(aws, fed).send(new ListAccessKeysCommand({})),
      'AccessDenied',
      /not authorized to perform: iam:ListAccessKeys/,
    );
  },
  'session-token-iam-needs-mfa': (aws) =>
    session(aws).then((s) =>
      refused(
        iam(aws, s).send(new ListAccessKeysCommand({})),
        'InvalidClientTokenId',
        /security token included in the request is invalid/,
      ),
    ),
  'iam-user-implicit': async (aws) =>
    refused(
      iam(aws, await assume(aws, DEV_KEYS, role('Admin'))).send(new ListAccessKeysCommand({})),
      'ValidationError',
      /^Must specify userName when calling with non-User credentials$/,
    ),
  'own-keys-only': (aws) =>
    refused(
      iam(aws, DEV_KEYS).send(new DeleteAccessKeyCommand({ AccessKeyId: PROD_KEYS.accessKeyId })),
      'NoSuchEntityException', // the SDK's name for IAM's NoSuchEntity
      new RegExp(`^The Access Key with id ${PROD_KEYS.accessKeyId} cannot be found\\.$`),
    ),
  'access-key-quota': async (aws) => {
    await iam(aws, DEV_KEYS).send(new CreateAccessKeyCommand({}));
    await refused(
      iam(aws, DEV_KEYS).send(new CreateAccessKeyCommand({})),
      'LimitExceededException',
      /AccessKeysPerUser: 2/,
    );
  },
  'signin-session': async (aws) => {
    const s = await session(aws);
    const q = new URLSearchParams({
      Action: 'getSigninToken',
      Session: JSON.stringify({
        sessionId: s.accessKeyId,
        sessionKey: s.secretAccessKey,
        sessionToken: s.sessionToken,
      }),
    });
    const res = await fetch(`${aws.url}/federation?${q}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /GetSessionToken cannot sign in/);
  },
};

describe('the STS and IAM stand-in refuses what AWS refuses', () => {
  for (const rule of Object.keys(STS_RULES) as StsRule[]) {
    it(`${rule}: refuses ${STS_RULES[rule].refuses} (${STS_RULES[rule].doc})`, async () => {
      await checks[rule](await open());
    });
  }
});

describe("each rule's test fails with its rule switched off (the meta-test)", () => {
  for (const rule of Object.keys(STS_RULES) as StsRule[]) {
    it(`without ${rule}, its test fails`, async () => {
      const aws = await open();
      aws.rules.off.add(rule);
      await assert.rejects(checks[rule](aws), assert.AssertionError);
    });
  }
});

describe('what the stand-in allows, as AWS does', () => {
  it('answers GetCallerIdentity with valid ARNs for each kind of credentials', async () => {
    const aws = await open();
    const who = async (c: Creds) => sts(aws, c).send(new GetCallerIdentityCommand({}));
    const user = await who(DEV_KEYS);
    assert.deepEqual([user.Arn, user.Account], [ANN, ACCOUNT]);
    assert.match(user.UserId!, /^AIDA[A-Z0-9]{17}$/);
    // GetSessionToken's session acts as the user itself.
    assert.equal((await who(await session(aws))).Arn, ANN);
    const hub = await who(await assume(aws, DEV_KEYS, role('ops/Hub')));
    assert.equal(
      hub.Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/Hub/s1`,
      'the role path is not part of the session ARN',
    );
    assert.match(hub.UserId!, /^AROA[A-Z0-9]+:s1$/);
    const fed = creds(await sts(aws, DEV_KEYS).send(new GetFederationTokenCommand({ Name: 'ann-console' })));
    const federated = await who(fed);
    assert.deepEqual(
      [federated.Arn, federated.UserId],
      [`arn:aws:sts::${ACCOUNT}:federated-user/ann-console`, `${ACCOUNT}:ann-console`],
    );
    for (const arn of [user.Arn, hub.Arn, federated.Arn])
      assert.match(arn!, /^arn:aws:(iam|sts)::\d{12}:(user|assumed-role|federated-user)\/[\w+=,.@/-]+$/);
  });

  it('admits each principal form a trust policy names: account, user, role, assumed-role session', async () => {
    const aws = await open();
    aws.addRole(role('BySession'), [`arn:aws:sts::${ACCOUNT}:assumed-role/Hub/s1`]);
    const hub = await assume(aws, DEV_KEYS, role('ops/Hub'));
    assert.ok((await assume(aws, hub, role('Spoke'), { DurationSeconds: 3600 })).sessionToken, 'role principal');
    assert.ok((await assume(aws, hub, role('BySession'))).sessionToken, 'assumed-role session principal');
    assert.ok((await assume(aws, PROD_KEYS, role('Open'))).sessionToken, 'account root principal');
    assert.ok(
      (await assume(aws, PROD_KEYS, role('Vendor'), { ExternalId: 'ext-7' })).sessionToken,
      'account id + external id',
    );
    assert.ok(
      (await assume(aws, DEV_KEYS, role('ops/Hub'), { DurationSeconds: 43_200 })).sessionToken,
      'a role that allows 12 h',
    );
  });

  it('lets GetSessionToken credentials made with MFA call IAM as the user', async () => {
    const aws = await open();
    const s = await session(aws, { serial: ANN_MFA, code: '246810' });
    const out = await iam(aws, s).send(new ListAccessKeysCommand({}));
    assert.deepEqual(
      out.AccessKeyMetadata?.map((k) => k.AccessKeyId),
      [DEV_KEYS.accessKeyId],
    );
  });

  it("sends AWS's clock in Date, so an SDK whose clock is off corrects it and retries", async () => {
    const aws = await open();
    aws.clockOffsetMs = 20 * 60_000;
    const client = new STSClient({ region: 'us-east-1', endpoint: aws.url, credentials: DEV_KEYS, maxAttempts: 2 });
    assert.equal((await client.send(new GetCallerIdentityCommand({}))).Arn, ANN);
    assert.equal(aws.requests.length, 1, 'the first, skewed, request was refused before it was logged');
  });
});

/** FakeSts, the port-boundary fake of the unit tests, keeps two of these rules: the same proof for them. */
const fakeChecks: Record<keyof typeof FAKE_STS_RULES, (fake: FakeSts) => Promise<void>> = {
  'role-chaining': async (fake) => {
    const target = { region: 'us-east-1' };
    const hub = await fake.assumeRole(
      DEV_KEYS,
      { roleArn: role('Hub'), roleSessionName: 's1', durationSeconds: 900 },
      target,
    );
    await refused(
      fake.assumeRole(hub, { roleArn: role('Spoke'), roleSessionName: 's2', durationSeconds: 7200 }, target),
      'AwsServiceError',
      /1 hour session limit for roles assumed by role chaining/,
    );
  },
  'session-token-from-session': async (fake) => {
    const target = { region: 'us-east-1' };
    const s = await fake.getSessionToken(DEV_KEYS, { durationSeconds: 900 }, target);
    await refused(
      fake.getSessionToken(s, { durationSeconds: 900 }, target),
      'AwsServiceError',
      /Cannot call GetSessionToken with session credentials/,
    );
  },
};

describe('FakeSts keeps its rules, and each test fails without its rule', () => {
  for (const rule of Object.keys(FAKE_STS_RULES) as (keyof typeof FAKE_STS_RULES)[]) {
    it(`${rule}: refuses ${FAKE_STS_RULES[rule].refuses}`, () => fakeChecks[rule](new FakeSts(new FakeClock())));
    it(`without ${rule}, its test fails`, async () => {
      const fake = new FakeSts(new FakeClock());
      fake.rules.off.add(rule);
      await assert.rejects(fakeChecks[rule](fake), assert.AssertionError);
    });
  }
});

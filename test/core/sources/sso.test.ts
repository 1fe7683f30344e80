import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsServiceError, SignInNeededError } from '../../../main/core/errors.ts';
import type { IdentityCenter, OidcTokens } from '../../../main/core/ports/ports.ts';
import { keyAgeDays, keyOverdue } from '../../../main/core/profiles/profile.ts';
import { SsoProvider, SsoTokenMemory } from '../../../main/core/sources/sso.ts';
import { ssoSourceFromConfig } from '../../../main/core/aws/sso-config.ts';
import { deviceSignIn } from '../../../main/core/aws/sso-login.ts';
import type { SsoToken } from '../../../main/core/profiles/sso-schema.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';

const SOURCE = {
  kind: 'sso' as const,
  startUrl: 'https://corp.awsapps.com/start',
  region: 'eu-west-1',
  accountId: '111122223333',
  roleName: 'Dev',
};
const CLIENT = { clientId: 'c', clientSecret: 's', clientSecretExpiresAt: '2027-01-01T00:00:00.000Z' };

/** Identity Center at the port: CreateToken answers from a script; every call is noted with the clock's time. */
function center(
  clock: FakeClock,
  answers: (string | OidcTokens)[],
): IdentityCenter & { polls: number[]; grants: string[] } {
  const polls: number[] = [];
  const grants: string[] = [];
  return {
    polls,
    grants,
    registerClient: async () => CLIENT,
    startDeviceAuthorization: async () => ({
      deviceCode: 'dc',
      userCode: 'ABCD-EFGH',
      verificationUri: 'https://x/device',
      expiresIn: 60,
      interval: 1,
    }),
    async createToken(_region, _client, grant) {
      polls.push(clock.now());
      grants.push('deviceCode' in grant ? 'device' : 'refresh');
      const a = answers.shift() ?? 'AuthorizationPending';
      if (typeof a === 'string') throw new AwsServiceError(a, a);
      return a;
    },
    getRoleCredentials: async (_region, accessToken) => ({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: `for-${accessToken}`,
      sessionToken: 't',
      expiration: '2027-01-01T00:00:00.000Z',
    }),
    logout: async () => undefined,
  };
}

/** Moves the fake clock a second at a time until the promise settles. */
async function drive<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let done = false;
  const watched = work.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let i = 0; i < 1000 && !done; i += 1) {
    await new Promise((r) => setImmediate(r));
    if (!done) clock.advance(1000);
  }
  return watched;
}

describe('IAM Identity Center sign-in', () => {
  it('polls at the interval asked, five seconds slower after each slow_down, until the token comes', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const ic = center(clock, [
      'AuthorizationPending',
      'SlowDown',
      'AuthorizationPending',
      { accessToken: 'at', expiresIn: 3600, refreshToken: 'rt' },
    ]);
    const shown: string[] = [];
    const token = await drive(
      clock,
      deviceSignIn(ic, clock, 'team', SOURCE, (a) => void shown.push(a.userCode)),
    );
    assert.deepEqual(shown, ['ABCD-EFGH']);
    assert.deepEqual(
      ic.polls.map((t) => (t - start) / 1000),
      [1, 2, 8, 14],
    );
    assert.deepEqual(token, {
      accessToken: 'at',
      expiresAt: new Date(start + 14_000 + 3_600_000).toISOString(),
      refreshToken: 'rt',
      ...CLIENT,
    });
  });

  it('a code nobody confirms ends at its expiry with "sign in again"; a refusal says so', async () => {
    const clock = new FakeClock();
    const err = await drive(
      clock,
      deviceSignIn(center(clock, []), clock, 'team', SOURCE, () => undefined),
    ).catch((e: unknown) => e);
    assert.ok(err instanceof SignInNeededError);
    assert.match(
      err.message,
      /not confirmed within 60 s: run `tray-cred sso login team` again and confirm the code ABCD-EFGH/,
    );
    const denied = await drive(
      clock,
      deviceSignIn(center(clock, ['AccessDenied']), clock, 'team', SOURCE, () => undefined),
    ).catch((e: unknown) => e);
    assert.match((denied as Error).message, /refused in the browser/);
  });
});

describe('SsoProvider', () => {
  const stored = (clock: FakeClock, minutes: number, refresh = true): SsoToken => ({
    accessToken: 'old',
    expiresAt: new Date(clock.now() + minutes * 60_000).toISOString(),
    ...(refresh ? { refreshToken: 'rt' } : {}),
    ...CLIENT,
  });

  it('uses a fresh token as it is, and refreshes one about to end, keeping the new one in memory only', async () => {
    const clock = new FakeClock();
    const tokens = new SsoTokenMemory();
    const fresh = center(clock, []);
    const r1 = await new SsoProvider('team', SOURCE, stored(clock, 60), { sso: fresh, clock, tokens }).retrieve();
    assert.equal(r1.creds.secretAccessKey, 'for-old');
    assert.deepEqual(fresh.grants, []);
    const ic = center(clock, [{ accessToken: 'new', expiresIn: 3600 }]);
    const token = stored(clock, 2);
    const r2 = await new SsoProvider('team', SOURCE, token, { sso: ic, clock, tokens }).retrieve();
    assert.equal(r2.creds.secretAccessKey, 'for-new');
    assert.deepEqual(ic.grants, ['refresh']);
    assert.equal(token.accessToken, 'old', 'the stored token is not changed in place');
    assert.equal(tokens.current('team', token).accessToken, 'new');
    assert.equal(
      tokens.current('team', { ...token, accessToken: 'after-a-new-login' }).accessToken,
      'after-a-new-login',
      'a new sign-in wins over a refreshed copy',
    );
  });

  it('no sign-in, no refresh token, or a refused refresh: "sign in again"', async () => {
    const clock = new FakeClock();
    const deps = { sso: center(clock, ['InvalidGrant']), clock, tokens: new SsoTokenMemory() };
    for (const [token, why] of [
      [undefined, 'has not happened yet'],
      [stored(clock, 1, false), 'has ended'],
      [stored(clock, 1), 'has ended and its refresh token is no longer accepted'],
    ] as const) {
      const err = await new SsoProvider('team', SOURCE, token, deps).retrieve().catch((e: unknown) => e);
      assert.ok(err instanceof SignInNeededError, String(err));
      assert.equal(
        err.message,
        `the IAM Identity Center sign-in of "team" ${why}: sign in again with \`tray-cred sso login team\``,
      );
      assert.equal(err.exitStatus, 18);
    }
  });
});

describe('sso settings in ~/.aws/config', () => {
  it('reads a profile with an sso-session, the legacy keys, and names what is missing', () => {
    const config = `[profile a]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n[profile b]\nsso_start_url = https://b.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 444455556666\nsso_role_name = Ops\n[profile c]\nsso_start_url = https://c.awsapps.com/start\n[profile d]\nregion = us-east-1\n[profile e]\nsso_session = nowhere\n`;
    assert.deepEqual(ssoSourceFromConfig(config, 'a'), { ...SOURCE, region: 'eu-west-1', session: 'corp' });
    assert.deepEqual(ssoSourceFromConfig(config, 'b'), {
      kind: 'sso',
      startUrl: 'https://b.awsapps.com/start',
      region: 'us-east-1',
      accountId: '444455556666',
      roleName: 'Ops',
    });
    assert.equal(ssoSourceFromConfig(config, 'c'), 'profile "c" lacks sso_region, sso_account_id, sso_role_name');
    assert.equal(ssoSourceFromConfig(config, 'd'), undefined);
    assert.match(String(ssoSourceFromConfig(config, 'e')), /no \[sso-session nowhere\] section/);
  });
});

describe('key age', () => {
  it('counts whole days and flags a key at its rotate_after_days', () => {
    const now = Date.parse('2026-11-26T09:00:00Z');
    const at = (days: number): string => new Date(now - days * 86_400_000 - 1000).toISOString();
    assert.equal(keyAgeDays({ keyCreatedAt: at(89) }, now), 89);
    assert.equal(keyOverdue({ keyCreatedAt: at(89), rotateAfterDays: 90 }, now), false);
    assert.equal(keyOverdue({ keyCreatedAt: at(90), rotateAfterDays: 90 }, now), true);
    assert.equal(keyOverdue({ keyCreatedAt: at(400), rotateAfterDays: undefined }, now), false);
    assert.equal(keyAgeDays({ keyCreatedAt: undefined }, now), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialsExpiredError, UsageError } from '../../../main/core/errors.ts';
import { StoredSessionProvider } from '../../../main/core/sources/stored-session.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';
import { profile } from './profiles.ts';

describe('StoredSessionProvider', () => {
  const clock = new FakeClock(Date.parse('2026-11-26T09:00:00Z'));
  const session = (expiration: string) => profile({ ...DEV_KEYS, sessionToken: 'stored-token', expiration });

  it('serves the keys with their session token and expiration until they expire', async () => {
    const got = await new StoredSessionProvider('temp', session('2026-11-26T09:00:01.000Z'), clock).retrieve();
    assert.deepEqual(got, {
      served: 'vault',
      creds: { ...DEV_KEYS, sessionToken: 'stored-token', expiration: '2026-11-26T09:00:01.000Z' },
    });
  });

  it('expired credentials are refused as EXPIRED, naming when and how to replace them', async () => {
    await assert.rejects(
      new StoredSessionProvider('temp', session('2026-11-26T09:00:00.000Z'), clock).retrieve(),
      (e: unknown) => {
        assert.ok(e instanceof CredentialsExpiredError);
        assert.equal(e.code, 'EXPIRED');
        assert.match(
          e.message,
          /"temp" expired at 2026-11-26T09:00:00.000Z: store fresh ones with `tray-cred add temp --replace`/,
        );
        return true;
      },
    );
  });

  it('a session without its keys is refused before its expiration is looked at', async () => {
    await assert.rejects(
      new StoredSessionProvider(
        'temp',
        profile({ sessionToken: 't', expiration: '2020-01-01T00:00:00Z' }),
        clock,
      ).retrieve(),
      UsageError,
    );
  });
});

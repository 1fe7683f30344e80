import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CachedSessionProvider, refreshWindow } from '../../../main/core/sources/cached-session.ts';
import type { CredentialProvider, Provided } from '../../../main/core/sources/provider.ts';
import {
  COMMAND_REFRESH_WINDOW_MS,
  REFRESH_WINDOW_MS,
  SessionCache,
} from '../../../main/core/sources/session-cache.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { DEV_KEYS } from '../../fakes/keys.ts';
import { profile } from './profiles.ts';

describe('CachedSessionProvider', () => {
  let clock: FakeClock;
  let sessions: SessionCache;
  let asked: number;
  const inner = (got: () => Provided): CredentialProvider => ({
    retrieve: async () => {
      asked += 1;
      return got();
    },
  });
  const minted = (): Provided => ({
    served: 'minted',
    kind: 'assume-role',
    sessionName: 'tray-cred-req-1',
    creds: {
      accessKeyId: `ASIAFAKE00000000000${asked}`,
      secretAccessKey: 's',
      sessionToken: 't',
      expiration: new Date(clock.now() + 3_600_000).toISOString(),
    },
  });
  const cached = (provider: CredentialProvider, ticket = sessions.ticket('aws s3 ls')) =>
    new CachedSessionProvider('admin', REFRESH_WINDOW_MS, provider, { sessions, ticket });

  beforeEach(() => {
    clock = new FakeClock();
    sessions = new SessionCache(clock);
    asked = 0;
  });

  it('keeps a minted session and serves it from the cache, session name included, until the window', async () => {
    const first = await cached(inner(minted)).retrieve();
    assert.equal(first.served, 'minted');
    const second = await cached(inner(minted)).retrieve();
    assert.deepEqual(second, { served: 'cache', creds: first.creds, sessionName: 'tray-cred-req-1' });
    assert.deepEqual(
      sessions.sessions().map((s) => [s.profile, s.kind, s.mintedFor]),
      [['admin', 'assume-role', 'aws s3 ls']],
    );
    clock.advance(3_600_000 - REFRESH_WINDOW_MS);
    assert.equal((await cached(inner(minted)).retrieve()).served, 'minted');
    assert.equal(asked, 2);
  });

  it('keeps only what was minted with a session and an end: not stored keys or sessions, nor long-term keys a command printed', async () => {
    const later = new Date(clock.now() + 3_600_000).toISOString();
    await cached(inner(() => ({ served: 'vault', creds: DEV_KEYS }))).retrieve();
    await cached(
      inner(() => ({ served: 'vault', creds: { ...DEV_KEYS, sessionToken: 'stored', expiration: later } })),
    ).retrieve();
    await cached(
      inner(() => ({
        served: 'minted',
        kind: 'command',
        creds: { ...DEV_KEYS, sessionToken: undefined, expiration: undefined },
      })),
    ).retrieve();
    assert.deepEqual(sessions.sessions(), []);
    assert.equal(asked, 3);
  });

  it('a mint that finishes after a lock is handed back to the caller, who checks the ticket, but not kept', async () => {
    const ticket = sessions.ticket('aws s3 ls');
    sessions.clear();
    assert.equal((await cached(inner(minted), ticket).retrieve()).served, 'minted');
    assert.equal(sessions.current(ticket), false);
    assert.deepEqual(sessions.sessions(), []);
  });

  it('commands are asked again a minute before their end, STS sessions fifteen minutes before', () => {
    assert.equal(
      refreshWindow(profile({ source: { kind: 'command', command: 'op read' } })),
      COMMAND_REFRESH_WINDOW_MS,
    );
    assert.equal(COMMAND_REFRESH_WINDOW_MS, 60_000);
    assert.equal(
      refreshWindow(profile({ ...DEV_KEYS, sts: { sessionMode: true, durationSeconds: 3600 } })),
      REFRESH_WINDOW_MS,
    );
    assert.equal(REFRESH_WINDOW_MS, 15 * 60_000);
  });
});

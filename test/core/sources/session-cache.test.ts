import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { REFRESH_WINDOW_MS, SessionCache } from '../../../main/core/sources/session-cache.ts';
import type { TemporaryCredentials } from '../../../main/core/ports/ports.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';

describe('SessionCache', () => {
  let clock: FakeClock;
  let cache: SessionCache;
  const session = (id: string, minutes: number): TemporaryCredentials => ({
    accessKeyId: `ASIAFAKE0000000000${id}`,
    secretAccessKey: `secret-${id}`,
    sessionToken: `token-${id}`,
    expiration: new Date(clock.now() + minutes * 60_000).toISOString(),
  });

  beforeEach(() => {
    clock = new FakeClock();
    cache = new SessionCache(clock);
  });

  it('serves a session while more than the window remains, and not once the window is reached', () => {
    const creds = session('01', 60);
    cache.remember('prod', cache.ticket('aws s3 ls'), { creds, kind: 'session-token' });
    clock.advance(60 * 60_000 - REFRESH_WINDOW_MS - 1);
    assert.equal(cache.fresh('prod', REFRESH_WINDOW_MS)?.creds, creds);
    clock.advance(1);
    assert.equal(cache.fresh('prod', REFRESH_WINDOW_MS), undefined);
    assert.equal(cache.fresh('prod', 60_000)?.creds, creds, 'a shorter window still serves it');
  });

  it('a mint that finishes after a lock is not remembered, and its ticket is no longer current', () => {
    const ticket = cache.ticket('aws s3 ls');
    cache.clear();
    cache.remember('prod', ticket, { creds: session('01', 60), kind: 'assume-role', sessionName: 'tray-cred-1' });
    assert.equal(cache.current(ticket), false);
    assert.equal(cache.fresh('prod', 0), undefined);
    assert.deepEqual(cache.sessions(), []);
    const after = cache.ticket('aws s3 ls');
    cache.remember('prod', after, { creds: session('02', 60), kind: 'assume-role' });
    assert.equal(cache.current(after), true);
    assert.equal(cache.fresh('prod', 0)?.creds.accessKeyId, 'ASIAFAKE000000000002');
  });

  it('lists live sessions newest first without their keys, and forgets one', () => {
    cache.remember('old', cache.ticket('aws sts get-caller-identity'), {
      creds: session('01', 60),
      kind: 'session-token',
    });
    clock.advance(60_000);
    cache.remember('new', cache.ticket('aws s3 ls'), { creds: session('02', 60), kind: 'command' });
    cache.remember('gone', cache.ticket('x'), { creds: session('03', 1), kind: 'command' });
    clock.advance(60_000);
    const listed = cache.sessions();
    assert.deepEqual(
      listed.map((s) => [s.profile, s.kind, s.mintedFor, s.accessKeyIdSuffix, s.mintedAt]),
      [
        ['new', 'command', 'aws s3 ls', '0002', '2026-11-26T09:01:00.000Z'],
        ['old', 'session-token', 'aws sts get-caller-identity', '0001', '2026-11-26T09:00:00.000Z'],
      ],
    );
    assert.ok(!JSON.stringify(listed).includes('secret-'));
    assert.equal(cache.forget('old'), true);
    assert.equal(cache.forget('old'), false);
    assert.deepEqual(
      cache.sessions().map((s) => s.profile),
      ['new'],
    );
  });
});

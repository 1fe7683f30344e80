import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCredentialsFile } from '../../main/core/credentials-file.ts';
import { UsageError } from '../../main/core/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/world.ts';

describe('parseCredentialsFile', () => {
  it('reads every profile, literally named, with session tokens and expirations', () => {
    const text = [
      '# my keys',
      '[default]',
      `aws_access_key_id = ${DEV_KEYS.accessKeyId}`,
      `aws_secret_access_key = ${DEV_KEYS.secretAccessKey}`,
      '',
      '[team.prod]',
      `aws_access_key_id=${PROD_KEYS.accessKeyId}`,
      `aws_secret_access_key=${PROD_KEYS.secretAccessKey}`,
      'aws_session_token = FwoGZXIvYXdzEBAaDO+/token==',
      'x_security_token_expires = 2030-01-02T03:04:05+00:00',
      '[region-only]',
      'region = eu-west-1',
    ].join('\r\n');
    const { profiles, skipped } = parseCredentialsFile(text);
    assert.deepEqual([...profiles.keys()], ['default', 'team.prod']);
    assert.deepEqual(profiles.get('default'), DEV_KEYS);
    assert.deepEqual(profiles.get('team.prod'), {
      ...PROD_KEYS,
      sessionToken: 'FwoGZXIvYXdzEBAaDO+/token==',
      expiration: '2030-01-02T03:04:05.000Z',
    });
    assert.deepEqual(skipped, [{ profile: 'region-only', why: 'no aws_access_key_id or aws_secret_access_key' }]);
  });

  const bad: [string, string, RegExp][] = [
    ['a key without a secret', `[a]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\n`, /profile "a" has aws_access_key_id but no aws_secret_access_key/],
    ['a secret without a key', `[a]\naws_secret_access_key = x\n`, /profile "a" has aws_secret_access_key but no aws_access_key_id/],
    ['a malformed key id', `[a]\naws_access_key_id = nope\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n`, /must be 16-128 capital letters/],
    ['a name with spaces', `[my profile]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = s\n`, /not a usable profile name/],
    ['keys outside any section', `aws_access_key_id = ${DEV_KEYS.accessKeyId}\n`, /outside any \[profile\] section/],
    ['a bad expiration', `[a]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = s\naws_expiration = soon\n`, /not an ISO 8601 time/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} without echoing a secret`, () => {
      assert.throws(() => parseCredentialsFile(text), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, message);
        assert.ok(!e.message.includes(DEV_KEYS.secretAccessKey));
        return true;
      });
    });
  }

  it('reads a header with a trailing comment as the AWS CLI does, so the keys stay with their profile', () => {
    const text = `[default]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n[prod] # main account\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n`;
    const { profiles } = parseCredentialsFile(text);
    assert.deepEqual(profiles.get('default'), DEV_KEYS);
    assert.deepEqual(profiles.get('prod'), PROD_KEYS);
  });

  it('never quotes a stray line, which may be a secret or a credential_process document', () => {
    const doc = JSON.stringify({ Version: 1, AccessKeyId: DEV_KEYS.accessKeyId, SecretAccessKey: DEV_KEYS.secretAccessKey });
    for (const text of [`${doc}\n`, `${DEV_KEYS.secretAccessKey}\n`]) {
      assert.throws(() => parseCredentialsFile(text), (e: Error) => /a line outside any \[profile\] section/.test(e.message) && !e.message.includes(DEV_KEYS.secretAccessKey));
    }
  });
});

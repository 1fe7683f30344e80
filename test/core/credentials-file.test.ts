import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCredentialsFile } from '../../main/core/aws/credentials-file.ts';
import { UsageError } from '../../main/core/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { SYNC_LIMIT } from '../node/processes.ts';

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
    [
      'a key without a secret',
      `[a]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\n`,
      /profile "a" has aws_access_key_id but no aws_secret_access_key/,
    ],
    [
      'a secret without a key',
      `[a]\naws_secret_access_key = x\n`,
      /profile "a" has aws_secret_access_key but no aws_access_key_id/,
    ],
    [
      'a malformed key id',
      `[a]\naws_access_key_id = nope\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n`,
      /must be 16-128 capital letters/,
    ],
    [
      'a name with spaces',
      `[my profile]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = s\n`,
      /not a usable profile name/,
    ],
    ['keys outside any section', `aws_access_key_id = ${DEV_KEYS.accessKeyId}\n`, /outside any \[profile\] section/],
    [
      'a bad expiration',
      `[a]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = s\naws_expiration = soon\n`,
      /not an ISO 8601 time/,
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} without echoing a secret`, () => {
      assert.throws(
        () => parseCredentialsFile(text),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, message);
          assert.ok(!e.message.includes(DEV_KEYS.secretAccessKey));
          return true;
        },
      );
    });
  }

  it('reads a header with a trailing comment as the AWS CLI does, so the keys stay with their profile', () => {
    const text = `[default]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n[prod] # main account\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n`;
    const { profiles } = parseCredentialsFile(text);
    assert.deepEqual(profiles.get('default'), DEV_KEYS);
    assert.deepEqual(profiles.get('prod'), PROD_KEYS);
  });

  it('never quotes a stray line, which may be a secret or a credential_process document', () => {
    const doc = JSON.stringify({
      Version: 1,
      AccessKeyId: DEV_KEYS.accessKeyId,
      SecretAccessKey: DEV_KEYS.secretAccessKey,
    });
    for (const text of [`${doc}\n`, `${DEV_KEYS.secretAccessKey}\n`]) {
      assert.throws(
        () => parseCredentialsFile(text),
        (e: Error) =>
          /a line outside any \[profile\] section/.test(e.message) && !e.message.includes(DEV_KEYS.secretAccessKey),
      );
    }
  });

  /** What the real AWS CLI v2 makes of the same file: the keys it would use, or its refusal. */
  function awsCliReads(text: string, profile: string): { AccessKeyId: string; SecretAccessKey: string } | 'refused' {
    const dir = mkdtempSync(join(tmpdir(), 'tc-creds-'));
    try {
      writeFileSync(join(dir, 'credentials'), text);
      const env = {
        PATH: '/usr/bin:/bin',
        HOME: dir,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        AWS_CONFIG_FILE: join(dir, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const r = spawnSync('/usr/bin/aws', ['configure', 'export-credentials', '--profile', profile], {
        ...SYNC_LIMIT,
        env,
        encoding: 'utf8',
      });
      return r.status === 0 ? (JSON.parse(r.stdout) as { AccessKeyId: string; SecretAccessKey: string }) : 'refused';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads keys in any case, and profile names exactly, as the AWS CLI does', () => {
    const text = `[dev]\nAWS_Access_Key_ID = ${DEV_KEYS.accessKeyId}\nAws_Secret_Access_Key = ${DEV_KEYS.secretAccessKey}\n[Dev]\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n`;
    const { profiles } = parseCredentialsFile(text);
    assert.deepEqual(profiles.get('dev'), DEV_KEYS);
    assert.deepEqual(profiles.get('Dev'), PROD_KEYS);
    for (const name of ['dev', 'Dev']) {
      const cli = awsCliReads(text, name);
      assert.notEqual(cli, 'refused');
      assert.deepEqual(
        cli !== 'refused' && { accessKeyId: cli.AccessKeyId, secretAccessKey: cli.SecretAccessKey },
        profiles.get(name),
        `the AWS CLI reads [${name}] the same`,
      );
    }
  });

  it('refuses a key set twice in one section in any case, as the AWS CLI refuses the file, without quoting a value', () => {
    for (const second of ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY']) {
      const text = `[dev]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n${second} = ${DEV_KEYS.secretAccessKey}\n`;
      assert.equal(awsCliReads(text, 'dev'), 'refused', 'the AWS CLI does not pick one');
      assert.throws(
        () => parseCredentialsFile(text),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, /profile "dev" sets aws_secret_access_key twice/);
          assert.ok(!e.message.includes(DEV_KEYS.secretAccessKey) && !e.message.includes(PROD_KEYS.secretAccessKey));
          return true;
        },
      );
    }
    // A repeated stray line is not named: what stands before its `=` may be a secret.
    const stray = `[dev]\nwJalrXUtnFEMIK7MDENG = x\nwJalrXUtnFEMIK7MDENG = y\n`;
    assert.throws(() => parseCredentialsFile(stray), { message: /^profile "dev" sets one key twice/ });
  });
});

/**
 * What exec hands a child and export prints for a shell: the env format evaluated by the real
 * sh with hostile values (quotes, $( ), newlines) stays data; stale credentials are dropped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  EXEC_PROFILE_VAR,
  checkNesting,
  childEnv,
  credentialVars,
  formatExport,
} from '../../main/node/exec/child-env.ts';
import { parseDuration } from '../../main/node/exec/options.ts';
import { SYNC_LIMIT } from './processes.ts';

const HOSTILE = `a'b"c $(touch /tmp/pwned) \`id\` \\ ;\nnext`;

describe('child environment and export formats', () => {
  it('the env format is data to sh, whatever the value holds', () => {
    const lines = formatExport({ AWS_SESSION_TOKEN: HOSTILE, AWS_ACCESS_KEY_ID: 'ASIAX' }, 'env');
    const r = spawnSync('/bin/sh', ['-c', `${lines}printf '%s' "$AWS_SESSION_TOKEN"`], {
      ...SYNC_LIMIT,
      encoding: 'utf8',
      env: {},
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, HOSTILE);
  });

  it('powershell and fish quote the same value for their shells', () => {
    assert.equal(formatExport({ X: `it's` }, 'powershell'), `$env:X = 'it''s'\n`);
    assert.equal(formatExport({ X: `it's \\` }, 'fish'), `set -gx X 'it\\'s \\\\';\n`);
    assert.deepEqual(JSON.parse(formatExport({ X: HOSTILE }, 'json')), { X: HOSTILE });
  });

  it('drops credentials and pointers a child would otherwise prefer, keeps the rest', () => {
    const env = childEnv(
      {
        PATH: '/bin',
        AWS_PROFILE: 'other',
        AWS_SECRET_ACCESS_KEY: 'old',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://x',
      },
      credentialVars(
        'prod',
        {
          Version: 1,
          AccessKeyId: 'ASIAEXAMPLEEXAMPLE01',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: '2030-01-01T00:00:00Z',
        },
        'eu-west-1',
      ),
    );
    assert.deepEqual(env, {
      PATH: '/bin',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE01',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      [EXEC_PROFILE_VAR]: 'prod',
    });
  });

  it('nesting is refused by name, unless allowed', () => {
    assert.throws(
      () => checkNesting({ [EXEC_PROFILE_VAR]: 'dev' }, 'prod', false),
      /already inside `tray-cred exec dev`.*--allow-nested/,
    );
    checkNesting({ [EXEC_PROFILE_VAR]: 'dev' }, 'prod', true);
    checkNesting({}, 'prod', false);
  });

  it('durations', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    for (const bad of ['0', '-1', '1d', '37h', '1.5h', '', 'h'])
      assert.throws(() => parseDuration(bad), /is not a duration/);
  });
});

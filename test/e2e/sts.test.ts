/**
 * Temporary credentials end to end: a real agent whose STS calls (AWS SDK v3) go to a loopback
 * stand-in that checks SigV4, the real helper, and the real AWS CLI v2.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { auditEntries, credentialsFile, findSecrets, testSandbox, writeAwsConfig } from './support.ts';
import { awsCli } from './aws-cli-driver.ts';

const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const ROLE = 'arn:aws:iam::123456789012:role/ProdAdmin';

interface Exported {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

describe('STS sessions and roles through the real helper and AWS CLI', () => {
  it('a prod role with MFA: one prompt with an MFA field, then the cached session; never the long-term key', async (t) => {
    const sts = new StsStandIn();
    await sts.start();
    t.after(() => sts.stop());
    const prod = sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
    sts.addMfaDevice(MFA, prod, '402193');
    sts.addRole(ROLE, [prod]);

    const { sandbox, startAgent } = await testSandbox(t);
    const log = join(sandbox.root, 'approvals.log');
    const codeFile = join(sandbox.root, 'mfa-code');
    await writeFile(codeFile, '402193\n');
    // The headless approver: allows, records what it was asked, and prints the MFA code when one is wanted.
    const approver = join(sandbox.root, 'approver.sh');
    await writeFile(
      approver,
      `echo "$TRAY_CRED_PROFILE|$TRAY_CRED_MFA_SERIAL|$TRAY_CRED_CALLER_COMMAND" >> ${log}\ncat ${codeFile}\n`,
    );
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ prod: PROD_KEYS, dev: DEV_KEYS }));
    for (const args of [
      ['init'],
      ['import', creds, '--session-mode'],
      ['role', 'prod-admin', '--role-arn', ROLE, '--source-profile', 'prod', '--mfa-serial', MFA],
      ['policy', 'prod-admin', 'ask', '--remember', '60'],
    ]) {
      const r = await sandbox.trayCred(args);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    const list = JSON.parse((await sandbox.trayCred(['list', '--json'])).stdout) as {
      name: string;
      kind: string;
      sessionMode: boolean;
      mfa: boolean;
    }[];
    assert.deepEqual(
      list.map((p) => [p.name, p.kind, p.sessionMode, p.mfa]),
      [
        ['dev', 'keys', false, false],
        ['prod', 'keys', true, false],
        ['prod-admin', 'role', false, true],
      ],
    );
    await writeAwsConfig(sandbox, ['prod', 'prod-admin', 'dev']);
    // The SDK's standard override sends the agent's STS calls to the stand-in.
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    await startAgent(['--approver', `sh ${approver}`]);
    const aws = (profile: string) =>
      awsCli(['configure', 'export-credentials', '--profile', profile], { env: sandbox.env });

    const first = await aws('prod-admin');
    assert.equal(first.status, 0, first.stderr);
    const one = JSON.parse(first.stdout) as Exported;
    assert.match(one.AccessKeyId, /^ASIA/);
    assert.ok(one.SessionToken && one.Expiration, 'the CLI gets a session token and an expiration');
    assert.ok(Date.parse(one.Expiration) > Date.now() + 50 * 60_000);
    assert.deepEqual(
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split('|').slice(0, 2)),
      [['prod-admin', MFA]],
      'one prompt, with the MFA device',
    );

    const second = JSON.parse((await aws('prod-admin')).stdout) as Exported;
    assert.deepEqual(second, one, 'within the session: the same credentials');
    // A new process is a new run: it is asked about (issue 11), but the session is cached, so no MFA code.
    assert.deepEqual(
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split('|').slice(0, 2)),
      [
        ['prod-admin', MFA],
        ['prod-admin', ''],
      ],
    );

    const plain = await aws('prod');
    const session = JSON.parse(plain.stdout) as Exported;
    assert.match(session.AccessKeyId, /^ASIA/);
    assert.ok(session.SessionToken && session.Expiration);

    // STS saw the long-term key exactly once (GetSessionToken), the role assumed with the session and the MFA code.
    assert.deepEqual(
      sts.requests.map((r) => [
        r.action,
        r.accessKeyId === PROD_KEYS.accessKeyId,
        r.params.SerialNumber,
        r.params.TokenCode,
      ]),
      [
        ['GetSessionToken', true, undefined, undefined],
        ['AssumeRole', false, MFA, '402193'],
      ],
    );
    const accesses = (await auditEntries(sandbox)).filter((e) => e.event === 'access');
    // prod's own session was minted on the way to the role, so asking for prod reuses it.
    assert.deepEqual(
      accesses.map((e) => [e.profile, e.decision, e.served]),
      [
        ['prod-admin', 'approved', 'minted'],
        ['prod-admin', 'approved', 'cache'],
        ['prod', 'approved', 'cache'],
      ],
    );
    assert.equal(
      accesses[0]!.sessionName,
      sts.requests[1]!.params.RoleSessionName,
      'the audit entry names the role session CloudTrail shows',
    );
    assert.match(accesses[0]!.sessionName!, new RegExp(`^tray-cred-${accesses[0]!.requestId}`));
    assert.equal(accesses[0]!.credentialId, one.AccessKeyId);

    const everything =
      [first, plain].map((r) => r.stdout + r.stderr).join('') + JSON.stringify(await auditEntries(sandbox));
    assert.deepEqual(findSecrets(everything, [PROD_KEYS.secretAccessKey, PROD_KEYS.accessKeyId, '402193']), []);

    const sessions = JSON.parse((await sandbox.trayCred(['sessions', '--json'])).stdout) as {
      profile: string;
      kind: string;
    }[];
    assert.deepEqual(sessions.map((s) => [s.profile, s.kind]).sort(), [
      ['prod', 'session-token'],
      ['prod-admin', 'assume-role'],
    ]);
    assert.equal((await sandbox.trayCred(['forget', 'prod-admin'])).status, 0);

    // A wrong MFA code: STS refuses, and the CLI says why.
    await writeFile(codeFile, '000000\n');
    const wrong = await aws('prod-admin');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /invalid MFA one time pass code/);

    // A session STS no longer honours: a clear upstream error, not a crash.
    sts.expireSessions();
    await writeFile(codeFile, '402193\n');
    const expired = await aws('prod-admin');
    assert.match(expired.stderr, /ExpiredToken/);

    assert.equal((await sandbox.trayCred(['lock'])).status, 0);
    assert.equal((await sandbox.trayCred(['unlock'])).status, 0);
    assert.deepEqual(JSON.parse((await sandbox.trayCred(['sessions', '--json'])).stdout), [], 'lock wipes the cache');
  });
});

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
import { auditEntries, credentialsFile, findSecrets, HELPER, run, testSandbox, writeAwsConfig } from './support.ts';
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

  it('a chain of roles as AWS judges it: a hop its trust policy refuses is named; a chained role over an hour is refused before STS', async (t) => {
    const sts = new StsStandIn();
    await sts.start();
    t.after(() => sts.stop());
    const ann = sts.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey);
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    sts.addRole(role('Ops'), [ann], { maxSessionSeconds: 43_200 });
    sts.addRole(role('Admin'), [role('Ops')]);
    // Audit trusts ann herself, not the Ops role: reached through ops, AWS refuses the hop.
    sts.addRole(role('Audit'), [ann]);
    sts.addRole(role('Long'), ['123456789012'], { maxSessionSeconds: 43_200 });
    // Stored session keys whose origin only STS knows: a role session.
    const stored = {
      accessKeyId: 'ASIASTOREDEXAMPLE001',
      secretAccessKey: 'stored/secret',
      sessionToken: 'stored-token',
    };
    sts.addSession(stored.accessKeyId, stored.secretAccessKey, stored.sessionToken, Date.now() + 3600_000);

    const { sandbox, startAgent } = await testSandbox(t);
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ dev: DEV_KEYS }));
    const later = new Date(Date.now() + 3600_000).toISOString();
    for (const [args, stdin] of [
      [['init']],
      [['import', creds]],
      [
        ['add', 'stored', '--access-key-id', stored.accessKeyId, '--expiration', later],
        `${stored.secretAccessKey}\n${stored.sessionToken}\n`,
      ],
      [['role', 'ops', '--role-arn', role('Ops'), '--source-profile', 'dev', '--duration', '43200']],
      [['role', 'admin', '--role-arn', role('Admin'), '--source-profile', 'ops']],
      [['role', 'audit', '--role-arn', role('Audit'), '--source-profile', 'ops']],
      [['role', 'long', '--role-arn', role('Long'), '--source-profile', 'stored', '--duration', '7200']],
    ] as [string[], string?][]) {
      const r = await sandbox.trayCred(args, stdin);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    await startAgent();
    const helper = (profile: string) => run(HELPER, [profile], { env: sandbox.env });

    const admin = await helper('admin');
    assert.equal(admin.status, 0, `a role trusted by the Ops role, reached through ops: ${admin.stderr}`);
    assert.match((JSON.parse(admin.stdout) as { AccessKeyId: string }).AccessKeyId, /^ASIA/);

    const audit = await helper('audit');
    assert.notEqual(audit.status, 0);
    assert.match(
      audit.stderr,
      new RegExp(
        `profile "audit": AWS refused the hop audit → ops: AssumeRole of ${role('Audit')} as arn:aws:sts::123456789012:assumed-role/Ops/tray-cred-[\\w-]+: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/Ops/tray-cred-[\\w-]+ is not authorized to perform: sts:AssumeRole on resource: ${role('Audit')}`,
      ),
    );

    const before = sts.requests.length;
    const long = await helper('long');
    assert.notEqual(long.status, 0);
    assert.match(
      long.stderr,
      /The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\./,
    );
    assert.match(long.stderr, /--duration 3600/);
    assert.deepEqual(
      sts.requests.slice(before).map((q) => [q.action, q.accessKeyId]),
      [['GetCallerIdentity', stored.accessKeyId]],
      'STS was asked who the stored keys are, and no AssumeRole was tried',
    );
    assert.deepEqual(
      findSecrets(audit.stderr + long.stderr, [DEV_KEYS.secretAccessKey, stored.secretAccessKey, stored.sessionToken]),
      [],
    );
  });
});

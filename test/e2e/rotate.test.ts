/**
 * `tray-cred rotate` end to end: the built CLI and a real agent, IAM and STS played by a loopback
 * stand-in that checks every SigV4 signature, keeps IAM's limit of two keys per user and refuses
 * a new key for its first uses (eventual consistency). The CLI is killed (SIGKILL) at every step
 * of a rotation; the next `rotate` or `doctor` must leave exactly one working key in the vault and
 * one key in IAM.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  ROOT,
  TRAY_CRED,
  auditEntries,
  credentialsFile,
  findSecrets,
  makeSandbox,
  startAgent,
  writeAwsConfig,
  type Agent,
  type Sandbox,
} from './support.ts';
import { spawnGroup } from '../node/processes.ts';
import { awsCli } from './aws-cli-driver.ts';

const ANN = 'arn:aws:iam::123456789012:user/ann';
const BOB = 'arn:aws:iam::123456789012:user/bob';

interface Summary {
  name: string;
  accessKeyIdSuffix: string;
  keyCreatedAt?: string;
  rotationPending?: boolean;
  sessionMode?: boolean;
  updatedAt: string;
}

describe('tray-cred rotate against IAM and STS stand-ins', () => {
  const aws = new StsStandIn();
  let sandbox: Sandbox;
  let agent: Agent;
  let approver: string;
  const secretsSeen: string[] = [PROD_KEYS.secretAccessKey, DEV_KEYS.secretAccessKey];

  before(async () => {
    await aws.start();
    aws.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey, ANN);
    aws.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey, BOB);
    sandbox = await makeSandbox();
    approver = join(sandbox.root, 'approver.sh');
    await writeFile(approver, 'exit 0\n');
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ svc: DEV_KEYS, prod: PROD_KEYS }));
    for (const args of [['init'], ['import', creds]]) assert.equal((await sandbox.trayCred(args)).status, 0);
    await writeAwsConfig(sandbox, ['svc', 'prod']);
    sandbox.env.AWS_ENDPOINT_URL_IAM = aws.url;
    sandbox.env.AWS_ENDPOINT_URL_STS = aws.url;
    agent = await startAgent(sandbox, ['--approver', `sh ${approver}`]);
  });
  after(async () => {
    await agent?.stop();
    await aws.stop();
    await sandbox?.cleanup();
  });

  const profiles = async (): Promise<Map<string, Summary>> => {
    const r = await sandbox.trayCred(['list', '--json']);
    assert.equal(r.status, 0, r.stderr);
    return new Map((JSON.parse(r.stdout) as Summary[]).map((s) => [s.name, s]));
  };

  /** The key the vault serves (through the helper and the real AWS CLI), that it works at STS, and that IAM holds only it. */
  async function exactlyOneWorkingKey(profile: string, user: string): Promise<string> {
    const exported = await awsCli(['configure', 'export-credentials', '--profile', profile], {
      env: sandbox.env,
    });
    assert.equal(exported.status, 0, exported.stderr);
    const served = JSON.parse(exported.stdout) as { AccessKeyId: string; SecretAccessKey: string };
    secretsSeen.push(served.SecretAccessKey);
    const who = await awsCli(
      ['sts', 'get-caller-identity', '--profile', profile, '--output', 'json', '--endpoint-url', aws.url],
      { env: sandbox.env },
    );
    assert.equal(who.status, 0, `the stored key of ${profile} does not work at STS: ${who.stderr}${who.stdout}`);
    assert.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, `arn:aws:iam::123456789012:user/${user}`);
    assert.deepEqual(
      aws.userKeys(`arn:aws:iam::123456789012:user/${user}`).map((k) => [k.accessKeyId, k.secretAccessKey]),
      [[served.AccessKeyId, served.SecretAccessKey]],
      `IAM holds exactly the stored key of ${profile}`,
    );
    assert.equal((await profiles()).get(profile)?.rotationPending, false, 'no rotation left unfinished');
    return served.AccessKeyId;
  }

  it('rotates: a new key stored and proven (through IAM settling), the old one deleted, audited', async () => {
    const before = await exactlyOneWorkingKey('svc', 'ann');
    const r = await sandbox.trayCred(['rotate', 'svc']);
    assert.equal(r.status, 0, r.stderr);
    const now = await exactlyOneWorkingKey('svc', 'ann');
    assert.notEqual(now, before);
    assert.match(
      r.stdout,
      new RegExp(
        `Rotated the key of "svc": …${now.slice(-4)} is stored and works, …${before.slice(-4)} is deleted in IAM`,
      ),
    );
    const refused = aws.requests.filter((q) => q.accessKeyId === now);
    assert.equal(refused[0]?.action, 'GetCallerIdentity', 'the new key is proven before it is put in place');
    const entries = await auditEntries(sandbox);
    const gate = entries.filter(
      (e) => e.event === 'access' && e.profile === 'svc' && /tray-cred rotate svc$/.test(e.caller?.command ?? ''),
    );
    assert.equal(gate.length, 1, 'the use of the key went through the agent, which recorded it');
    assert.ok(
      entries.indexOf(gate[0]!) < entries.findIndex((e) => e.event === 'rotate'),
      'approved before anything changed',
    );
    assert.match(entries.filter((e) => e.event === 'rotate').at(-1)?.reason ?? '', /^rotated the key of "svc"/);
    assert.equal((await profiles()).get('svc')?.keyCreatedAt?.slice(0, 10), new Date().toISOString().slice(0, 10));
    const everything = r.stdout + r.stderr + JSON.stringify(entries);
    assert.deepEqual(findSecrets(everything, secretsSeen), []);
  });

  const steps = ['ListAccessKeys', 'CreateAccessKey', 'GetCallerIdentity', 'DeleteAccessKey'] as const;
  const cases = steps.flatMap((action) => (['before', 'after'] as const).map((phase) => ({ action, phase })));
  for (const [i, { action, phase }] of cases.entries()) {
    const then = i % 2 === 0 ? 'doctor' : 'rotate';
    it(`SIGKILL ${phase} ${action} is applied, then \`${then}\`: one working key stored, one key in IAM`, async (t) => {
      const child = spawnGroup(
        TRAY_CRED,
        ['rotate', 'svc'],
        { env: sandbox.env, cwd: ROOT, stdio: 'ignore' },
        { owner: t },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      let killed = false;
      aws.hook = async (got, when) => {
        if (got !== action || when !== phase) return undefined;
        aws.hook = undefined;
        killed = child.kill('SIGKILL');
        await exited;
        return 'drop';
      };
      const signal = await exited;
      aws.hook = undefined;
      assert.ok(killed && signal === 'SIGKILL', `the rotation was killed at ${action} (${phase})`);
      assert.ok(aws.userKeys(ANN).length <= 2);
      const next = await sandbox.trayCred([then, 'svc'].slice(0, then === 'doctor' ? 1 : 2));
      if (then === 'rotate') assert.equal(next.status, 0, next.stderr);
      else assert.doesNotMatch(next.stdout, /could not be finished/, next.stdout);
      await exactlyOneWorkingKey('svc', 'ann');
      assert.deepEqual(findSecrets(next.stdout + next.stderr, secretsSeen), []);
    });
  }

  it("at IAM's two-key limit: a clear message naming the other key, and nothing changes", async () => {
    const before = await profiles();
    const calls = aws.requests.length;
    aws.addUser('AKIAEXTRAKEY00000001', 'extra-secret', ANN);
    const r = await sandbox.trayCred(['rotate', 'svc']);
    assert.equal(r.status, EXIT_STATUS.KEY_LIMIT, r.stderr);
    assert.match(
      r.stderr,
      /^tray-cred: the IAM user of "svc" already has a second access key, AKIAEXTRAKEY00000001 .*aws iam delete-access-key --access-key-id AKIAEXTRAKEY00000001/,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(aws.userKeys(ANN).length, 2);
    const afterwards = await profiles();
    assert.equal(afterwards.get('svc')?.accessKeyIdSuffix, before.get('svc')?.accessKeyIdSuffix);
    assert.equal(afterwards.get('svc')?.rotationPending, false);
    assert.deepEqual(
      aws.requests.slice(calls).map((q) => q.action),
      ['ListAccessKeys'],
      'no CreateAccessKey was tried',
    );
  });

  it('a denied approval changes nothing: no IAM call, the same key in the vault', async () => {
    await writeFile(approver, 'exit 1\n');
    const before = await profiles();
    const calls = aws.requests.length;
    const r = await sandbox.trayCred(['rotate', 'prod']);
    assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
    assert.match(r.stderr, /^tray-cred: not approved: /);
    assert.equal(aws.requests.length, calls, 'IAM and STS were not called');
    assert.deepEqual((await profiles()).get('prod'), before.get('prod'));
    assert.deepEqual(
      aws.userKeys(BOB).map((k) => k.accessKeyId),
      [PROD_KEYS.accessKeyId],
    );
    const denied = (await auditEntries(sandbox)).filter((e) => e.event === 'access' && e.profile === 'prod').at(-1);
    assert.equal(denied?.decision, 'denied');

    await writeFile(approver, 'exit 0\n');
    const mode = await sandbox.trayCred(['sts', 'prod', '--session-mode', 'on']);
    assert.equal(mode.status, 0, mode.stderr);
    const ok = await sandbox.trayCred(['rotate', 'prod']);
    assert.equal(ok.status, 0, ok.stderr);
    // prod now serves STS sessions made without MFA: IAM refuses those (InvalidClientTokenId),
    // so the rotation must call IAM with the long-term key itself.
    assert.equal((await profiles()).get('prod')?.sessionMode, true);
    const iam = aws.requests.slice(calls).filter((q) => /AccessKey/.test(q.action));
    assert.ok(
      iam.length >= 3 && iam.every((q) => q.accessKeyId.startsWith('AKIA')),
      JSON.stringify(iam.map((q) => q.accessKeyId)),
    );
    assert.equal((await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off'])).status, 0);
    assert.notEqual(await exactlyOneWorkingKey('prod', 'bob'), PROD_KEYS.accessKeyId);
  });

  it("rotate-after stores the reminder, list shows the key's age, a bad value is a usage error", async () => {
    assert.equal((await sandbox.trayCred(['rotate-after', 'prod', '1'])).status, 0);
    const list = await sandbox.trayCred(['list']);
    assert.match(list.stdout, /prod .* 0 d\n/);
    assert.equal((await sandbox.trayCred(['rotate-after', 'svc', 'x'])).status, EXIT_STATUS.USAGE);
  });
});

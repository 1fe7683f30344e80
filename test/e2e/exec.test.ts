/**
 * `tray-cred exec` and `export` end to end: a real agent whose STS calls go to the loopback
 * stand-in, and the real AWS CLI v2 and boto3 as the children. They must see session
 * credentials, never the long-term key; exit statuses pass through (signals: exec-signals.test.ts);
 * a nested exec and a deny policy are refused; the audit entry names the command run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  PYTHON,
  TRAY_CRED,
  auditEntries,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  type Agent,
  type Sandbox,
} from './support.ts';

const BLOCKED_KEYS = {
  accessKeyId: 'AKIABLOCKEDEXAMPLE01',
  secretAccessKey: 'blocked-secret-never-served-000000000000',
};
const BOTO3 = `import boto3, json, os
c = boto3.Session().get_credentials().get_frozen_credentials()
print(json.dumps({"key": c.access_key, "secret": c.secret_key, "token": c.token, "profile": os.environ.get("TRAY_CRED_EXEC_PROFILE"), "region": os.environ.get("AWS_REGION")}))`;

interface Exported {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

describe('tray-cred exec and export', () => {
  let sandbox: Sandbox;
  let agent: Agent;
  const sts = new StsStandIn();
  const outputs: string[] = [];
  const tc = async (args: readonly string[], env: NodeJS.ProcessEnv = sandbox.env) => {
    const r = await run(TRAY_CRED, args, { env });
    outputs.push(r.stderr);
    return r;
  };

  before(async () => {
    await sts.start();
    sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
    sandbox = await makeSandbox();
    const creds = join(sandbox.root, 'creds');
    await writeFile(creds, credentialsFile({ prod: PROD_KEYS, dev: DEV_KEYS, blocked: BLOCKED_KEYS }));
    await writeFile(sandbox.awsConfig, '[profile prod]\nregion = eu-west-3\n');
    for (const args of [
      ['init'],
      ['import', creds],
      ['sts', 'prod', '--session-mode', 'on'],
      ['policy', 'prod', 'allow'],
      ['policy', 'dev', 'allow'],
      ['policy', 'blocked', 'deny'],
    ]) {
      const r = await sandbox.trayCred(args);
      assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    }
    sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
    agent = await startAgent(sandbox);
  });
  after(async () => {
    await agent?.stop();
    await sts.stop();
    await sandbox?.cleanup();
  });

  it('the AWS CLI v2 as the child sees session credentials from STS, not the long-term key', async () => {
    const r = await tc(['exec', 'prod', '--', AWS_CLI, 'configure', 'export-credentials', '--format', 'process']);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as Exported;
    assert.match(c.AccessKeyId, /^ASIA/);
    assert.notEqual(c.AccessKeyId, PROD_KEYS.accessKeyId);
    assert.ok(c.SessionToken && c.Expiration);
    assert.ok(
      sts.requests.some((q) => q.action === 'GetSessionToken' && q.accessKeyId === PROD_KEYS.accessKeyId),
      'minted by the agent through STS',
    );
    const entries = (await auditEntries(sandbox)).filter((e) => e.event === 'access' && e.profile === 'prod');
    assert.match(
      entries.at(-1)!.caller?.command ?? '',
      /exec prod -- \/usr\/bin\/aws configure export-credentials --format process$/,
      'the audit entry names the command run',
    );
    assert.equal(entries.at(-1)!.decision, 'allowed');
  });

  it("the child's arguments are recorded redacted, as the helper's caller's are", async () => {
    const r = await tc(['exec', 'prod', '--', 'true', '--password', 'planted-exec-secret-1']);
    assert.equal(r.status, 0, r.stderr);
    const entry = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1)!;
    assert.match(entry.caller?.command ?? '', /exec prod -- true --password \[redacted\]$/);
    assert.deepEqual(
      findSecrets(JSON.stringify(await auditEntries(sandbox)) + agent.stderr(), ['planted-exec-secret-1']),
      [],
    );
  });

  it('boto3 as the child sees the session, the profile variable and the region from ~/.aws/config', async () => {
    const r = await tc(['exec', 'prod', '--', PYTHON, '-c', BOTO3]);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as {
      key: string;
      secret: string;
      token: string | null;
      profile: string;
      region: string;
    };
    assert.match(c.key, /^ASIA/);
    assert.notEqual(c.secret, PROD_KEYS.secretAccessKey);
    assert.ok(c.token);
    assert.equal(c.profile, 'prod');
    assert.equal(c.region, 'eu-west-3');
  });

  it('a profile that serves its long-term key is refused without --long-term-key, and served with it', async () => {
    const marker = join(sandbox.root, 'ran-dev');
    const refused = await tc(['exec', 'dev', '--', 'touch', marker]);
    assert.equal(refused.status, EXIT_STATUS.DENIED, refused.stderr);
    assert.match(refused.stderr, /long-term key.*tray-cred sts dev --session-mode on.*--long-term-key/);
    assert.equal(existsSync(marker), false, 'the child never ran');
    const allowed = await tc([
      'exec',
      'dev',
      '--long-term-key',
      '--',
      AWS_CLI,
      'configure',
      'export-credentials',
      '--format',
      'process',
    ]);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as Exported).AccessKeyId, DEV_KEYS.accessKeyId);
  });

  it('a deny policy is refused before the command runs', async () => {
    const marker = join(sandbox.root, 'ran-blocked');
    const r = await tc(['exec', 'blocked', '--', 'touch', marker]);
    assert.equal(r.status, EXIT_STATUS.DENIED);
    assert.match(r.stderr, /access to "blocked" was denied/);
    assert.equal(existsSync(marker), false);
    assert.deepEqual(findSecrets(r.stdout + r.stderr, [BLOCKED_KEYS.secretAccessKey]), []);
  });

  it('exec inside exec is refused unless --allow-nested', async () => {
    const nested = await tc(['exec', 'prod', '--', TRAY_CRED, 'exec', 'dev', '--long-term-key', '--', 'true']);
    assert.equal(nested.status, EXIT_STATUS.USAGE);
    assert.match(nested.stderr, /already inside `tray-cred exec prod`.*--allow-nested/);
    const allowed = await tc([
      'exec',
      'prod',
      '--',
      TRAY_CRED,
      'exec',
      '--allow-nested',
      'prod',
      '--',
      'sh',
      '-c',
      'echo "$TRAY_CRED_EXEC_PROFILE"',
    ]);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal(allowed.stdout, 'prod\n');
  });

  it('no agent answering: exit 3 with the fix, and the command does not run', async () => {
    const marker = join(sandbox.root, 'ran-without-agent');
    const r = await tc(['exec', 'prod', '--', 'touch', marker], {
      ...sandbox.env,
      TRAY_CRED_SOCKET: join(sandbox.root, 's', 'nobody.sock'),
    });
    assert.equal(r.status, EXIT_STATUS.NOT_RUNNING);
    assert.match(r.stderr, /no tray-cred agent answers at .*nobody\.sock.*start the tray app or `tray-cred agent`/);
    assert.equal(existsSync(marker), false);
  });

  it("the child's exit status passes through", async () => {
    for (const status of [0, 1, 7, 42])
      assert.equal((await tc(['exec', 'prod', '--', 'sh', '-c', `exit ${status}`])).status, status);
    const missing = await tc(['exec', 'prod', '--', 'no-such-command-here']);
    assert.equal(missing.status, EXIT_STATUS.ENVIRONMENT);
    assert.match(missing.stderr, /cannot run "no-such-command-here": not found on PATH/);
  });

  it('export prints lines a shell evaluates (env) and JSON; each format quotes for its shell', async () => {
    const viaShell = await run(
      'sh',
      ['-c', `eval "$(${TRAY_CRED} export prod)" && ${AWS_CLI} configure export-credentials --format process`],
      { env: sandbox.env },
    );
    assert.equal(viaShell.status, 0, viaShell.stderr);
    const c = JSON.parse(viaShell.stdout) as Exported;
    assert.match(c.AccessKeyId, /^ASIA/);
    const json = JSON.parse((await tc(['export', 'prod', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json.AWS_ACCESS_KEY_ID, c.AccessKeyId, 'the cached session, the same for both');
    assert.equal(json.TRAY_CRED_EXEC_PROFILE, 'prod');
    assert.equal(json.AWS_REGION, 'eu-west-3');
    assert.match((await tc(['export', 'prod', '--format', 'fish'])).stdout, /^set -gx AWS_ACCESS_KEY_ID 'ASIA\w+';$/m);
    assert.match(
      (await tc(['export', 'prod', '--format', 'powershell'])).stdout,
      /^\$env:AWS_SESSION_TOKEN = '[^']+'$/m,
    );
    const refused = await tc(['export', 'dev']);
    assert.equal(refused.status, EXIT_STATUS.DENIED);
    assert.equal(refused.stdout, '');
  });

  it('no long-term key reached stderr or the audit log', async () => {
    const everything = outputs.join('') + JSON.stringify(await auditEntries(sandbox)) + agent.stderr();
    assert.deepEqual(
      findSecrets(everything, [PROD_KEYS.secretAccessKey, DEV_KEYS.secretAccessKey, BLOCKED_KEYS.secretAccessKey]),
      [],
    );
  });
});

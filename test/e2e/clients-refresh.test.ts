/**
 * Prompt counts with real clients (issue 11): boto3 and the JS SDK v3 each make 20 calls, against
 * stored session credentials inside their refresh windows (12 minutes left for botocore's 15, 5
 * for the JS SDK's 5) and against an STS session profile with MFA, through the real helper and a
 * headless agent whose approver answers "this run" (exit 10). The calls go to the STS stand-in
 * (GetCallerIdentity, the JS SDK), which checks SigV4, so every call really used the credentials served.
 *
 * *This run* is bound to the requesting program as the kernel names it. Where the agent verifies
 * callers (the access entries carry `verified`), each run must take one prompt, one mint and one
 * MFA code, and a new process a new prompt. Where it does not, nothing broader than once may be
 * offered on a claim, so each helper run is its own prompt offered only `once`: that is asserted
 * instead, so the test checks the scope logic either way.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { PROD_KEYS } from '../fakes/keys.ts';
import {
  NODE_BIN,
  PYTHON,
  ROOT,
  auditEntries,
  credentialsFile,
  run,
  testSandbox,
  writeAwsConfig,
  type Sandbox,
} from './support.ts';

const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const CALLS = 20;
const SESSION = {
  accessKeyId: 'ASIAIOSFODNN7STORED1',
  secretAccessKey: 'stored/session/secret/EXAMPLEKEY',
  sessionToken: 'stored-session-token-EXAMPLE',
};

// boto3 takes its credentials for each call as botocore's signer does: from the session's refreshable
// credentials, which run credential_process again inside the refresh window. (The stand-in's SigV4
// check is written against the JS signer and refuses botocore's signature, so boto3 makes no network call here.)
const BOTO3 = `import sys, boto3
credentials = boto3.Session(profile_name=sys.argv[1]).get_credentials()
for _ in range(${CALLS}):
    assert credentials.get_frozen_credentials().access_key
print('ok')
`;
const JS_SDK = `const { createRequire } = require('node:module');
const need = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const { STSClient, GetCallerIdentityCommand } = need('@aws-sdk/client-sts');
const { fromProcess } = need('@aws-sdk/credential-providers');
(async () => {
  const client = new STSClient({ region: 'us-east-1', endpoint: process.argv[3], credentials: fromProcess({ profile: process.argv[2] }) });
  for (let i = 0; i < ${CALLS}; i += 1) await client.send(new GetCallerIdentityCommand({}));
  console.log('ok');
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

interface World {
  sandbox: Sandbox;
  sts: StsStandIn;
  /** Each line the approver was run with: profile|offer|mfa serial. */
  asked(): Promise<string[]>;
  client(kind: 'boto3' | 'js', profile: string): Promise<void>;
}

async function world(t: TestContext): Promise<World> {
  const sts = new StsStandIn();
  await sts.start();
  t.after(() => sts.stop());
  const prod = sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
  sts.addMfaDevice(MFA, prod, '402193');
  const { sandbox, startAgent } = await testSandbox(t);
  const log = join(sandbox.root, 'asked.log');
  const approver = join(sandbox.root, 'approver.sh');
  // Exit 10: "this run". The MFA code, when one is wanted, is the first line printed.
  await writeFile(
    approver,
    `echo "$TRAY_CRED_PROFILE|$TRAY_CRED_OFFER|$TRAY_CRED_MFA_SERIAL" >> ${log}\ntest -n "$TRAY_CRED_MFA_SERIAL" && echo 402193\nexit 10\n`,
  );
  const creds = join(sandbox.root, 'creds');
  await writeFile(creds, credentialsFile({ prod: PROD_KEYS }));
  for (const args of [
    ['init'],
    ['import', creds, '--session-mode'],
    ['sts', 'prod', '--mfa-serial', MFA, '--duration', '3600'],
    ['policy', 'prod', 'ask', '--remember', '30'],
  ]) {
    const r = await sandbox.trayCred(args);
    assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
  }
  await writeFile(join(sandbox.root, 'calls.py'), BOTO3);
  await writeFile(join(sandbox.root, 'calls.cjs'), JS_SDK);
  await writeAwsConfig(sandbox, ['prod', 'sess']);
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  await startAgent(['--approver', `sh ${approver}`]);
  return {
    sandbox,
    sts,
    asked: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    async client(kind, profile) {
      const [cmd, script] = kind === 'boto3' ? [PYTHON, 'calls.py'] : [join(NODE_BIN, 'node'), 'calls.cjs'];
      const r = await run(cmd, [join(sandbox.root, script), profile, sts.url], {
        env: sandbox.env,
        cwd: sandbox.root,
        killAfterMs: 240_000,
      });
      assert.equal(r.status, 0, `${kind} ${profile}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), 'ok');
    },
  };
}

/** Stores session credentials for `name` that end `minutes` from now, and tells the stand-in about them. */
async function storedSession(w: World, name: string, minutes: number): Promise<void> {
  const expiresAt = Date.now() + minutes * 60_000;
  const added = await w.sandbox.trayCred(
    ['add', name, '--access-key-id', SESSION.accessKeyId, '--expiration', new Date(expiresAt).toISOString()],
    `${SESSION.secretAccessKey}\n${SESSION.sessionToken}\n`,
  );
  assert.equal(added.status, 0, added.stderr);
  assert.equal((await w.sandbox.trayCred(['policy', name, 'ask', '--remember', '30'])).status, 0);
  w.sts.addSession(SESSION.accessKeyId, SESSION.secretAccessKey, SESSION.sessionToken, expiresAt);
}

async function verifies(w: World): Promise<boolean> {
  const access = (await auditEntries(w.sandbox)).filter((e) => e.event === 'access');
  return (
    access.length > 0 && access.every((e) => 'verified' in e && (e as { verified?: unknown }).verified !== undefined)
  );
}

/** One run took one prompt (verified) or each helper run its own `once`-only prompt (unverified). */
async function assertRun(w: World, profile: string, before: number, label: string): Promise<void> {
  const asked = (await w.asked()).slice(before);
  const served = (await auditEntries(w.sandbox)).filter((e) => e.event === 'access' && e.profile === profile);
  if (await verifies(w)) {
    assert.equal(asked.length, 1, `${label}: one prompt per run\n${asked.join('\n')}`);
    assert.match(asked[0]!, /\|once,run,program-folder\|/);
  } else {
    assert.ok(
      asked.length >= 1 && asked.every((line) => line.split('|')[1] === 'once'),
      `${label}: without verification only once is offered\n${asked.join('\n')}`,
    );
    assert.equal(served.filter((e) => e.decision === 'remembered').length, 0, `${label}: no grant rides on a claim`);
  }
}

describe('prompt counts with real clients under "this run"', { timeout: 600_000 }, () => {
  it('boto3, 20 calls against stored session credentials with 12 minutes left; a new process asks again', async (t) => {
    const w = await world(t);
    await storedSession(w, 'sess', 12);
    await w.client('boto3', 'sess');
    await assertRun(w, 'sess', 0, 'boto3 first run');
    const first = (await w.asked()).length;
    await w.client('boto3', 'sess');
    assert.ok((await w.asked()).length > first, 'a new process gets a new prompt');
    await assertRun(w, 'sess', first, 'boto3 second run');
  });

  it('the JS SDK v3 (fromProcess), 20 calls against stored session credentials with 5 minutes left; a new process asks again', async (t) => {
    const w = await world(t);
    await storedSession(w, 'sess', 5);
    await w.client('js', 'sess');
    await assertRun(w, 'sess', 0, 'JS SDK first run');
    const first = (await w.asked()).length;
    await w.client('js', 'sess');
    assert.ok((await w.asked()).length > first, 'a new process gets a new prompt');
  });

  for (const kind of ['boto3', 'js'] as const) {
    it(`${kind}, 20 calls against an STS session profile with MFA: one prompt, one mint, one MFA code; a new process asks again without a new mint`, async (t) => {
      const w = await world(t);
      await w.client(kind, 'prod');
      const asked = await w.asked();
      assert.equal(asked.length, 1, asked.join('\n'));
      assert.equal(asked[0]!.split('|')[2], MFA, 'the one prompt took the MFA code');
      assert.equal(w.sts.requests.filter((r) => r.action === 'GetSessionToken').length, 1, 'one mint');
      assert.equal(w.sts.requests.filter((r) => r.action === 'GetCallerIdentity').length, kind === 'js' ? CALLS : 0);
      await w.client(kind, 'prod');
      const again = (await w.asked()).slice(1);
      assert.equal(again.length, 1, 'a new process gets a new prompt');
      assert.equal(again[0]!.split('|')[2], '', 'the session is cached: no second MFA code');
      assert.equal(w.sts.requests.filter((r) => r.action === 'GetSessionToken').length, 1, 'no second mint');
    });
  }
});

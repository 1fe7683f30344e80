/**
 * The redaction corpus through the real AWS CLI v2 as the caller: each command carries a planted
 * secret, fetches credentials through tray-cred-helper (then fails on the network, which is
 * fine: the credential request is what is recorded). No planted value may reach the audit log
 * files, `tray-cred audit` (text or --json), the approver's environment or the agent's output;
 * the recorded argv shows [redacted] where the value was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  auditEntries,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type Sandbox,
} from './support.ts';

const R = '[redacted]';
/** Each row: the aws arguments (before --profile), and the recorded argv after `aws`. */
const CASES: Array<{ args: string[]; recorded: string[] }> = [
  {
    args: ['secretsmanager', 'create-secret', '--name', 'n', '--secret-string', '{"password": "PLANTED-1 and more"}'],
    recorded: ['secretsmanager', 'create-secret', '--name', 'n', '--secret-string', R],
  },
  {
    args: ['ssm', 'put-parameter', '--name', 'p', '--type', 'SecureString', '--value', 'PLANTED-2'],
    recorded: ['ssm', 'put-parameter', '--name', 'p', '--type', 'SecureString', '--value', R],
  },
  {
    args: [
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'd',
      '--db-instance-class',
      'db.t3.micro',
      '--engine',
      'postgres',
      '--master-username',
      'u',
      '--master-user-password',
      'horse battery PLANTED-3',
    ],
    recorded: [
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'd',
      '--db-instance-class',
      'db.t3.micro',
      '--engine',
      'postgres',
      '--master-username',
      'u',
      '--master-user-password',
      R,
    ],
  },
  {
    args: [
      'cognito-idp',
      'initiate-auth',
      '--auth-flow',
      'USER_PASSWORD_AUTH',
      '--client-id',
      'c',
      '--auth-parameters',
      'USERNAME=bob,PASSWORD=PLANTED-4',
    ],
    recorded: [
      'cognito-idp',
      'initiate-auth',
      '--auth-flow',
      'USER_PASSWORD_AUTH',
      '--client-id',
      'c',
      '--auth-parameters',
      R,
    ],
  },
  {
    args: ['secretsmanager', 'create-secret', '--cli-input-json', '{"Name":"n","SecretString":"PLANTED-5"}'],
    recorded: ['secretsmanager', 'create-secret', '--cli-input-json', R],
  },
  {
    args: ['secretsmanager', 'put-secret-value', '--secret-id', 'n', '--secret-string=PLANTED-6 x'],
    recorded: ['secretsmanager', 'put-secret-value', '--secret-id', 'n', `--secret-string=${R}`],
  },
];
const PLANTED = ['PLANTED-1', 'PLANTED-2', 'PLANTED-3', 'PLANTED-4', 'PLANTED-5', 'PLANTED-6', 'PLANTED-7'];

let sandbox: Sandbox;
let agent: Agent;
let approverLog: string;
const cliOutput: string[] = [];

describe("callers' secrets through the real AWS CLI v2", () => {
  before(async () => {
    sandbox = await makeSandbox();
    approverLog = join(sandbox.root, 'approver.log');
    const approver = join(sandbox.root, 'approver.sh');
    assert.match(approver, /^[A-Za-z0-9/._-]+$/);
    await writeFile(
      approver,
      `#!/bin/sh\nprintf '%s\\t%s\\t%s\\n' "$TRAY_CRED_PROFILE" "$TRAY_CRED_CALLER_COMMAND" "$TRAY_CRED_CALLER" >> ${approverLog}\nexit 0\n`,
    );
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const file = join(sandbox.root, 'credentials');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
    assert.equal((await sandbox.trayCred(['import', file])).status, 0);
    const direct = await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off']);
    assert.equal(direct.status, 0, direct.stderr);
    await writeAwsConfig(sandbox, ['dev', 'prod']);
    agent = await startAgent(sandbox, ['--approver', `sh ${approver}`]);
    // Nothing listens on port 9: each command fails fast once it has its credentials.
    const env = {
      ...sandbox.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
    };
    for (const { args } of CASES) {
      // prod asks, so the approver's environment is checked too; dev is allowed outright.
      for (const profile of ['prod', 'dev']) {
        const r = await run(AWS_CLI, [...args, '--profile', profile, '--region', 'us-east-1'], { env });
        cliOutput.push(r.stdout, r.stderr);
      }
    }
  });

  after(async () => {
    await agent?.stop();
    await sandbox?.cleanup();
  });

  test('each command was recorded as its argv with [redacted] in place of the value', async () => {
    const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access');
    for (const { recorded } of CASES) {
      for (const profile of ['prod', 'dev']) {
        const want = ['aws', ...recorded, '--profile', profile, '--region', 'us-east-1'];
        const entry = access.find(
          (e) => e.profile === profile && e.caller?.argv?.join('\0').endsWith(want.slice(1).join('\0')),
        );
        assert.ok(
          entry,
          `no access entry for ${want.join(' ')}; CLI said:\n${cliOutput.join('\n')}\nentries:\n${access.map((e) => JSON.stringify(e.caller?.argv)).join('\n')}`,
        );
        assert.equal(
          entry.caller!.command,
          entry.caller!.argv!.join(' '),
          'the display command is the redacted argv joined',
        );
      }
    }
  });

  test('a caller with a huge argv is still served, its argv cut to the bounds the agent accepts', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `${i}-${'x'.repeat(95)}`);
    const r = await run('/bin/sh', ['-c', 'tray-cred-helper dev; true', 'sh', '--password', 'PLANTED-7', ...many], {
      env: sandbox.env,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"AccessKeyId"/);
    const entry = (await auditEntries(sandbox)).at(-1)!;
    const argv = entry.caller!.argv!;
    assert.deepEqual(argv.slice(0, 6), ['/bin/sh', '-c', 'tray-cred-helper dev; true', 'sh', '--password', R]);
    assert.ok(
      argv.length < many.length && argv.join('').length <= 16 * 1024,
      `${argv.length} arguments, ${argv.join('').length} characters`,
    );
  });

  test("no planted secret in the audit log files, `tray-cred audit`, --json, the approver's environment or the agent's output", async () => {
    const auditDir = join(sandbox.home, 'audit');
    const files = await readdir(auditDir);
    assert.ok(files.some((f) => f.endsWith('.jsonl')));
    for (const f of files) assert.deepEqual(findSecrets(await readFile(join(auditDir, f), 'utf8'), PLANTED), [], f);
    const text = await sandbox.trayCred(['audit', '--limit', '1000']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /--secret-string \[redacted\]/);
    assert.deepEqual(findSecrets(text.stdout, PLANTED), [], 'tray-cred audit');
    const json = await sandbox.trayCred(['audit', '--json', '--limit', '1000']);
    assert.deepEqual(findSecrets(json.stdout, PLANTED), [], 'tray-cred audit --json');
    const asked = await readFile(approverLog, 'utf8');
    assert.equal(
      asked.split('\n').filter(Boolean).length,
      CASES.length,
      'the approver was asked once per prod command',
    );
    assert.match(asked, /--value \[redacted\]/);
    assert.deepEqual(findSecrets(asked, PLANTED), [], 'TRAY_CRED_CALLER and TRAY_CRED_CALLER_COMMAND');
    assert.deepEqual(findSecrets(agent.stderr(), PLANTED), [], "the agent's output");
  });
});

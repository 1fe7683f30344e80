import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redactArgv, scrubCaller } from '../../main/core/approval/caller-redaction.ts';

const R = REDACTED;
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = `IQoJb3JpZ2luX2VjEJr${'Ab3dE/f+9'.repeat(20)}==`;
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\n-----END RSA PRIVATE KEY-----';

// Each row: the caller's argv after `aws`, what the record must show. Every example of issue 12.
const CORPUS: Array<[string, string[], string[]]> = [
  [
    '--secret-string with quoted JSON, whole',
    ['secretsmanager', 'create-secret', '--name', 'n', '--secret-string', '{"password": "s3cr3t pass"}'],
    ['secretsmanager', 'create-secret', '--name', 'n', '--secret-string', R],
  ],
  [
    '--secret-string=JSON',
    ['secretsmanager', 'put-secret-value', '--secret-string={"password":"pw"}'],
    ['secretsmanager', 'put-secret-value', `--secret-string=${R}`],
  ],
  ['--password with spaces in one argument', ['x', '--password', 'horse battery staple'], ['x', '--password', R]],
  [
    '--password unquoted, every word up to the next option',
    ['x', '--password', 'horse', 'battery', 'staple', '--region', 'us-east-1'],
    ['x', '--password', R, R, R, '--region', 'us-east-1'],
  ],
  ['--password=value', ['x', '--password=hunter2'], ['x', `--password=${R}`]],
  ['--password value that starts with a dash', ['x', '--password', '--weird'], ['x', '--password', R]],
  [
    '--master-user-password',
    ['rds', 'create-db-instance', '--master-user-password', 'x', '--db-instance-identifier', 'db'],
    ['rds', 'create-db-instance', '--master-user-password', R, '--db-instance-identifier', 'db'],
  ],
  [
    '--master-user-password=',
    ['rds', 'modify-db-instance', '--master-user-password=x'],
    ['rds', 'modify-db-instance', `--master-user-password=${R}`],
  ],
  [
    '--sse-c-key',
    ['s3api', 'get-object', '--sse-c-key', 'k', '--bucket', 'b'],
    ['s3api', 'get-object', '--sse-c-key', R, '--bucket', 'b'],
  ],
  ['--sse-c-copy-source-key=', ['s3', 'cp', '--sse-c-copy-source-key=k'], ['s3', 'cp', `--sse-c-copy-source-key=${R}`]],
  [
    '--sse-customer-key and --copy-source-sse-customer-key',
    ['s3api', 'copy-object', '--sse-customer-key', 'k', '--copy-source-sse-customer-key=k2'],
    ['s3api', 'copy-object', '--sse-customer-key', R, `--copy-source-sse-customer-key=${R}`],
  ],
  [
    '--secret-id names the secret and is kept',
    ['secretsmanager', 'get-secret-value', '--secret-id', 'prod/db', '--secret-arn=arn:x'],
    ['secretsmanager', 'get-secret-value', '--secret-id', 'prod/db', '--secret-arn=arn:x'],
  ],
  [
    '--secret-access-key',
    ['configure', 'set', '--secret-access-key', 'abc'],
    ['configure', 'set', '--secret-access-key', R],
  ],
  [
    '--token-code and --session-token',
    ['sts', 'get-session-token', '--token-code', '123456', '--session-token', 'tok'],
    ['sts', 'get-session-token', '--token-code', R, '--session-token', R],
  ],
  [
    'ssm put-parameter --value',
    ['ssm', 'put-parameter', '--name', 'p', '--type', 'SecureString', '--value', 'v'],
    ['ssm', 'put-parameter', '--name', 'p', '--type', 'SecureString', '--value', R],
  ],
  ['ssm put-parameter --value=', ['ssm', 'put-parameter', '--value=v v'], ['ssm', 'put-parameter', `--value=${R}`]],
  [
    '--value of another command kept',
    ['cloudwatch', 'put-metric-data', '--value', '42'],
    ['cloudwatch', 'put-metric-data', '--value', '42'],
  ],
  [
    '--auth-parameters',
    ['cognito-idp', 'initiate-auth', '--auth-parameters', 'USERNAME=bob,PASSWORD=pw'],
    ['cognito-idp', 'initiate-auth', '--auth-parameters', R],
  ],
  [
    'KEY=value pairs anywhere keep the harmless keys',
    [
      'lambda',
      'update-function-configuration',
      '--environment',
      'Variables={USERNAME=bob,PASSWORD=pw,DB_TOKEN=t,API_KEY=k}',
    ],
    [
      'lambda',
      'update-function-configuration',
      '--environment',
      `Variables={USERNAME=bob,PASSWORD=${R},DB_TOKEN=${R},API_KEY=${R}}`,
    ],
  ],
  [
    'JSON "password": anywhere',
    ['x', '--payload', '{"user":"bob","password":"pw"}'],
    ['x', '--payload', `{"user":"bob","password":"${R}"}`],
  ],
  [
    '--cli-input-json inline',
    ['iam', 'create-user', '--cli-input-json', '{"UserName":"u","Secret":"s"}'],
    ['iam', 'create-user', '--cli-input-json', R],
  ],
  [
    '--cli-input-yaml= inline',
    ['iam', 'create-user', '--cli-input-yaml=UserName: u'],
    ['iam', 'create-user', `--cli-input-yaml=${R}`],
  ],
  [
    '--cli-input-json file:// kept',
    ['iam', 'create-user', '--cli-input-json', 'file://x.json'],
    ['iam', 'create-user', '--cli-input-json', 'file://x.json'],
  ],
  [
    '--private-key inline, --certificate fileb:// kept',
    ['acm', 'import-certificate', '--private-key', PEM, '--certificate', 'fileb://c.pem'],
    ['acm', 'import-certificate', '--private-key', R, '--certificate', 'fileb://c.pem'],
  ],
  [
    '--certificate-chain= inline',
    ['acm', 'import-certificate', '--certificate-chain=-----BEGIN CERTIFICATE-----'],
    ['acm', 'import-certificate', `--certificate-chain=${R}`],
  ],
  [
    'an AWS secret key by shape anywhere',
    ['s3', 'ls', `--endpoint-url=https://x/?k=${AWS_SECRET}`, AWS_SECRET],
    ['s3', 'ls', `--endpoint-url=${R}`, R],
  ],
  ['a session token by shape', ['s3', 'ls', SESSION_TOKEN], ['s3', 'ls', R]],
  [
    'a PEM private key by shape',
    ['ec2', 'import-key-pair', '--public-key-material', PEM],
    ['ec2', 'import-key-pair', '--public-key-material', R],
  ],
  [
    'an ordinary command untouched',
    ['s3', 'cp', 's3://bucket/a b.txt', '.', '--region', 'eu-west-1', '--query', 'Items[?Key==`x`]'],
    ['s3', 'cp', 's3://bucket/a b.txt', '.', '--region', 'eu-west-1', '--query', 'Items[?Key==`x`]'],
  ],
  [
    'tags and hex digests untouched',
    [
      'ec2',
      'create-tags',
      '--tags',
      'Key=env,Value=prod',
      '--key',
      'k',
      '--commit-id',
      'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    ],
    [
      'ec2',
      'create-tags',
      '--tags',
      'Key=env,Value=prod',
      '--key',
      'k',
      '--commit-id',
      'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    ],
  ],
];

describe('caller redaction (one list, by argument)', () => {
  for (const [name, args, expected] of CORPUS) {
    it(name, () => {
      assert.deepEqual(redactArgv(['aws', ...args]), ['aws', ...expected]);
    });
  }

  it('is idempotent: redacting a redacted argv changes nothing', () => {
    for (const [, args] of CORPUS) {
      const once = redactArgv(['aws', ...args]);
      assert.deepEqual(redactArgv(once), once);
    }
  });

  it('derives the display command from the redacted argv, and drops nothing else', () => {
    const argv = ['aws', 'secretsmanager', 'create-secret', '--secret-string', '{"password": "PLANTED"}'];
    const scrubbed = scrubCaller({ pid: 3, ppid: 2, command: argv.join(' '), argv, cwd: '/w' });
    assert.deepEqual(scrubbed, {
      pid: 3,
      ppid: 2,
      command: `aws secretsmanager create-secret --secret-string ${R}`,
      argv: ['aws', 'secretsmanager', 'create-secret', '--secret-string', R],
      cwd: '/w',
    });
    assert.ok(!JSON.stringify(scrubbed).includes('PLANTED'));
  });

  it('a claim without argv (an older helper) gets the joined-line rules', () => {
    const command = `aws sts get-session-token --token-code 123456 --password=hunter2 --environment USERNAME=bob,PASSWORD=pw ${AWS_SECRET}`;
    assert.equal(
      scrubCaller({ pid: 3, ppid: 2, command, cwd: '/w' })!.command,
      `aws sts get-session-token --token-code ${R} --password=${R} --environment USERNAME=bob,PASSWORD=${R} ${R}`,
    );
  });
});

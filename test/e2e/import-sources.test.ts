/**
 * `tray-cred import` from the other places keys live before a migration: a plaintext
 * ~/.aws/credentials (retired surgically with --remove-source), the shell's AWS_* variables and
 * the recipe's ~/.aws/credential_<profile> session files. What was imported is then checked
 * where it matters: the real AWS CLI through tray-cred-helper and one headless agent.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeHomeSandbox, type HomeSandbox } from './migration-support.ts';
import {
  AWS_CLI,
  HELPER,
  TRAY_CRED,
  findSecrets,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type RunResult,
} from './support.ts';

/** Made-up keys, valid in form only. */
const OTHER_PROD = { accessKeyId: 'AKIAOTHERPRODEXAMPLE', secretAccessKey: 'otherProdSecret/K7MDENG+bPxRfiCYEXAMPLE1' };
const DEFAULT_KEYS = {
  accessKeyId: 'AKIADEFAULTEXAMPLE01',
  secretAccessKey: 'defaultSecret0/K7MDENG+bPxRfiCYEXAMPLE2',
};
const TEAM_KEYS = { accessKeyId: 'AKIATEAMKEYSEXAMPLE1', secretAccessKey: 'teamSecret0000/K7MDENG+bPxRfiCYEXAMPLE3' };
const ENV_SESSION = {
  accessKeyId: 'ASIAENVSESSIONEXAMPL',
  secretAccessKey: 'envSessionSecret/K7MDENG+bPxRfiCYEXAMPL',
  sessionToken: 'IQoJb3JpZ2luX2VjENVSESSIONTOKEN/2Zp9Utk+h3yCo8nvbEXAMPLE==',
};
const FILE_SESSION = {
  accessKeyId: 'ASIAFILESESSIONEXAMP',
  secretAccessKey: 'fileSessionSecret/K7MDENG+bPxRfiCYEXAMP',
  sessionToken: 'IQoJb3JpZ2luX2VjFILESESSIONTOKEN/abc+def/ghi==',
};
const SECRETS: string[] = [
  ...[DEV_KEYS, PROD_KEYS, OTHER_PROD, DEFAULT_KEYS, TEAM_KEYS, ENV_SESSION, FILE_SESSION].map(
    (k) => k.secretAccessKey,
  ),
  ENV_SESSION.sessionToken,
  FILE_SESSION.sessionToken,
];

let s: HomeSandbox;
let agent: Agent;
const printed: RunResult[] = [];

async function trayCred(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const r = env ? await run(TRAY_CRED, args, { env: { ...s.env, ...env } }) : await s.trayCred(args);
  printed.push(r);
  return r;
}

/** What `aws configure export-credentials --profile <profile>` prints, parsed. */
async function awsExport(profile: string): Promise<Record<string, unknown>> {
  const r = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', profile], { env: s.env });
  assert.equal(r.status, 0, `aws configure export-credentials --profile ${profile}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** What the vault serves for a profile, asked of the agent directly (the AWS CLI would take plaintext keys in ~/.aws/credentials first). */
async function served(profile: string): Promise<Record<string, unknown>> {
  const r = await run(HELPER, [profile], { env: s.env });
  assert.equal(r.status, 0, `tray-cred-helper ${profile}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const doc = (k: { accessKeyId: string; secretAccessKey: string }): Record<string, unknown> => ({
  Version: 1,
  AccessKeyId: k.accessKeyId,
  SecretAccessKey: k.secretAccessKey,
});

describe('import from a plaintext credentials file, the environment and credential_<profile> files', () => {
  before(async () => {
    s = await makeHomeSandbox();
    await mkdir(s.awsDir, { mode: 0o700 });
    const init = await trayCred(['init']);
    assert.equal(init.status, 0, init.stderr);
    await writeAwsConfig(s, ['default', 'dev', 'prod', 'envsess', 'staging', 'team', 'ci']);
    agent = await startAgent(s, ['--approver', '/bin/true']);
  });

  after(async () => {
    await agent?.stop();
    await s?.cleanup();
  });

  test("--format env --as <profile> stores the shell's AWS_* keys, session token included", async () => {
    const noName = await trayCred(['import', '--format', 'env'], {
      AWS_ACCESS_KEY_ID: OTHER_PROD.accessKeyId,
      AWS_SECRET_ACCESS_KEY: OTHER_PROD.secretAccessKey,
    });
    assert.equal(noName.status, EXIT_STATUS.USAGE);
    assert.equal(noName.stderr, 'tray-cred: importing from the environment needs a profile name: --as <profile>\n');

    const unset =
      'The keys are in the vault: unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in this shell and in the files that set them.\n';
    const prod = await trayCred(['import', '--format', 'env', '--as', 'prod', '--remove-source'], {
      AWS_ACCESS_KEY_ID: OTHER_PROD.accessKeyId,
      AWS_SECRET_ACCESS_KEY: OTHER_PROD.secretAccessKey,
    });
    assert.equal(prod.status, 0, prod.stderr);
    assert.equal(
      prod.stdout,
      `added     prod\nImported 1 profile(s) from the environment.\n"prod" asks before each use. To hand the CLI only short-lived STS sessions instead of its long-term key: tray-cred sts prod --session-mode on\n${unset}`,
    );
    // An `ask` profile with long-term keys starts in STS session mode (sts.test.ts covers that);
    // here the stored keys themselves are what is checked, so prod serves them as they are.
    const sts = await trayCred(['sts', 'prod', '--session-mode', 'off']);
    assert.equal(sts.stdout, 'Profile "prod": session mode off, 3600 s.\n', sts.stderr);

    const sess = await trayCred(['import', '--format', 'env', '--as', 'envsess'], {
      AWS_ACCESS_KEY_ID: ENV_SESSION.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ENV_SESSION.secretAccessKey,
      AWS_SESSION_TOKEN: ENV_SESSION.sessionToken,
    });
    assert.equal(sess.status, 0, sess.stderr);
    assert.equal(sess.stdout, 'added     envsess\nImported 1 profile(s) from the environment.\n');
    assert.deepEqual(await awsExport('envsess'), { ...doc(ENV_SESSION), SessionToken: ENV_SESSION.sessionToken });
    assert.deepEqual(await awsExport('prod'), doc(OTHER_PROD));
  });

  const credentials = (): string => s.awsCredentials;
  const ORIGINAL = [
    '# keys for the team; see the wiki',
    '[default]',
    `aws_access_key_id = ${DEFAULT_KEYS.accessKeyId}`,
    `aws_secret_access_key = ${DEFAULT_KEYS.secretAccessKey}`,
    '',
    '; production: rotate monthly',
    '[prod]',
    `aws_access_key_id = ${PROD_KEYS.accessKeyId}`,
    `aws_secret_access_key = ${PROD_KEYS.secretAccessKey}`,
    'region = us-east-1',
    '',
    '[region-only]',
    'region    =    eu-west-1',
    '',
    '[dev]',
    `aws_access_key_id=${DEV_KEYS.accessKeyId}`,
    '# rotated in March',
    `aws_secret_access_key=${DEV_KEYS.secretAccessKey}`,
    '',
  ].join('\n');

  test('--remove-source takes out only the imported profiles; prod, held with other keys and no --replace, stays in the file', async () => {
    await writeFile(credentials(), ORIGINAL, { mode: 0o600 });
    const r = await trayCred(['import', credentials(), '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        'added     default',
        'added     dev',
        'skipped   prod (exists; --replace to overwrite)',
        'ignored   region-only (no aws_access_key_id or aws_secret_access_key)',
        `Imported 2 profile(s) from ${credentials()}.`,
        'kept in the source: prod (the vault holds other keys for it; --replace to store these)',
        `Removed default, dev from ${credentials()}; the rest of the file is unchanged.`,
        '',
      ].join('\n'),
    );
    assert.equal(
      await readFile(credentials(), 'utf8'),
      [
        '# keys for the team; see the wiki',
        '; production: rotate monthly',
        '[prod]',
        `aws_access_key_id = ${PROD_KEYS.accessKeyId}`,
        `aws_secret_access_key = ${PROD_KEYS.secretAccessKey}`,
        'region = us-east-1',
        '',
        '[region-only]',
        'region    =    eu-west-1',
        '',
        '',
      ].join('\n'),
      'every other line, comment and blank is left byte for byte',
    );
    assert.deepEqual(await served('prod'), doc(OTHER_PROD), 'the vault kept its own prod keys');
    assert.deepEqual(await awsExport('default'), doc(DEFAULT_KEYS));
    assert.deepEqual(await awsExport('dev'), doc(DEV_KEYS));
  });

  test("--replace --profiles prod then stores the file's prod and removes it; its policy is kept", async () => {
    const r = await trayCred(['import', credentials(), '--profiles', 'prod', '--replace', '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `replaced  prod\nignored   region-only (no aws_access_key_id or aws_secret_access_key)\nImported 1 profile(s) from ${credentials()}.\n` +
        `Removed prod from ${credentials()}; the rest of the file is unchanged.\n`,
    );
    assert.equal(
      await readFile(credentials(), 'utf8'),
      '# keys for the team; see the wiki\n; production: rotate monthly\n[region-only]\nregion    =    eu-west-1\n\n',
    );
    assert.deepEqual(await awsExport('prod'), doc(PROD_KEYS));
    const list = JSON.parse((await trayCred(['list', '--json'])).stdout) as { name: string; policy: string }[];
    assert.equal(list.find((p) => p.name === 'prod')?.policy, 'ask');
  });

  test('a file left with nothing but imported profiles (and comments) is deleted', async () => {
    const file = join(s.awsDir, 'credentials.old');
    await writeFile(
      file,
      `# CI and team keys\n[team]\naws_access_key_id = ${TEAM_KEYS.accessKeyId}\naws_secret_access_key = ${TEAM_KEYS.secretAccessKey}\n\n[ci]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n`,
    );
    const r = await trayCred(['import', file, '--format', 'aws-credentials', '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `added     team\nadded     ci\nImported 2 profile(s) from ${file}.\nRemoved ${file}: every profile in it is in the vault.\n`,
    );
    assert.equal(await readFile(file).catch((e: NodeJS.ErrnoException) => e.code), 'ENOENT');
    assert.deepEqual(await awsExport('team'), doc(TEAM_KEYS));
  });

  test('a credential_<profile> file with a session token and aws_expiration: the AWS CLI gets SessionToken and Expiration', async () => {
    const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * 3600_000)
      .toISOString()
      .replace('.000Z', 'Z');
    const prodFile = join(s.awsDir, 'credential_prod');
    await writeFile(
      prodFile,
      `[prod]\naws_access_key_id = ${FILE_SESSION.accessKeyId}\naws_secret_access_key = ${FILE_SESSION.secretAccessKey}\naws_session_token = ${FILE_SESSION.sessionToken}\naws_expiration = ${expiration}\n`,
      { mode: 0o600 },
    );
    const r = await trayCred(['import', prodFile, '--replace', '--remove-source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `replaced  prod\nImported 1 profile(s) from ${prodFile}.\nRemoved ${prodFile}: every profile in it is in the vault.\n`,
    );
    assert.equal(await readFile(prodFile).catch((e: NodeJS.ErrnoException) => e.code), 'ENOENT');
    const got = await awsExport('prod');
    assert.deepEqual(Object.keys(got), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    // The CLI prints the time the helper gave it in Python's isoformat().
    assert.deepEqual(got, {
      ...doc(FILE_SESSION),
      SessionToken: FILE_SESSION.sessionToken,
      Expiration: expiration.replace(/Z$/, '+00:00'),
    });

    // The recipe's STS script also reads files without an expiry: a session token alone.
    const stagingFile = join(s.awsDir, 'credential_staging');
    await writeFile(
      stagingFile,
      `[staging]\naws_access_key_id=${ENV_SESSION.accessKeyId}\naws_secret_access_key=${ENV_SESSION.secretAccessKey}\naws_session_token=${ENV_SESSION.sessionToken}\n`,
      { mode: 0o600 },
    );
    const staging = await trayCred(['import', stagingFile, '--remove-source']);
    assert.equal(staging.status, 0, staging.stderr);
    assert.deepEqual(await awsExport('staging'), { ...doc(ENV_SESSION), SessionToken: ENV_SESSION.sessionToken });
  });

  test('no command printed a secret', () => {
    assert.ok(printed.length >= 10);
    for (const r of printed) assert.deepEqual(findSecrets(r.stdout + r.stderr, SECRETS), []);
    assert.deepEqual(findSecrets(agent.stderr(), SECRETS), []);
  });
});

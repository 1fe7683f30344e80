/**
 * The lines tray-cred leaves in the AWS files, as a user meets them: `remove` and the
 * credential_process line it would leave behind, `doctor` finding such lines, an AWS CLI v1
 * first on PATH, and plaintext keys that the real AWS CLI v2 still reads before the vault.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  HELPER,
  TRAY_CRED,
  auditEntries,
  credentialsFile,
  run,
  testSandbox,
  type RunResult,
  type Sandbox,
} from './support.ts';
import { awsCli } from './aws-cli-driver.ts';

const OPS_KEYS = { accessKeyId: 'AKIAOPSKEYSEXAMPLE01', secretAccessKey: 'opsSecret00000/K7MDENG+bPxRfiCYEXAMPLE4' };

const CONFIG = [
  '# my aws config',
  '[default]',
  'region = eu-west-1',
  '',
  '[profile dev]',
  'region = us-west-2',
  's3 =',
  '  max_concurrent_requests = 20',
  '# keep this',
  '',
  '[profile ops]',
  'output = json',
  '',
].join('\n');

/** A vault holding dev and ops, and a config pointing both at the helper (by the full path PATH finds). Returns the configured text. */
async function configured(t: TestContext): Promise<{ sandbox: Sandbox; text: string }> {
  const { sandbox } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const file = join(sandbox.root, 'to-import');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS, ops: OPS_KEYS }));
  assert.equal((await sandbox.trayCred(['import', file])).status, 0);
  await writeFile(sandbox.awsConfig, CONFIG);
  const r = await sandbox.trayCred(['configure-aws']);
  assert.equal(r.status, 0, r.stderr);
  const text = await readFile(sandbox.awsConfig, 'utf8');
  assert.equal(
    text,
    CONFIG.replace('# keep this', `credential_process = ${HELPER} dev\n# keep this`).replace(
      'output = json\n',
      `output = json\ncredential_process = ${HELPER} ops\n`,
    ),
  );
  return { sandbox, text };
}

/** The command between the last pair of backticks of a line, as an argument vector for tray-cred. */
function offered(line: string): string[] {
  const words = /`([^`]+)`[^`]*$/.exec(line)![1]!.split(' ');
  assert.equal(words[0], 'tray-cred');
  return words.slice(1);
}

const backups = async (s: Sandbox): Promise<string[]> =>
  (await readdir(s.root)).filter((n) => n.startsWith('aws-config.tray-cred-backup-')).sort();

test('remove says the config line remains, doctor lists it, and the offered command takes out only that line', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, text } = await configured(t);
  const removed = await sandbox.trayCred(['remove', 'ops']);
  assert.equal(removed.status, 0, removed.stderr);
  assert.equal(
    removed.stdout,
    `Removed profile "ops".\n${sandbox.awsConfig} still runs tray-cred-helper for "ops", which now fails: take that line out with \`tray-cred configure-aws --unset ops\`\n`,
  );
  assert.equal(await readFile(sandbox.awsConfig, 'utf8'), text, 'without --config the file is left alone');

  const todo = `  todo  ${sandbox.awsConfig}: ops run tray-cred-helper, but the vault has no such profile: run \`tray-cred configure-aws --unset ops\` (or import them again)\n`;
  const doctor = await sandbox.trayCred(['doctor']);
  assert.equal(doctor.status, 1, doctor.stdout);
  assert.ok(doctor.stdout.includes(todo), doctor.stdout);
  assert.deepEqual(
    doctor.stdout.split('\n').filter((l) => l.includes('tray-cred-helper')),
    [todo.trimEnd()],
    'dev, still in the vault, is not listed',
  );

  const dry = await sandbox.trayCred([...offered(removed.stdout), '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.ok(dry.stdout.includes(`\n output = json\n-credential_process = ${HELPER} ops\n`), dry.stdout);
  assert.equal(await readFile(sandbox.awsConfig, 'utf8'), text, '--dry-run writes nothing');

  const before = await backups(sandbox);
  const unset = await sandbox.trayCred(offered(removed.stdout));
  assert.equal(unset.status, 0, unset.stderr);
  const [backup] = (await backups(sandbox)).filter((n) => !before.includes(n));
  assert.equal(
    unset.stdout,
    `Backed up ${sandbox.awsConfig} to ${join(sandbox.root, backup!)}\nTook credential_process = tray-cred-helper <profile> out of ops in ${sandbox.awsConfig}.\n`,
  );
  assert.equal(await readFile(sandbox.awsConfig, 'utf8'), text.replace(`credential_process = ${HELPER} ops\n`, ''));
  assert.equal(await readFile(join(sandbox.root, backup!), 'utf8'), text);

  const after = await sandbox.trayCred(['doctor']);
  assert.ok(!after.stdout.includes('but the vault has no such profile'), after.stdout);
  const again = await sandbox.trayCred(['configure-aws', '--unset', 'ops']);
  assert.deepEqual(
    [again.status, again.stdout],
    [0, `${sandbox.awsConfig} has no \`credential_process = tray-cred-helper <profile>\` line for ops.\n`],
  );
  assert.equal((await backups(sandbox)).length, before.length + 1, 'nothing written, no second backup');
});

test('remove --config takes the line out too, and the AWS CLI reads the rest as before', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, text } = await configured(t);
  const before = await backups(sandbox);
  const r = await sandbox.trayCred(['remove', 'dev', '--config']);
  assert.equal(r.status, 0, r.stderr);
  const [backup] = (await backups(sandbox)).filter((n) => !before.includes(n));
  assert.equal(
    r.stdout,
    `Removed profile "dev".\nBacked up ${sandbox.awsConfig} to ${join(sandbox.root, backup!)}\nTook credential_process = tray-cred-helper dev out of ${sandbox.awsConfig}.\n`,
  );
  assert.equal(await readFile(sandbox.awsConfig, 'utf8'), text.replace(`credential_process = ${HELPER} dev\n`, ''));
  assert.equal(await readFile(join(sandbox.root, backup!), 'utf8'), text);
  const cli = (key: string): Promise<RunResult> =>
    awsCli(['configure', 'get', key, '--profile', 'dev'], { env: sandbox.env });
  assert.deepEqual([(await cli('region')).stdout, (await cli('credential_process')).status], ['us-west-2\n', 1]);
  const doctor = await sandbox.trayCred(['doctor']);
  assert.ok(!doctor.stdout.includes('but the vault has no such profile'), doctor.stdout);
});

test('doctor and configure-aws say so when the aws first on PATH is v1, and name the v2 there is', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox } = await configured(t);
  const fake = join(sandbox.root, 'v1-bin');
  await mkdir(fake);
  await writeFile(
    join(fake, 'aws'),
    '#!/bin/sh\necho "aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44 botocore/1.43.11"\n',
  );
  await chmod(join(fake, 'aws'), 0o755);
  const v1Env = { ...sandbox.env, PATH: `${fake}:${sandbox.env.PATH}` };
  // The v2 after it is the sandbox's aws-bin/aws (support.ts: the real CLI, its version line kept for the run).
  const v2 = join(sandbox.root, 'aws-bin');
  const problem = `the AWS CLI first on PATH is v1 (aws-cli/1.45.11 at ${fake}/aws); tray-cred needs v2, since \`aws configure export-credentials\` and the \`external\` profiles' commands fail on v1: call ${v2}/aws by its path, or put ${v2} before ${fake} on PATH`;

  const doctor = await run(TRAY_CRED, ['doctor'], { env: v1Env });
  assert.equal(doctor.status, 1, doctor.stdout);
  assert.ok(doctor.stdout.includes(`  todo  ${problem}\n`), doctor.stdout);
  const configure = await run(TRAY_CRED, ['configure-aws'], { env: v1Env });
  assert.deepEqual([configure.status, configure.stderr], [0, `warning: ${problem}\n`]);

  // With the real v2 first (the sandbox's PATH), neither says a word about it.
  const clean = await sandbox.trayCred(['doctor']);
  assert.deepEqual([clean.status, clean.stdout.includes('AWS CLI')], [0, false], clean.stdout);
  assert.equal((await sandbox.trayCred(['configure-aws'])).stderr, '');
});

test('plaintext keys the AWS CLI would use first: the last line says so, and its command makes the CLI use the vault', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  // The usual migration: imported from the credentials file, which is still there.
  await writeFile(sandbox.awsCredentials, credentialsFile({ dev: DEV_KEYS, ops: OPS_KEYS }));
  assert.equal((await sandbox.trayCred(['import', sandbox.awsCredentials])).status, 0);
  await writeFile(sandbox.awsConfig, '[profile dev]\nregion = us-west-2\n');
  // stdout and stderr in one pipe, as a terminal shows them.
  const r = await run('/bin/sh', ['-c', '"$@" 2>&1', 'sh', TRAY_CRED, 'configure-aws', '--profiles', 'dev'], {
    env: sandbox.env,
  });
  assert.equal(r.status, 0, r.stdout);
  const warning = `warning: ${sandbox.awsCredentials} still has plaintext keys for "dev", and the AWS CLI uses them before credential_process: run \`tray-cred import ${sandbox.awsCredentials} --profiles dev --remove-source\``;
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), warning, 'the last line, naming only the profile configured');

  await startAgent(['--approver', '/bin/true']);
  const served = async (): Promise<number> =>
    (await auditEntries(sandbox)).filter(
      (e) => e.event === 'access' && e.profile === 'dev' && e.credentialId === DEV_KEYS.accessKeyId,
    ).length;
  const exportDev = async (): Promise<unknown> => {
    const got = await awsCli(['configure', 'export-credentials', '--profile', 'dev'], { env: sandbox.env });
    assert.equal(got.status, 0, got.stderr);
    return JSON.parse(got.stdout);
  };
  const keys = { Version: 1, AccessKeyId: DEV_KEYS.accessKeyId, SecretAccessKey: DEV_KEYS.secretAccessKey };
  assert.deepEqual(await exportDev(), keys);
  assert.equal(await served(), 0, 'the plaintext file answered: the vault was never asked, and nothing was audited');

  const retire = await sandbox.trayCred(offered(warning));
  assert.equal(retire.status, 0, retire.stderr);
  assert.match(
    retire.stdout,
    new RegExp(`Removed dev from ${sandbox.awsCredentials}; the rest of the file is unchanged\\.\n$`),
  );
  assert.equal(await readFile(sandbox.awsCredentials, 'utf8'), credentialsFile({ ops: OPS_KEYS }));
  assert.deepEqual(await exportDev(), keys);
  assert.equal(await served(), 1, 'now the vault served them, through the helper, and it is in the audit log');
  const again = await sandbox.trayCred(['configure-aws', '--profiles', 'dev']);
  assert.deepEqual([again.status, again.stderr], [0, '']);
});

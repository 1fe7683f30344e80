/**
 * "Never seen before" with the real headless agent (issue 18 item 4): the approver command sees
 * TRAY_CRED_FIRST_USE=1 when a verified program asks for a guarded profile it has not used in 90
 * days, empty afterwards, and an agent started again knows the programs from its audit log.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { AWS_CLI, HELPER, credentialsFile, run, testSandbox, writeAwsConfig } from './support.ts';

test('the approver command sees TRAY_CRED_FIRST_USE for a new program, not for a known one, across a restart', {
  timeout: 180_000,
}, async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const file = join(sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  assert.equal((await sandbox.trayCred(['import', file])).status, 0);
  assert.equal((await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off'])).status, 0);
  await writeAwsConfig(sandbox, ['dev', 'prod']);
  const log = join(sandbox.root, 'approver.log');
  const approver = join(sandbox.root, 'approver.sh');
  assert.match(approver, /^[A-Za-z0-9/._-]+$/);
  await writeFile(
    approver,
    `#!/bin/sh\nprintf '%s|%s\\n' "$TRAY_CRED_VERIFIED_EXE" "$TRAY_CRED_FIRST_USE" >> ${log}\nexit 0\n`,
    { mode: 0o700 },
  );
  const asked = async (): Promise<string[][]> =>
    (await readFile(log, 'utf8').catch(() => ''))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'));

  const viaCli = async (): Promise<void> => {
    const r = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'prod'], {
      env: sandbox.env,
      killAfterMs: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
  };
  const viaHelper = async (): Promise<void> => {
    const r = await run(HELPER, ['prod'], { env: sandbox.env, killAfterMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  };

  const agent = await startAgent(['--approver', approver]);
  await viaCli();
  await viaCli();
  await viaHelper();
  const first = await asked();
  assert.equal(first.length, 3, JSON.stringify(first));
  const [cliExe, testExe] = [first[0]![0]!, first[2]![0]!];
  assert.match(cliExe, /python3/, 'the AWS CLI v2 runs under python3: the verified program');
  assert.notEqual(testExe, cliExe);
  assert.deepEqual(first, [
    [cliExe, '1'],
    [cliExe, ''],
    [testExe, '1'],
  ]);

  await agent.stop();
  await startAgent(['--approver', approver]);
  await viaHelper();
  await viaCli();
  assert.deepEqual(
    (await asked()).slice(3),
    [
      [testExe, ''],
      [cliExe, ''],
    ],
    'a restarted agent knows both from the log',
  );
});

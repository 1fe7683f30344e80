/**
 * `tray-cred settings` over the settings.json the tray app shares, and the headless agent taking
 * "unlock when a request arrives" from it: a locked agent with an approver asks it to unlock and
 * allow, and refuses at once when the setting is off.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { HELPER, credentialsFile, run, testSandbox } from './support.ts';

test('settings are listed, changed, validated and kept private', async (t) => {
  const { sandbox } = await testSandbox(t);
  const list = await sandbox.trayCred(['settings']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^unlockOnRequest\s+true$/m);
  assert.match(list.stdout, /^idleLockMinutes\s+15$/m);
  const set = await sandbox.trayCred(['settings', 'idleLockMinutes', '60']);
  assert.equal(set.stdout, 'idleLockMinutes = 60\n');
  assert.equal(JSON.parse(await readFile(join(sandbox.home, 'settings.json'), 'utf8')).idleLockMinutes, 60);
  assert.equal((await stat(join(sandbox.home, 'settings.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(sandbox.home)).mode & 0o777, 0o700);

  const bad = await sandbox.trayCred(['settings', 'idleLockMinutes', '7']);
  assert.equal(bad.status, EXIT_STATUS.USAGE);
  assert.equal(bad.stderr, 'tray-cred: idleLockMinutes takes off, 5, 15 or 60 (minutes), not "7"\n');
  const unknown = await sandbox.trayCred(['settings', 'colour', 'blue']);
  assert.equal(unknown.status, EXIT_STATUS.USAGE);
  assert.match(unknown.stderr, /no setting "colour"; the settings are: idleLockMinutes, unlockOnRequest/);
  assert.equal(
    (await sandbox.trayCred(['settings', 'idleLockMinutes'])).stdout,
    '60\n',
    'a refused value changes nothing',
  );
});

test('a locked headless agent with --unlock-on-request asks its approver to unlock and allow, unless the setting is off', async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const file = join(sandbox.root, 'creds');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS }));
  assert.equal((await sandbox.trayCred(['import', file])).status, 0);
  const log = join(sandbox.root, 'approver.log');
  await startAgent(['--locked', '--unlock-on-request', '--approver', `echo "$TRAY_CRED_PROFILE" >> ${log}`]);

  const served = await run(HELPER, ['dev'], { env: sandbox.env });
  assert.equal(served.status, 0, served.stderr);
  assert.equal(JSON.parse(served.stdout).AccessKeyId, DEV_KEYS.accessKeyId);
  assert.equal(await readFile(log, 'utf8'), 'dev\n', 'the approver was asked once');

  assert.equal((await sandbox.trayCred(['lock'])).status, 0);
  assert.equal((await sandbox.trayCred(['settings', 'unlockOnRequest', 'off'])).status, 0);
  const refused = await run(HELPER, ['dev'], { env: sandbox.env });
  assert.equal(refused.status, EXIT_STATUS.LOCKED);
  assert.equal(refused.stdout, '');
  assert.equal(await readFile(log, 'utf8'), 'dev\n', 'no prompt when the setting is off');
});

/**
 * The forwarder in a running headless agent, turned on by the shared setting: a fake `logger`
 * first on the agent's PATH (no journald runs here, so the syslog branch) records what the
 * system log was handed for an access. No secret reaches it, not even one planted in the
 * caller's command line.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEV_KEYS } from '../fakes/keys.ts';
import { credentialsFile, findSecrets, run, testSandbox } from './support.ts';

const PLANTED = 'planted-Secret-51c0de';

test('with forwardToSystemLog on, the agent hands each entry to the system log, without a secret', async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const creds = join(sandbox.root, 'creds');
  await writeFile(creds, credentialsFile({ dev: DEV_KEYS }));
  assert.equal((await sandbox.trayCred(['import', creds])).status, 0);
  assert.equal(
    (await sandbox.trayCred(['settings', 'forwardToSystemLog', 'on'])).stdout,
    'forwardToSystemLog = true\n',
  );
  const fakeBin = join(sandbox.root, 'fake-bin');
  const got = join(sandbox.root, 'logger-got');
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, 'logger'), `#!/bin/sh\necho "ARGS $*" >> "${got}"\ncat >> "${got}"\n`);
  await chmod(join(fakeBin, 'logger'), 0o755);
  sandbox.env.PATH = `${fakeBin}:${sandbox.env.PATH}`;
  const agent = await startAgent();

  const r = await run('/bin/sh', ['-c', 'tray-cred-helper dev; true', 'sh', '--secret-access-key', PLANTED], {
    env: sandbox.env,
  });
  assert.equal(r.status, 0, r.stderr);
  let text = '';
  for (
    const until = Date.now() + 20_000;
    Date.now() < until && !/ access /.test(text);
    await new Promise((res) => setTimeout(res, 100))
  ) {
    text = await readFile(got, 'utf8').catch(() => '');
  }
  assert.match(text, /^ARGS -t tray-cred -p auth\.info$/m);
  assert.match(
    text,
    /^tray-cred agent-start reason="headless agent pid \d+ on .*" seq=\d+ v=1 time=/m,
    'the agent-start entry went too',
  );
  assert.match(
    text,
    /^tray-cred access profile=dev decision=allowed served=vault caller_pid=\d+ caller="\/bin\/sh -c tray-cred-helper dev; true sh --secret-access-key \[redacted\]" seq=\d+ v=1 time=\S+ credential_id=AKIAIOSFODNN7EXAMPLE$/m,
  );
  assert.deepEqual(findSecrets(text, [PLANTED, DEV_KEYS.secretAccessKey]), []);
  await agent.stop();
  assert.doesNotMatch(agent.stderr(), /could not be forwarded/);
});

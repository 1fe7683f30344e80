/**
 * A burst: 100 `tray-cred-helper` processes started at once against one agent, for an `allow`
 * profile. Every one must get the keys, and the audit log must hold exactly one intact entry
 * per request (the group commit must neither drop nor duplicate one).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  HELPER,
  auditEntries,
  auditVerify,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  type Agent,
  type Sandbox,
} from './support.ts';

const HELPERS = 100;

let sandbox: Sandbox;
let agent: Agent | undefined;

before(async () => {
  sandbox = await makeSandbox();
  const init = await sandbox.trayCred(['init']);
  assert.equal(init.status, 0, init.stderr);
  const file = join(sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS }));
  const imported = await sandbox.trayCred(['import', file]);
  assert.equal(imported.status, 0, imported.stderr);
  agent = await startAgent(sandbox);
});

after(async () => {
  await agent?.stop();
  await sandbox?.cleanup();
});

test(`${HELPERS} helpers at once all get the keys; the audit log holds exactly ${HELPERS} access entries and verifies`, {
  timeout: 180_000,
}, async () => {
  const earlier = await auditEntries(sandbox);
  // All started before any is awaited. The helpers' own --timeout (120 s default) bounds each.
  const results = await Promise.all(
    Array.from({ length: HELPERS }, () => run(HELPER, ['dev'], { env: sandbox.env, killAfterMs: 150_000 })),
  );

  const expected = `${JSON.stringify({ Version: 1, AccessKeyId: DEV_KEYS.accessKeyId, SecretAccessKey: DEV_KEYS.secretAccessKey })}\n`;
  const failures = results
    .map((r, i) => ({ i, ...r }))
    .filter((r) => r.status !== 0 || r.stdout !== expected || r.stderr !== '');
  assert.deepEqual(failures, [], 'every helper exits 0 with the credential_process document and nothing on stderr');

  const entries = (await auditEntries(sandbox)).filter((e) => e.seq > (earlier.at(-1)?.seq ?? 0));
  const accesses = entries.filter((e) => e.event === 'access');
  assert.equal(accesses.length, HELPERS, 'one access entry per helper');
  assert.equal(entries.length, HELPERS, 'and nothing else');
  assert.ok(accesses.every((e) => e.profile === 'dev' && e.decision === 'allowed'));
  assert.equal(new Set(accesses.map((e) => e.requestId)).size, HELPERS, 'each entry is a different request');
  assert.equal(
    new Set(accesses.map((e) => e.caller?.pid)).size,
    1,
    'every helper claims this test process as its caller',
  );
  assert.equal(accesses[0]!.caller?.pid, process.pid);
  assert.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: HELPERS }, (_, i) => (earlier.at(-1)?.seq ?? 0) + i + 1),
    'sequence numbers are consecutive',
  );

  const verify = await auditVerify(sandbox);
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stdout, `audit log verified: ${earlier.length + HELPERS} entries in 1 file(s), chain intact\n`);

  assert.equal(
    agent!.stderr().trim().split('\n').length,
    1,
    `the agent logged nothing but its start line:\n${agent!.stderr()}`,
  );
  assert.deepEqual(findSecrets(agent!.stderr(), [DEV_KEYS.secretAccessKey]), []);
});

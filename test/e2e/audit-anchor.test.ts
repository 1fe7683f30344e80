/**
 * The audit chain anchored in the keychain, against an attacker who can write the data
 * directory: a wipe, or a cut with an older head.json put back, is reported by `audit verify`
 * and `doctor`, and the agent, restarted, records a `tamper` entry instead of a silent new chain.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  HELPER,
  auditEntries,
  credentialsFile,
  run,
  testSandbox,
  writeAwsConfig,
  type RunResult,
  type Sandbox,
} from './support.ts';

async function ok(sandbox: Sandbox, args: readonly string[]): Promise<RunResult> {
  const r = await sandbox.trayCred(args);
  assert.equal(r.status, 0, `tray-cred ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function setUp(t: TestContext) {
  const s = await testSandbox(t);
  await ok(s.sandbox, ['init']);
  const file = join(s.sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS }));
  await ok(s.sandbox, ['import', file]);
  await writeAwsConfig(s.sandbox, ['dev']);
  return { ...s, dir: join(s.sandbox.home, 'audit') };
}

/** An agent run that serves `n` accesses and stops (which anchors the chain). */
async function agentRun(s: Awaited<ReturnType<typeof setUp>>, n: number): Promise<void> {
  const agent = await s.startAgent();
  for (let i = 0; i < n; i += 1) assert.equal((await run(HELPER, ['dev'], { env: s.sandbox.env })).status, 0);
  await agent.stop();
}

async function verifyFails(sandbox: Sandbox, says: RegExp): Promise<void> {
  const r = await sandbox.trayCred(['audit', 'verify']);
  assert.equal(r.status, EXIT_STATUS.TAMPERED, `verify must fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, says);
  const doctor = await sandbox.trayCred(['doctor']);
  assert.match(doctor.stdout, /todo {2}.*audit chain NOT verified/);
  assert.match(doctor.stdout, says);
}

test('a wiped log: verify and doctor report it, and the restarted agent records tamper instead of a new chain', {
  timeout: 120_000,
}, async (t) => {
  const s = await setUp(t);
  await agentRun(s, 3);
  assert.equal((await s.sandbox.trayCred(['audit', 'verify'])).status, 0);
  for (const name of await readdir(s.dir)) await rm(join(s.dir, name));
  await verifyFails(s.sandbox, /the keychain anchored entry \d+: the log was deleted|the audit log is empty/);

  await agentRun(s, 1);
  const entries = await auditEntries(s.sandbox);
  assert.equal(entries[0]!.event, 'tamper');
  assert.match(
    String(entries[0]!.reason),
    /the audit log was deleted: the keychain had anchored entry \d+, so a new chain starts here/,
  );
  await verifyFails(s.sandbox, /tampering was detected and recorded here: the audit log was deleted/);
});

test('a cut below the anchor with an old head.json put back: reported, and recorded by the restarted agent', {
  timeout: 120_000,
}, async (t) => {
  const s = await setUp(t);
  const [file] = (await readdir(s.dir)).filter((n) => n.endsWith('.jsonl'));
  const oldLog = await readFile(join(s.dir, file!));
  const oldHead = await readFile(join(s.dir, 'head.json'));
  await agentRun(s, 3);
  await writeFile(join(s.dir, file!), oldLog);
  await writeFile(join(s.dir, 'head.json'), oldHead);
  await verifyFails(
    s.sandbox,
    /the log ends at entry 2 but the keychain anchored entry \d+: \d+ or more entries were cut off \(an older head\.json may have been put back\)/,
  );

  await agentRun(s, 1);
  const entries = await auditEntries(s.sandbox);
  assert.deepEqual(
    entries.slice(0, 4).map((e) => [e.seq, e.event]),
    [
      [1, 'init'],
      [2, 'import'],
      [3, 'tamper'],
      [4, 'agent-start'],
    ],
  );
  assert.match(String(entries[2]!.reason), /the log ends at entry 2 but the keychain had anchored entry \d+/);
  await verifyFails(s.sandbox, /tampering was detected and recorded here/);
});

/**
 * Real clients against one real headless agent through the real helper: the AWS CLI v2
 * (`aws configure export-credentials`), the SDK for JavaScript v3's `fromProcess`, boto3, and
 * `tray-cred-helper` run directly for its exit statuses. The approver is a shell script that
 * logs what it was told and answers from a file the test writes, so one agent serves both
 * approval and denial.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromProcess } from '@aws-sdk/credential-providers';
import { EXIT_STATUS, type ErrorCode } from '../../common/errors.ts';
import type { Decision } from '../../common/decision.ts';
import type { CallerClaim } from '../../helper/wire.ts';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  DIST_BIN,
  HELPER,
  NODE_BIN,
  PYTHON,
  auditEntries,
  auditVerify,
  credentialsFile,
  findSecrets,
  makeSandbox,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type RunResult,
  type Sandbox,
} from './support.ts';

/** Session credentials, shaped like STS's (ASIA key id). Made up: valid in form only. */
const SESSION = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'sEsSi0nSecretK7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/2Zp9Utk+h3yCo8nvbEXAMPLE==',
};
const EXPIRED = {
  accessKeyId: 'ASIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'eXp1redSecretZp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEEXPIREDTOKEN/abc+def==',
};
const SECRETS = [
  DEV_KEYS.secretAccessKey,
  PROD_KEYS.secretAccessKey,
  SESSION.secretAccessKey,
  SESSION.sessionToken,
  EXPIRED.secretAccessKey,
  EXPIRED.sessionToken,
];

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiration?: string | undefined;
}

/** What one client got: credentials, or the text it failed with. */
type Outcome = { ok: true; creds: Creds } | { ok: false; text: string; status: number | null };

interface Client {
  name: string;
  get(profile: string): Promise<Outcome>;
  /** Whether an audit entry's claimed caller is this client asking for `profile`. */
  isCaller(caller: CallerClaim | undefined, profile: string): boolean;
}

let sandbox: Sandbox;
let agent: Agent;
/** Every stderr any process in this file wrote, checked for secrets at the end. */
const stderrs: { what: string; text: string }[] = [];
let decisionFile: string;
let approverLog: string;
let approverCalls = 0;
let auditSeen = 0;
const savedEnv: Record<string, string | undefined> = {};
let sessionExpiration: string;

function record(what: string, r: RunResult): RunResult {
  stderrs.push({ what, text: r.stderr });
  return r;
}

const awsCli: Client = {
  name: 'AWS CLI v2',
  async get(profile) {
    const r = record(
      `aws ${profile}`,
      await run(AWS_CLI, ['configure', 'export-credentials', '--profile', profile], { env: sandbox.env }),
    );
    if (r.status !== 0) return { ok: false, text: r.stderr, status: r.status };
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    // The document the CLI prints is the credential_process format; nothing else may be in it.
    assert.deepEqual(
      Object.keys(doc).sort(),
      [
        'AccessKeyId',
        'SecretAccessKey',
        'Version',
        ...(doc.SessionToken === undefined ? [] : ['SessionToken']),
        ...(doc.Expiration === undefined ? [] : ['Expiration']),
      ].sort(),
    );
    assert.equal(doc.Version, 1);
    assert.equal(r.stderr, '', 'a successful export-credentials writes nothing to stderr');
    return {
      ok: true,
      creds: {
        accessKeyId: doc.AccessKeyId as string,
        secretAccessKey: doc.SecretAccessKey as string,
        sessionToken: doc.SessionToken as string | undefined,
        expiration: doc.Expiration as string | undefined,
      },
    };
  },
  isCaller: (caller, profile) =>
    !!caller && caller.command.includes('export-credentials') && caller.command.includes(`--profile ${profile}`),
};

const sdk: Client = {
  name: 'SDK v3 fromProcess',
  async get(profile) {
    try {
      const c = await fromProcess({
        profile,
        configFilepath: sandbox.awsConfig,
        filepath: sandbox.awsCredentials,
        ignoreCache: true,
      })();
      return {
        ok: true,
        creds: {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
          expiration: c.expiration?.toISOString(),
        },
      };
    } catch (error) {
      const text = (error as Error).message;
      stderrs.push({ what: `sdk ${profile}`, text });
      return { ok: false, text, status: null };
    }
  },
  // The SDK runs credential_process through `sh -c`: the helper's parent is that shell (a child
  // of this test process), or this process itself where the shell execs the command in place.
  isCaller: (caller, profile) =>
    !!caller &&
    ((caller.command === `/bin/sh -c tray-cred-helper ${profile}` && caller.ppid === process.pid) ||
      caller.pid === process.pid),
};

const BOTO3 = `
import json, sys
import boto3
try:
    c = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()
except Exception as e:
    sys.stderr.write('%s: %s\\n' % (type(e).__name__, e))
    sys.exit(1)
json.dump({'accessKeyId': c.access_key, 'secretAccessKey': c.secret_key, 'sessionToken': c.token}, sys.stdout)
`;

const boto3: Client = {
  name: 'boto3',
  async get(profile) {
    const r = record(`boto3 ${profile}`, await run(PYTHON, ['-c', BOTO3, profile], { env: sandbox.env }));
    if (r.status !== 0) return { ok: false, text: r.stderr, status: r.status };
    const c = JSON.parse(r.stdout) as { accessKeyId: string; secretAccessKey: string; sessionToken: string | null };
    return {
      ok: true,
      creds: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken ?? undefined,
      },
    };
  },
  isCaller: (caller) => !!caller && caller.command.startsWith(PYTHON) && caller.command.includes('boto3'),
};

const CLIENTS = [awsCli, sdk, boto3];

/** The helper run directly: its exit status and its one stderr line are the contract. */
async function helper(profile: string): Promise<RunResult> {
  return record(`helper ${profile}`, await run(HELPER, [profile], { env: sandbox.env }));
}

/** Audit entries written since the last call. */
async function newEntries(): Promise<AuditEntry[]> {
  const all = await auditEntries(sandbox);
  const fresh = all.filter((e) => e.seq > auditSeen);
  auditSeen = all.at(-1)?.seq ?? auditSeen;
  return fresh;
}

async function approverLines(): Promise<{ profile: string; caller: CallerClaim | null }[]> {
  const text = await readFile(approverLog, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [profile = '', caller = 'null'] = line.split('\t');
      return { profile, caller: JSON.parse(caller) as CallerClaim | null };
    });
}

async function assertVerified(): Promise<void> {
  const v = record('audit verify', await auditVerify(sandbox));
  assert.equal(v.status, 0, `audit verify failed: ${v.stderr}`);
  assert.equal(
    v.stdout,
    `audit log verified: ${auditSeen} entries in 1 file(s), chain intact\n`,
    'verify counts every entry written so far',
  );
}

/**
 * Asks every client and the helper for `profile` and checks the answers, the audit entries
 * (one access per request, in order, with the client's claimed caller) and the chain.
 */
async function expectServed(profile: string, keys: Creds, decision: Decision): Promise<void> {
  for (const client of CLIENTS) {
    const got = await client.get(profile);
    assert.ok(got.ok, `${client.name} failed for ${profile}: ${got.ok ? '' : got.text}`);
    assert.equal(got.creds.accessKeyId, keys.accessKeyId, client.name);
    assert.equal(got.creds.secretAccessKey, keys.secretAccessKey, client.name);
    assert.equal(got.creds.sessionToken, keys.sessionToken, client.name);
    if (client !== boto3) {
      // boto3's frozen credentials carry no expiry; the CLI and the SDK report it.
      assert.equal(
        got.creds.expiration === undefined ? undefined : Date.parse(got.creds.expiration),
        keys.expiration === undefined ? undefined : Date.parse(keys.expiration),
        client.name,
      );
    }
  }
  const h = await helper(profile);
  assert.equal(h.status, 0, h.stderr);
  assert.equal(h.stderr, '');
  const doc: Record<string, unknown> = {
    Version: 1,
    AccessKeyId: keys.accessKeyId,
    SecretAccessKey: keys.secretAccessKey,
  };
  if (keys.sessionToken) doc.SessionToken = keys.sessionToken;
  if (keys.expiration) doc.Expiration = keys.expiration;
  assert.equal(h.stdout, `${JSON.stringify(doc)}\n`, 'the helper prints exactly one credential_process document');
  await expectAudit(profile, decision);
}

/** Asks every client and the helper for `profile` and checks that each fails with `code` and the helper's message. */
async function expectRefused(
  profile: string,
  code: ErrorCode | 'NOT_RUNNING',
  message: string,
  decision: Decision | undefined,
): Promise<void> {
  for (const client of CLIENTS) {
    const got = await client.get(profile);
    assert.equal(got.ok, false, `${client.name} got credentials for ${profile}`);
    if (got.ok) continue;
    assert.ok(
      got.text.includes(`tray-cred-helper: ${message}`),
      `${client.name} did not pass on the helper's message "${message}":\n${got.text}`,
    );
    if (client === awsCli) assert.equal(got.status, 253, 'the AWS CLI exits 253 when credential_process fails');
    if (client === boto3) assert.match(got.text, /^CredentialRetrievalError: /);
  }
  const h = await helper(profile);
  assert.equal(h.status, EXIT_STATUS[code], `helper exit status for ${code}: ${h.stderr}`);
  assert.equal(h.stdout, '', 'a failing helper prints nothing on stdout');
  assert.match(h.stderr, /^tray-cred-helper: [^\n]+\n$/, 'exactly one stderr line');
  assert.ok(h.stderr.includes(message), h.stderr);
  if (decision) await expectAudit(profile, decision);
}

async function expectAudit(profile: string, decision: Decision): Promise<void> {
  const entries = await newEntries();
  assert.deepEqual(
    entries.map((e) => [e.event, e.profile, e.decision]),
    Array.from({ length: CLIENTS.length + 1 }, () => ['access', profile, decision]),
    'one access entry per request, nothing else',
  );
  CLIENTS.forEach((client, i) =>
    assert.ok(
      client.isCaller(entries[i]!.caller, profile),
      `${client.name}'s entry claims caller ${JSON.stringify(entries[i]!.caller)}`,
    ),
  );
  assert.equal(
    entries.at(-1)!.caller?.pid,
    process.pid,
    'the directly run helper reports this test process as its caller',
  );
  for (const e of entries) assert.match(e.requestId ?? '', /^[A-Za-z0-9_-]+$/);
  await assertVerified();
}

async function setDecision(answer: 'allow' | 'deny'): Promise<void> {
  await writeFile(decisionFile, `${answer}\n`);
}

describe('real AWS clients through tray-cred-helper and one headless agent', () => {
  before(async () => {
    sandbox = await makeSandbox();
    decisionFile = join(sandbox.root, 'decision');
    approverLog = join(sandbox.root, 'approver.log');
    const approver = join(sandbox.root, 'approver.sh');
    // The agent runs --approver through a shell (that is its contract); the path is mkdtemp's, checked to need no quoting.
    assert.match(approver, /^[A-Za-z0-9/._-]+$/);
    await writeFile(
      approver,
      `#!/bin/sh\nprintf '%s\\t%s\\n' "$TRAY_CRED_PROFILE" "$TRAY_CRED_CALLER" >> ${approverLog}\ntest "$(cat ${decisionFile})" = allow\n`,
    );
    await setDecision('deny');

    const init = record('init', await sandbox.trayCred(['init']));
    assert.equal(init.status, 0, init.stderr);
    const file = join(sandbox.root, 'credentials');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
    const imported = record('import', await sandbox.trayCred(['import', file]));
    assert.equal(imported.status, 0, imported.stderr);
    // Guarded profiles default to STS session mode, which needs the network; this file is about
    // serving the stored keys (test/e2e/sts.test.ts covers STS against a stand-in).
    const direct = record('sts prod', await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off']));
    assert.equal(direct.status, 0, direct.stderr);
    sessionExpiration = new Date(Date.now() + 2 * 3600_000).toISOString();
    const sess = record(
      'add sess',
      await sandbox.trayCred(
        ['add', 'sess', '--access-key-id', SESSION.accessKeyId, '--expiration', sessionExpiration],
        `${SESSION.secretAccessKey}\n${SESSION.sessionToken}\n`,
      ),
    );
    assert.equal(sess.status, 0, sess.stderr);
    // `add` refuses a time already past; a credentials file may still hold a stale session, and
    // import takes it as it is (so one stale profile does not block the rest).
    const stale = join(sandbox.root, 'stale-credentials');
    await writeFile(
      stale,
      `[old]\naws_access_key_id = ${EXPIRED.accessKeyId}\naws_secret_access_key = ${EXPIRED.secretAccessKey}\naws_session_token = ${EXPIRED.sessionToken}\naws_expiration = ${new Date(Date.now() - 3600_000).toISOString()}\n`,
    );
    const old = record('import old', await sandbox.trayCred(['import', stale]));
    assert.equal(old.status, 0, old.stderr);
    const list = await sandbox.trayCred(['list', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { name: string; policy: string }[]).map((p) => [p.name, p.policy]),
      [
        ['dev', 'allow'],
        ['old', 'allow'],
        ['prod', 'ask'],
        ['sess', 'allow'],
      ],
    );
    await writeAwsConfig(sandbox, ['dev', 'prod', 'sess', 'old', 'ghost']);

    agent = await startAgent(sandbox, ['--approver', `sh ${approver}`]);
    await newEntries();

    // fromProcess runs credential_process with this process's environment.
    for (const name of ['PATH', 'TRAY_CRED_SOCKET', 'TRAY_CRED_HOME']) savedEnv[name] = process.env[name];
    process.env.PATH = [DIST_BIN, NODE_BIN, process.env.PATH ?? ''].join(':');
    process.env.TRAY_CRED_SOCKET = sandbox.socket;
    delete process.env.TRAY_CRED_HOME;
  });

  after(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await agent?.stop();
    await sandbox?.cleanup();
  });

  test('an allow profile is served to every client with the stored keys, audited as allowed, no approver asked', async () => {
    await expectServed('dev', DEV_KEYS, 'allowed');
    assert.equal((await approverLines()).length, 0, 'allow never runs the approver');
  });

  test('an ask profile the approver allows is served and audited as approved; the approver saw TRAY_CRED_PROFILE=prod', async () => {
    await setDecision('allow');
    await expectServed('prod', PROD_KEYS, 'approved');
    const asked = await approverLines();
    assert.equal(asked.length, CLIENTS.length + 1, 'one approval per request (rememberMinutes is 0)');
    assert.deepEqual(
      asked.map((a) => a.profile),
      Array(CLIENTS.length + 1).fill('prod'),
    );
    assert.ok(
      awsCli.isCaller(asked[0]!.caller ?? undefined, 'prod'),
      `TRAY_CRED_CALLER was ${JSON.stringify(asked[0]!.caller)}`,
    );
    approverCalls = asked.length;
  });

  test('an ask profile the approver denies fails with DENIED in every client, audited as denied', async () => {
    await setDecision('deny');
    await expectRefused('prod', 'DENIED', 'access to "prod" was denied: denied at the prompt', 'denied');
    const asked = await approverLines();
    assert.equal(asked.length - approverCalls, CLIENTS.length + 1);
    assert.ok(asked.every((a) => a.profile === 'prod'));
    approverCalls = asked.length;
  });

  test('a profile the vault does not hold fails with UNKNOWN_PROFILE, audited as unknown-profile', async () => {
    await expectRefused('ghost', 'UNKNOWN_PROFILE', 'no profile "ghost" in the tray-cred vault', 'unknown-profile');
  });

  test('stored session credentials come with SessionToken and Expiration', async () => {
    await expectServed('sess', { ...SESSION, expiration: sessionExpiration }, 'allowed');
  });

  test('expired session credentials fail with EXPIRED, audited as expired', async () => {
    await expectRefused('old', 'EXPIRED', 'the session credentials of "old" expired at', 'expired');
  });

  test('a locked agent refuses with LOCKED (audited as locked) until `tray-cred unlock`', async () => {
    const lock = record('lock', await sandbox.trayCred(['lock']));
    assert.equal(lock.status, 0, lock.stderr);
    assert.equal(lock.stdout, `agent ${agent.pid} on ${sandbox.socket}: locked\n`);
    const lockEntries = await newEntries();
    assert.deepEqual(
      lockEntries.map((e) => [e.event, e.caller?.command]),
      [['lock', 'tray-cred lock']],
    );
    const status = await sandbox.trayCred(['status', '--json']);
    assert.deepEqual(JSON.parse(status.stdout), {
      locked: true,
      profiles: 0,
      pending: 0,
      waiting: [],
      agentPid: agent.pid,
      // Locked, the agent cannot read which profiles ask; the approver command answers when it can.
      approver: 'command',
      askProfiles: [],
    });

    await expectRefused('dev', 'LOCKED', 'tray-cred is locked: run `tray-cred unlock`', 'locked');
    assert.equal((await approverLines()).length, approverCalls, 'a locked agent asks nobody');

    const unlock = record('unlock', await sandbox.trayCred(['unlock']));
    assert.equal(unlock.status, 0, unlock.stderr);
    assert.equal(unlock.stdout, `agent ${agent.pid} on ${sandbox.socket}: unlocked, 4 profile(s)\n`);
    assert.deepEqual(
      (await newEntries()).map((e) => e.event),
      ['unlock'],
    );
    await expectServed('dev', DEV_KEYS, 'allowed');
  });

  test('a stopped agent: every client fails with "no tray-cred agent answers", nothing is audited', async () => {
    const stopped = await agent.stop();
    assert.deepEqual(stopped, { code: 0, signal: null }, `the agent stops cleanly on SIGTERM:\n${agent.stderr()}`);
    assert.deepEqual(
      (await newEntries()).map((e) => [e.event, e.reason]),
      [
        ['lock', 'agent stopped (SIGTERM)'],
        ['agent-stop', 'SIGTERM'],
      ],
    );
    await expectRefused('dev', 'NOT_RUNNING', `no tray-cred agent answers at ${sandbox.socket}`, undefined);
    assert.deepEqual(await newEntries(), [], 'with no agent there is nobody to write an entry');
    await assertVerified();
  });

  test('no secret appeared on any stderr, in the agent log, the audit log or the vault file', async () => {
    stderrs.push({ what: 'agent', text: agent.stderr() });
    for (const { what, text } of stderrs)
      assert.deepEqual(findSecrets(text, SECRETS), [], `${what} printed a secret on stderr`);
    assert.ok(stderrs.length > 30, 'every run was collected');
    const audit = await sandbox.trayCred(['audit', '--json', '--limit', '100000']);
    assert.deepEqual(findSecrets(audit.stdout, SECRETS), []);
    assert.deepEqual(
      findSecrets(await readFile(join(sandbox.home, 'vault.json'), 'utf8'), SECRETS),
      [],
      'the vault is encrypted',
    );
    assert.deepEqual(
      findSecrets(await readFile(approverLog, 'utf8'), SECRETS),
      [],
      'the approver is told who asks, never the keys',
    );
    assert.match(agent.stderr(), /^tray-cred agent \d+: listening on /);
  });
});

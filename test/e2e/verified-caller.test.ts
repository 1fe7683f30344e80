/**
 * The caller as the kernel names it, with the real clients: the agent reads the helper's pid and
 * uid from SO_PEERCRED, walks /proc up from it, and records as the requesting program the first
 * process that is not the helper or a shell running `sh -c`. Each client's audit entry must name
 * the real program (the AWS CLI's Python running /usr/bin/aws, this test's python3, this test's
 * node), never `sh`. A raw client's forged claim is kept beside the verified truth, and a client
 * running as another user (`nobody`) is refused with FORBIDDEN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chmod, writeFile } from 'node:fs/promises';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fromIni, fromProcess } from '@aws-sdk/credential-providers';
import type { VerifiedCaller } from '../../common/caller.ts';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  PYTHON,
  auditEntries,
  credentialsFile,
  makeSandbox,
  run,
  startAgent,
  writeAwsConfig,
  type Agent,
  type Sandbox,
} from './support.ts';

const PYTHON_EXE = realpathSync(PYTHON);
const NODE_EXE = realpathSync(process.execPath);

let sandbox: Sandbox;
let agent: Agent;
let seen = 0;

/** The access entries written since the last call. */
async function newAccesses(): Promise<AuditEntry[]> {
  const all = await auditEntries(sandbox);
  const fresh = all.filter((e) => e.seq > seen && e.event === 'access');
  seen = all.at(-1)?.seq ?? seen;
  return fresh;
}

/** The one access entry a client's request wrote, with its verified caller. */
async function onlyAccess(what: string): Promise<AuditEntry & { verified: VerifiedCaller }> {
  const entries = await newAccesses();
  assert.equal(entries.length, 1, `${what}: one access entry, got ${JSON.stringify(entries)}`);
  const [entry] = entries as [AuditEntry];
  assert.ok(entry.verified, `${what}: the entry has a verified caller`);
  assert.equal(entry.verified.method, 'SO_PEERCRED');
  assert.equal(entry.verified.peer.uid, process.getuid!());
  assert.equal(entry.verified.incomplete, undefined, `${what}: nothing was left unverified`);
  assert.doesNotMatch(entry.verified.requester.exe, /\/(sh|dash|bash)$/, `${what}: the requester is never a shell`);
  return entry as AuditEntry & { verified: VerifiedCaller };
}

/** A raw client: one request line over the socket from Python, with whatever claim it likes; prints the response line. */
const RAW_CLIENT = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\\n").encode())
print(s.makefile().readline().strip())
`;

describe('the caller as the kernel names it', { concurrency: false }, () => {
  before(async () => {
    sandbox = await makeSandbox();
    assert.equal((await sandbox.trayCred(['init'])).status, 0);
    const file = join(sandbox.root, 'credentials');
    await writeFile(file, credentialsFile({ dev: DEV_KEYS }));
    const imported = await sandbox.trayCred(['import', file]);
    assert.equal(imported.status, 0, imported.stderr);
    const policy = await sandbox.trayCred(['policy', 'dev', 'allow']);
    assert.equal(policy.status, 0, policy.stderr);
    await writeAwsConfig(sandbox, ['dev']);
    agent = await startAgent(sandbox);
    await newAccesses();
  });

  after(async () => {
    await agent?.stop();
    await sandbox?.cleanup();
  });

  test('the AWS CLI v2: its Python running /usr/bin/aws, not the helper', async () => {
    const r = await run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'dev'], {
      env: sandbox.env,
      cwd: sandbox.root,
    });
    assert.equal(r.status, 0, r.stderr);
    const { verified } = await onlyAccess('aws');
    assert.equal(verified.requester.exe, PYTHON_EXE);
    assert.deepEqual(verified.requester.argv.slice(1), [
      AWS_CLI,
      'configure',
      'export-credentials',
      '--profile',
      'dev',
    ]);
    assert.equal(verified.requester.cwd, sandbox.root);
    assert.match(verified.requester.startTime, /^\d+$/);
    // The helper is the peer, one level below: node running the bundle.
    assert.notEqual(verified.peer.pid, verified.requester.pid);
    assert.equal(verified.ancestry[0]?.pid, process.pid, 'the test process started the CLI');
  });

  test("boto3 from /usr/bin/python3: the test's python3", async () => {
    const script =
      "import boto3,sys; boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials(); print('boto3 done')";
    const r = await run(PYTHON, ['-c', script], { env: sandbox.env, cwd: sandbox.root });
    assert.equal(r.status, 0, r.stderr);
    const { verified } = await onlyAccess('boto3');
    assert.equal(verified.requester.exe, PYTHON_EXE);
    assert.deepEqual(verified.requester.argv, [PYTHON, '-c', script]);
    assert.equal(verified.requester.cwd, sandbox.root);
  });

  for (const [name, provider] of [
    [
      'fromProcess',
      () =>
        fromProcess({
          profile: 'dev',
          configFilepath: sandbox.awsConfig,
          filepath: sandbox.awsCredentials,
          ignoreCache: true,
        }),
    ],
    [
      'fromIni',
      () =>
        fromIni({
          profile: 'dev',
          configFilepath: sandbox.awsConfig,
          filepath: sandbox.awsCredentials,
          ignoreCache: true,
        }),
    ],
  ] as const) {
    test(`the JS SDK v3 ${name} (through /bin/sh -c): this test's node, not sh`, async () => {
      // The SDK runs credential_process with this process's environment.
      const saved = { PATH: process.env.PATH, TRAY_CRED_SOCKET: process.env.TRAY_CRED_SOCKET };
      process.env.PATH = sandbox.env.PATH;
      process.env.TRAY_CRED_SOCKET = sandbox.socket;
      try {
        const creds = await provider()();
        assert.equal(creds.accessKeyId, DEV_KEYS.accessKeyId);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const entry = await onlyAccess(name);
      const { verified } = entry;
      assert.equal(verified.requester.pid, process.pid);
      assert.equal(verified.requester.exe, NODE_EXE);
      assert.deepEqual(verified.requester.argv, readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1));
      assert.equal(verified.requester.cwd, process.cwd());
      // What the helper claims is its parent: the shell the SDK started, which the verified caller skips.
      assert.match(entry.caller?.command ?? '', /^\/bin\/sh -c tray-cred-helper dev$/);
    });
  }

  test('a child started with `sh -c`: the program the shell runs, with the shell among its ancestors', async () => {
    // `; true` keeps the shell alive as the parent instead of exec-ing the command in its place.
    const line = `${PYTHON} -c "import boto3; boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()"; true`;
    const r = await run('/bin/sh', ['-c', line], { env: sandbox.env, cwd: sandbox.root });
    assert.equal(r.status, 0, r.stderr);
    const { verified } = await onlyAccess('sh -c');
    assert.equal(verified.requester.exe, PYTHON_EXE);
    assert.equal(verified.requester.argv[0], PYTHON);
    assert.match(verified.ancestry[0]?.exe ?? '', /\/(dash|bash|sh)$/, 'the shell is recorded as an ancestor');
    assert.equal(verified.ancestry[1]?.pid, process.pid);
  });

  test('a forged claim is recorded as claimed, beside the verified truth', async () => {
    const forged = {
      pid: 1,
      ppid: 0,
      command: '/usr/local/bin/terraform apply',
      argv: ['/usr/local/bin/terraform', 'apply'],
      cwd: '/srv/infra',
    };
    const request = JSON.stringify({ v: 1, id: 'forged-1', op: 'credentials', profile: 'dev', caller: forged });
    const r = await run(PYTHON, ['-c', RAW_CLIENT, sandbox.socket, request, 'raw-client-marker'], {
      env: sandbox.env,
      cwd: sandbox.root,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true, 'same user: served');
    const entry = await onlyAccess('forged');
    assert.deepEqual(entry.caller, forged, 'the claim is kept as it was sent (nothing in it to redact)');
    assert.equal(entry.verified.requester.exe, PYTHON_EXE);
    assert.equal(entry.verified.requester.argv.at(-1), 'raw-client-marker');
    assert.equal(entry.verified.requester.pid, entry.verified.peer.pid, 'a raw client is its own requester');
    const text = await sandbox.trayCred(['audit', '--limit', '1']);
    assert.match(text.stdout, /raw-client-marker/);
    assert.match(text.stdout, /claimed: \/usr\/local\/bin\/terraform apply/);
  });

  test('a client running as another user (nobody) is refused: FORBIDDEN, audited, no credentials', async () => {
    // The socket's directory is private; open it to everyone as a mistake or a hostile set-up would, so only the kernel check is left.
    await chmod(sandbox.root, 0o711);
    await chmod(join(sandbox.root, 's'), 0o711);
    await chmod(sandbox.socket, 0o666);
    const request = JSON.stringify({
      v: 1,
      id: 'nobody-1',
      op: 'credentials',
      profile: 'dev',
      caller: { pid: process.pid, ppid: 1, command: 'aws s3 ls', cwd: '/' },
    });
    const r = await run(
      '/usr/bin/setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', PYTHON, '-c', RAW_CLIENT, sandbox.socket, request],
      { env: { PATH: '/usr/bin:/bin' }, cwd: '/' },
    );
    assert.equal(r.status, 0, r.stderr);
    const response = JSON.parse(r.stdout) as {
      ok: boolean;
      error?: { code: string; message: string };
      result?: unknown;
    };
    assert.equal(response.ok, false);
    assert.equal(response.error?.code, 'FORBIDDEN');
    assert.match(response.error?.message ?? '', /runs as uid 65534, not as the agent's uid 0/);
    assert.equal(response.result, undefined);
    assert.doesNotMatch(r.stdout, new RegExp(DEV_KEYS.secretAccessKey.replace(/[+/]/g, '.')));
    const entries = await newAccesses();
    assert.equal(entries.length, 1);
    const [entry] = entries as [AuditEntry];
    assert.equal(entry.decision, 'denied');
    assert.equal(entry.profile, 'dev');
    assert.equal(entry.verified?.peer.uid, 65534);
    assert.equal(entry.verified?.requester.exe, PYTHON_EXE);
    assert.equal(entry.served, undefined);
    assert.match(agent.stderr(), /refused a credentials request: the connecting process \(pid \d+\) runs as uid 65534/);
  });
});

/**
 * Headless approvals as a terminal user meets them: the wait when nobody can be asked yet (said
 * on the requester's terminal), the refusal when the approver command cannot run (both in the agent's log too), and `tray-cred
 * approve` answering in a pseudo-terminal (`script`), y/n/scope and an MFA code.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { parseApprovalsResult, type WirePrompt } from '../../helper/approval-wire.ts';
import { sendRequest } from '../../helper/client.ts';
import { PROTOCOL_VERSION, type Request, type StatusResult } from '../../helper/wire.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { HELPER, TRAY_CRED, auditEntries, credentialsFile, run, testSandbox, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

async function prepare(t: TestContext): Promise<Awaited<ReturnType<typeof testSandbox>>> {
  const box = await testSandbox(t);
  const { sandbox } = box;
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const file = join(sandbox.root, 'credentials');
  await writeFile(file, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }));
  assert.equal((await sandbox.trayCred(['import', file])).status, 0);
  // Stored keys, no STS: this file is about who answers, not what is minted (sts.test.ts and clients-refresh.test.ts mint).
  assert.equal((await sandbox.trayCred(['sts', 'prod', '--session-mode', 'off'])).status, 0);
  return box;
}

const helper = (sandbox: Sandbox) => run(HELPER, ['prod'], { env: sandbox.env, killAfterMs: 60_000 });

/** `tray-cred approve` under a pseudo-terminal; `type` writes a line as typed once `when` shows on the terminal. */
function terminalApprover(sandbox: Sandbox, args: string[]) {
  const child = spawnGroup('script', ['-qec', [TRAY_CRED, 'approve', ...args].join(' '), '/dev/null'], {
    env: sandbox.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    screen += c.toString('utf8').replace(/\r/g, '');
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const until = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(screen)) {
      const more = new Promise<void>((r) => waiters.push(r));
      if (
        (await Promise.race([more.then(() => 'more'), exited.then(() => 'exit')])) === 'exit' &&
        !pattern.test(screen)
      )
        throw new Error(`approve exited before showing ${pattern}:\n${screen}`);
    }
  };
  return {
    until,
    async type(when: RegExp, line: string) {
      await until(when);
      child.stdin!.write(`${line}\n`);
    },
    screen: () => screen,
    exited,
    kill: () => killGroup(child.pid),
  };
}

/**
 * The helper under a pseudo-terminal (`script`), its stdout and stderr to files: what shows on the
 * screen is only what it wrote to /dev/tty, the requester's terminal.
 */
function helperOnTerminal(sandbox: Sandbox, profile: string) {
  const out = join(sandbox.root, 'helper.out');
  const err = join(sandbox.root, 'helper.err');
  const child = spawnGroup('script', ['-qec', `${HELPER} ${profile} >${out} 2>${err}`, '/dev/null'], {
    env: sandbox.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout!.on('data', (c: Buffer) => (screen += c.toString('utf8').replace(/\r/g, '')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    screen: () => screen,
    async until(pattern: RegExp): Promise<void> {
      for (const end = Date.now() + 30_000; !pattern.test(screen); ) {
        if (Date.now() > end) throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async done(): Promise<{ status: number | null; stdout: string; stderr: string }> {
      const status = await exited;
      return { status, stdout: await readFile(out, 'utf8'), stderr: await readFile(err, 'utf8') };
    },
    kill: () => killGroup(child.pid),
  };
}

test("no approver: a request waits for `tray-cred approve`, says so on the requester's terminal (never stderr), status says nothing can approve, and the approval serves it", {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent();
  assert.match(agent.stderr(), /no --approver: `ask` requests wait up to 50 s for `tray-cred approve`/);
  assert.doesNotMatch(agent.stderr(), /Ctrl-C/, 'not a terminal: the log does not say Ctrl-C stops it');
  const before = await sandbox.trayCred(['status']);
  assert.match(before.stdout, /warning: "prod" asks for approval, and nothing can approve: .*`tray-cred approve`/);
  const waiting = helperOnTerminal(sandbox, 'prod');
  t.after(() => waiting.kill());
  await waiting.until(
    /tray-cred: "prod" waits for an approval, and no approver is connected: run `tray-cred approve` in another terminal within \d+ s\n/,
  );
  assert.match(agent.stderr(), /"prod" waits for an approval, and no approver is connected/);
  const status = JSON.parse((await sandbox.trayCred(['status', '--json'])).stdout) as StatusResult;
  assert.equal(status.pending, 1);
  assert.equal(status.approver, 'nobody');
  assert.deepEqual(status.askProfiles, ['prod']);

  const approve = terminalApprover(sandbox, ['--once']);
  t.after(() => approve.kill());
  await approve.type(/\[n\] deny: /, 'y');
  const r = await waiting.done();
  assert.equal(r.status, 0, `${r.stderr}\n${waiting.screen()}`);
  assert.equal((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
  assert.equal(r.stderr, '', 'stderr keeps only a final line, and there is none');
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'approved');
  assert.match(access?.reason ?? '', /^waited \d+ s for an approver to connect$/);
});

test('no approver and none connects: refused at the deadline with one stderr line naming the fix; audited as waited, then timed out', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent(['--approval-timeout', '5']);
  const started = Date.now();
  const r = await helper(sandbox);
  assert.ok(Date.now() - started >= 4_500, 'it waited, not refused at once');
  assert.equal(r.status, EXIT_STATUS.TIMEOUT, r.stderr);
  assert.equal(
    r.stderr,
    'tray-cred-helper: nobody could approve access to "prod": no approver connected within 5 s, so it was refused: run `tray-cred approve` in another terminal and retry (or start the agent with --approver <command>)\n',
  );
  assert.match(agent.stderr(), /refused "prod": no approver connected within 5 s/);
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'timeout');
  assert.match(access?.reason ?? '', /^waited \d s for an approver to connect; none did$/);
});

test('approvalTimeoutSeconds changed while the agent runs applies to the next prompt; --approval-timeout still overrides it', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent();
  assert.match(agent.stderr(), /wait up to 50 s/);
  assert.equal((await sandbox.trayCred(['settings', 'approvalTimeoutSeconds', '5'])).status, 0);
  const started = Date.now();
  const r = await helper(sandbox);
  assert.ok(Date.now() - started < 30_000, 'not the 50 s read at start');
  assert.equal(r.status, EXIT_STATUS.TIMEOUT, r.stderr);
  assert.match(r.stderr, /no approver connected within 5 s/);
  await agent.stop();

  const pinned = await startAgent(['--approval-timeout', '6']);
  assert.match(pinned.stderr(), /wait up to 6 s/);
  const again = await helper(sandbox);
  assert.match(again.stderr, /no approver connected within 6 s/, 'the flag, not the setting (5 s)');
});

test('exec, on a profile that serves its long-term key, is refused before any prompt: nothing asked, recorded as denied', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const asked = join(sandbox.root, 'asked');
  await startAgent(['--approver', `touch ${asked}`]);
  const r = await sandbox.trayCred(['exec', 'prod', '--', 'true']);
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /serves its long-term key, which exec, export and serve hand out only with --long-term-key/);
  await assert.rejects(readFile(asked), 'the approver was never run');
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'denied');
  assert.match(access?.reason ?? '', /long-term key/);
});

test('an approver command that cannot run: "approver failed to run: <reason>", in the client and the agent log', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent(['--approver', '/nonexistent/approve-prod']);
  const r = await helper(sandbox);
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /approver failed to run: `\/nonexistent\/approve-prod`: the command was not found/);
  assert.doesNotMatch(r.stderr, /denied at the prompt/);
  assert.match(agent.stderr(), /approver failed to run/);
});

test('`tray-cred approve` in a pseudo-terminal lists the waiting request, the requesting program verified, and its answer serves it', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  await startAgent();
  const approve = terminalApprover(sandbox, ['--once']);
  t.after(() => approve.kill());
  await approve.until(/waiting for requests/);
  const served = helper(sandbox);
  await approve.type(/\[n\] deny: /, 'y');
  const r = await served;
  assert.equal(r.status, 0, `${r.stderr}\n${approve.screen()}`);
  assert.equal((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
  assert.equal(await approve.exited, 0, approve.screen());
  const screen = approve.screen();
  assert.match(screen, /Allow "prod"\? \(\d+ s left\)/);
  assert.match(screen, /requested by \(verified\): \S+ pid \d+/);
  assert.doesNotMatch(screen, /not verified/);
  assert.match(
    screen,
    /\[y\] allow once, \[r\] this run \(this program instance, \d+ min at most\), \[n\] deny: /,
    'a verified requester may be granted its run',
  );
  assert.match(screen, /Allowed: allow once\./);
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'approved');
  assert.deepEqual(access?.approval, { scope: 'once', grant: access?.requestId });
});

test('`tray-cred approve` answering n denies, racing an approver command that has not answered: the first answer wins; status lists who waits', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  // An approver command that never answers by itself: the terminal's answer comes first.
  await startAgent(['--approver', 'sleep 40']);
  const approve = terminalApprover(sandbox, ['--once']);
  t.after(() => approve.kill());
  await approve.until(/waiting for requests/);
  const denied = helper(sandbox);
  await approve.until(/\[n\] deny: /);
  const status = await sandbox.trayCred(['status']);
  assert.match(
    status.stdout,
    /1 approval\(s\) waiting \(answer with `tray-cred approve`\)\n {2}waiting: "prod" for .* \(pid \d+, verified\) in /,
  );
  await approve.type(/\[n\] deny: /, 'n');
  const r = await denied;
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /denied at the prompt/);
  assert.match(approve.screen(), /Denied\./);
});

test('refresh-aware issuance: --duration under an hour is refused unless --short-session, which says why; list warns of keys ending within 15 minutes', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox } = await prepare(t);
  const refused = await sandbox.trayCred(['sts', 'prod', '--session-mode', 'on', '--duration', '900']);
  assert.equal(refused.status, EXIT_STATUS.USAGE, refused.stderr);
  assert.match(
    refused.stderr,
    /--duration 900: a 900 s session leaves SDKs too little to cache: botocore runs the helper again whenever fewer than 15 minutes are left .* pass --short-session/,
  );
  const role = await sandbox.trayCred([
    'role',
    'ops',
    '--role-arn',
    'arn:aws:iam::123456789012:role/ops',
    '--source-profile',
    'dev',
    '--duration',
    '1800',
  ]);
  assert.equal(role.status, EXIT_STATUS.USAGE, role.stderr);
  const short = await sandbox.trayCred(['sts', 'prod', '--session-mode', 'on', '--duration', '900', '--short-session']);
  assert.equal(short.status, 0, short.stderr);
  assert.match(short.stderr, /warning: a 900 s session .* every call mints a new session and asks again/);
  assert.equal((await sandbox.trayCred(['sts', 'prod', '--duration', '3600'])).status, 0);

  const soon = new Date(Date.now() + 12 * 60_000).toISOString();
  const added = await sandbox.trayCred(
    ['add', 'sess', '--access-key-id', 'ASIAIOSFODNN7EXAMPLE', '--expiration', soon],
    'secret/abc\ntoken-abc\n',
  );
  assert.equal(added.status, 0, added.stderr);
  const later = new Date(Date.now() + 50 * 60_000).toISOString();
  assert.equal(
    (
      await sandbox.trayCred(
        ['add', 'later', '--access-key-id', 'ASIAIOSFODNN7EXAMPL2', '--expiration', later],
        'secret/abc\ntoken-abc\n',
      )
    ).status,
    0,
  );
  const list = await sandbox.trayCred(['list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stderr, /warning: "sess" expires in 1[12] min: SDKs refresh within the last 15 minutes/);
  assert.doesNotMatch(list.stderr, /"later"|"dev"|"prod"/, 'only what ends within 15 minutes');
});

test('`tray-cred approve` asks for the MFA code a session profile needs, refuses a malformed one, and STS gets the code typed', {
  timeout: 120_000,
}, async (t) => {
  const sts = new StsStandIn();
  await sts.start();
  t.after(() => sts.stop());
  const prod = sts.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey);
  sts.addMfaDevice('arn:aws:iam::123456789012:mfa/ann', prod, '402193');
  const { sandbox, startAgent } = await prepare(t);
  assert.equal(
    (
      await sandbox.trayCred([
        'sts',
        'prod',
        '--session-mode',
        'on',
        '--mfa-serial',
        'arn:aws:iam::123456789012:mfa/ann',
      ])
    ).status,
    0,
  );
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  await startAgent();
  const approve = terminalApprover(sandbox, ['--once']);
  t.after(() => approve.kill());
  await approve.until(/waiting for requests/);
  const served = helper(sandbox);
  await approve.type(/\[n\] deny: /, 'y');
  await approve.type(/MFA code for arn:aws:iam::123456789012:mfa\/ann: /, '12ab');
  await approve.type(/an MFA code is six digits/, '402193');
  const r = await served;
  assert.equal(r.status, 0, `${r.stderr}\n${approve.screen()}`);
  assert.match((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, /^ASIA/);
  assert.deepEqual(
    sts.requests.map((x) => [x.action, x.params.TokenCode]),
    [['GetSessionToken', '402193']],
  );
  assert.match(approve.screen(), /needs a code from MFA device arn:aws:iam::123456789012:mfa\/ann/);
  assert.ok(!JSON.stringify(await auditEntries(sandbox)).includes('402193'), 'the code is not recorded');
});

test('--approval-timeout: the deadline the agent keeps, refused outside 5-600 s, and a time-out that suggests no weaker policy', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const bad = await sandbox.trayCred(['agent', '--approval-timeout', '2']);
  assert.equal(bad.status, EXIT_STATUS.USAGE);
  assert.match(bad.stderr, /--approval-timeout takes whole seconds from 5 to 600, not "2"/);
  await startAgent(['--approver', 'sleep 40', '--approval-timeout', '5']);
  const r = await helper(sandbox);
  assert.equal(r.status, EXIT_STATUS.TIMEOUT, r.stderr);
  assert.match(
    r.stderr,
    /nobody approved access to "prod" within 5 s, so it was denied: retry and answer the prompt in time/,
  );
  assert.doesNotMatch(r.stderr, /policy|allow`/);
});

// The same attack twice: on a prompt an approver command holds open, and on one that waits for an
// approver to connect (no --approver), where the accomplice is the first to connect.
for (const [waiting, agentArgs] of [
  ['an approver command has it', ['--approver', 'sleep 40']],
  ['it waits for an approver to connect', []],
] as const) {
  test(`the program that asked cannot answer its own prompt over the socket (${waiting}): an allow is FORBIDDEN, said in the agent log, and the prompt still waits`, {
    timeout: 120_000,
  }, async (t) => {
    const { sandbox, startAgent } = await prepare(t);
    // An approver command that never answers by itself, or none at all, so the prompt stays open for the attack.
    const agent = await startAgent([...agentArgs]);
    const asked = helper(sandbox);
    // This test process, with no terminal between it and the agent, plays the asking program's accomplice:
    // it lists the waiting prompt and answers it, as a hostile dependency of the asking program could.
    let prompts: WirePrompt[] = [];
    while (prompts.length === 0) {
      const listed = await sendRequest(
        sandbox.socket,
        { v: PROTOCOL_VERSION, id: 'list', op: 'approvals', wait: 5000 } as Request,
        10_000,
      );
      assert.ok(listed.ok, JSON.stringify(listed));
      prompts = parseApprovalsResult(listed.result) ?? [];
    }
    const forged = await sendRequest(
      sandbox.socket,
      { v: PROTOCOL_VERSION, id: 'yes', op: 'approve', prompt: prompts[0]!.ref, allow: true, scope: 'once' } as Request,
      10_000,
    );
    assert.equal(forged.ok, false);
    assert.equal(!forged.ok && forged.error.code, 'FORBIDDEN');
    assert.match(!forged.ok ? forged.error.message : '', /only from a terminal|cannot answer its own prompt/);
    assert.match(agent.stderr(), /refused an answer to the prompt for "prod"/);
    const status = await sandbox.trayCred(['status']);
    assert.match(status.stdout, /1 approval\(s\) waiting/, 'the prompt is still open for a person');
    // A deny needs no terminal: anyone of the user's may refuse.
    const no = await sendRequest(
      sandbox.socket,
      { v: PROTOCOL_VERSION, id: 'no', op: 'approve', prompt: prompts[0]!.ref, allow: false } as Request,
      10_000,
    );
    assert.ok(no.ok, JSON.stringify(no));
    const r = await asked;
    assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
    assert.equal(JSON.stringify(await auditEntries(sandbox)).includes(PROD_KEYS.secretAccessKey), false);
  });
}

/**
 * Headless approvals as a terminal user meets them: the refusal when nobody can be asked, the
 * refusal when the approver command cannot run (both in the agent's log too), and `tray-cred
 * approve` answering in a pseudo-terminal (`script`), y/n/scope and an MFA code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/world.ts';
import { HELPER, TRAY_CRED, auditEntries, credentialsFile, run, testSandbox, type Sandbox } from './support.ts';

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
  const child = spawn('script', ['-qec', [TRAY_CRED, 'approve', ...args].join(' '), '/dev/null'], { env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (c: Buffer) => {
    screen += c.toString('utf8').replace(/\r/g, '');
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const until = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(screen)) {
      const more = new Promise<void>((r) => waiters.push(r));
      if ((await Promise.race([more.then(() => 'more'), exited.then(() => 'exit')])) === 'exit' && !pattern.test(screen)) throw new Error(`approve exited before showing ${pattern}:\n${screen}`);
    }
  };
  return {
    until,
    async type(when: RegExp, line: string) {
      await until(when);
      child.stdin.write(`${line}\n`);
    },
    screen: () => screen,
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}

test('no approver configured: the refusal says so at once, in the client and in the agent log, and suggests no weaker policy', { timeout: 120_000 }, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent();
  const r = await helper(sandbox);
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /no approver configured: start the agent with --approver <command> or answer with `tray-cred approve`/);
  assert.doesNotMatch(r.stderr, /denied at the prompt|policy \S+ allow/);
  assert.match(agent.stderr(), /refused "prod": no approver configured/);
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.match(access?.reason ?? '', /^no approver configured/);
});

test('an approver command that cannot run: "approver failed to run: <reason>", in the client and the agent log', { timeout: 120_000 }, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  const agent = await startAgent(['--approver', '/nonexistent/approve-prod']);
  const r = await helper(sandbox);
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /approver failed to run: `\/nonexistent\/approve-prod`: the command was not found/);
  assert.doesNotMatch(r.stderr, /denied at the prompt/);
  assert.match(agent.stderr(), /approver failed to run/);
});

test('`tray-cred approve` in a pseudo-terminal lists the waiting request, labelled claimed, and its answer serves it', { timeout: 120_000 }, async (t) => {
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
  assert.match(screen, /the helper claims \(not verified\): .* pid \d+ in /);
  assert.match(screen, /\[y\] allow once, \[n\] deny: /, 'without verification only once is offered');
  assert.match(screen, /Allowed: allow once\./);
  const access = (await auditEntries(sandbox)).filter((e) => e.event === 'access').at(-1);
  assert.equal(access?.decision, 'approved');
  assert.deepEqual(access?.approval, { scope: 'once', grant: access?.requestId });
});

test('`tray-cred approve` answering n denies; a second terminal approver races the approver command and the first answer wins', { timeout: 120_000 }, async (t) => {
  const { sandbox, startAgent } = await prepare(t);
  // An approver command that never answers by itself: the terminal's answer comes first.
  await startAgent(['--approver', 'sleep 40']);
  const approve = terminalApprover(sandbox, ['--once']);
  t.after(() => approve.kill());
  await approve.until(/waiting for requests/);
  const denied = helper(sandbox);
  await approve.type(/\[n\] deny: /, 'n');
  const r = await denied;
  assert.equal(r.status, EXIT_STATUS.DENIED, r.stderr);
  assert.match(r.stderr, /denied at the prompt/);
  assert.match(approve.screen(), /Denied\./);
});

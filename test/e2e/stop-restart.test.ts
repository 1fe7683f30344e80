/**
 * `tray-cred stop` and `tray-cred restart`: with no agent (each says so), with an agent that runs
 * on its own (stopped by SIGTERM, started again in the background with its own options), and with
 * the agent under its service manager. systemd does not run here: `systemctl` on PATH is a stand-in
 * that answers as systemd's user manager documents (is-system-running, is-active) and logs what it
 * is asked; its `stop` stops the socket-activated agent, as stopping both units does.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { parseStatusResult } from '../../helper/wire.ts';
import { ROOT, TRAY_CRED, auditEntries, run, testSandbox, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

async function vaultWithDev(sandbox: Sandbox): Promise<void> {
  assert.equal((await sandbox.trayCred(['init'])).status, 0);
  const add = await sandbox.trayCred(
    ['add', 'dev', '--access-key-id', DEV_KEYS.accessKeyId],
    `${DEV_KEYS.secretAccessKey}\n`,
  );
  assert.equal(add.status, 0, add.stderr);
}

/** A `systemctl` stand-in first on PATH: `manager` is what is-system-running prints; `onStop` runs for `stop`. */
async function fakeSystemctl(
  sandbox: Sandbox,
  manager: string,
  onStop = '',
): Promise<{ env: NodeJS.ProcessEnv; log: string }> {
  const bin = join(sandbox.root, 'fake-bin');
  const log = join(sandbox.root, 'systemctl.log');
  const active = join(sandbox.root, 'socket-active');
  await mkdir(bin, { recursive: true });
  await writeFile(
    join(bin, 'systemctl'),
    `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  "--user is-system-running") echo '${manager}'; [ '${manager}' = running ] ;;
  "--user is-active tray-cred-agent.socket") if [ -e '${active}' ]; then echo active; else echo inactive; exit 3; fi ;;
  "--user is-active tray-cred-agent.service") echo inactive; exit 3 ;;
  "--user stop tray-cred-agent.socket tray-cred-agent.service") ${onStop} rm -f '${active}' ;;
  "--user restart tray-cred-agent.socket tray-cred-agent.service") touch '${active}' ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`,
  );
  await chmod(join(bin, 'systemctl'), 0o755);
  if (manager === 'running') await writeFile(active, '');
  return { env: { ...sandbox.env, PATH: `${bin}:${sandbox.env.PATH}` }, log };
}

async function agentPid(sandbox: Sandbox, env: NodeJS.ProcessEnv): Promise<number | null> {
  const r = await run(TRAY_CRED, ['status', '--json'], { env });
  return r.status === 0 ? parseStatusResult(JSON.parse(r.stdout)).agentPid : null;
}

test('without a service: stop and restart say when no agent runs; restart keeps the options; stop stops it', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  await vaultWithDev(sandbox);
  // As a machine without a user manager answers.
  const { env, log } = await fakeSystemctl(sandbox, 'offline');
  const tc = (args: string[]) => run(TRAY_CRED, args, { env });

  let r = await tc(['stop']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `No tray-cred agent answers on ${sandbox.socket}: nothing to stop.\n`);
  r = await tc(['restart']);
  assert.equal(r.status, EXIT_STATUS.NOT_RUNNING);
  assert.match(
    r.stderr,
    /no tray-cred agent answers on .*, so there is nothing to restart: start one with `tray-cred agent`/,
  );

  const first = await startAgent(['--approver', 'false']);
  r = await tc(['restart']);
  assert.equal(r.status, 0, r.stderr);
  const second = await agentPid(sandbox, env);
  t.after(() => {
    if (second !== null) killGroup(second);
  });
  assert.ok(second !== null && second !== first.pid, r.stdout);
  assert.equal(
    r.stdout,
    `Restarted the tray-cred agent: pid ${second} (was ${first.pid}), log ${join(sandbox.home, 'agent.log')}.\n`,
  );
  assert.equal((await first.stop()).code, 0, 'the first agent stopped on SIGTERM, by itself');
  const status = parseStatusResult(JSON.parse((await tc(['status', '--json'])).stdout));
  assert.equal(status.approver, 'command', 'started again with its own --approver');
  const agentLog = await readFile(join(sandbox.home, 'agent.log'), 'utf8');
  assert.match(agentLog, /`tray-cred stop` stops it\./);
  assert.doesNotMatch(agentLog, /Ctrl-C/);

  r = await tc(['stop']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Stopped the tray-cred agent (pid ${second}); start it again with \`tray-cred restart\` or \`tray-cred agent\`.\n`,
  );
  assert.equal(await agentPid(sandbox, env), null);
  const events = (await auditEntries(sandbox)).filter((e) => e.event === 'agent-stop').map((e) => e.reason);
  assert.deepEqual(events, ['SIGTERM', 'SIGTERM'], 'each stop recorded by the agent itself');
  assert.doesNotMatch(await readFile(log, 'utf8'), /stop|restart/, 'no service manager was asked to stop anything');
});

test('under the service manager: stop and restart go through systemctl, which stops the socket-activated agent', {
  timeout: 120_000,
}, async (t) => {
  const { sandbox } = await testSandbox(t);
  await vaultWithDev(sandbox);
  await mkdir(dirname(sandbox.socket), { mode: 0o700, recursive: true });
  const pass = Object.keys(sandbox.env).flatMap((name) => ['-E', name]);
  const script = join(ROOT, 'dist', 'tray-cred.mjs');
  const child = spawnGroup(
    '/usr/bin/systemd-socket-activate',
    [...pass, '-l', sandbox.socket, process.execPath, script, 'agent'],
    { env: sandbox.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => {
    killGroup(child.pid);
    await exited;
  });
  for (let i = 0; i < 300 && !/Listening on/.test(stderr); i += 1) await new Promise((r) => setTimeout(r, 50));
  const { env, log } = await fakeSystemctl(sandbox, 'running', `kill ${child.pid};`);
  assert.ok((await agentPid(sandbox, env)) !== null, `the socket-activated agent answers: ${stderr}`);

  let r = await run(TRAY_CRED, ['restart'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    'ran: systemctl --user restart tray-cred-agent.socket tray-cred-agent.service\nRestarted the tray-cred service.\n',
  );
  r = await run(TRAY_CRED, ['stop'], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    'ran: systemctl --user stop tray-cred-agent.socket tray-cred-agent.service\nStopped the tray-cred service; it starts again at your next login, or now with `tray-cred restart`.\n',
  );
  await exited;
  assert.equal(await agentPid(sandbox, env), null, 'stopping the units stopped the agent');
  assert.match(await readFile(log, 'utf8'), /--user stop tray-cred-agent\.socket tray-cred-agent\.service/);
});

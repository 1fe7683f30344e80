/**
 * The agent as a service: started by socket activation (systemd-socket-activate, the same fd-3
 * protocol a systemd user manager uses, with no systemd running), serving the real helper,
 * exiting when idle, and what it does when its socket file is deleted. Also the fresh-machine
 * bug: `tray-cred agent` before `init` must leave a data directory `init` accepts.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEV_KEYS } from '../fakes/keys.ts';
import { HELPER, PYTHON, ROOT, auditEntries, run, testSandbox, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

const ACTIVATE = '/usr/bin/systemd-socket-activate';
const SCRIPT = join(ROOT, 'dist', 'tray-cred.mjs');

async function vaultWithDev(sandbox: Sandbox): Promise<void> {
  for (const [args, input] of [
    [['init'], undefined],
    [['add', 'dev', '--access-key-id', DEV_KEYS.accessKeyId], `${DEV_KEYS.secretAccessKey}\n`],
  ] as const) {
    const r = await sandbox.trayCred(args, input);
    assert.equal(r.status, 0, r.stderr);
  }
}

interface Activated {
  stderr(): string;
  exited: Promise<number | null>;
}

/** `systemd-socket-activate -l <socket> node dist/tray-cred.mjs agent ...`: it creates the socket and execs the agent on the first connection. */
async function activate(t: TestContext, sandbox: Sandbox, args: readonly string[]): Promise<Activated> {
  // What the socket unit's DirectoryMode=0700 does; systemd-socket-activate leaves it to the umask.
  await mkdir(dirname(sandbox.socket), { mode: 0o700, recursive: true });
  const pass = Object.keys(sandbox.env).flatMap((name) => ['-E', name]);
  const child = spawnGroup(ACTIVATE, [...pass, '-l', sandbox.socket, process.execPath, SCRIPT, 'agent', ...args], {
    env: sandbox.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => {
    child.kill('SIGTERM');
    const guard = setTimeout(() => killGroup(child.pid), 15_000);
    await exited;
    clearTimeout(guard);
  });
  for (let i = 0; i < 300 && !/Listening on/.test(stderr); i += 1) await new Promise((r) => setTimeout(r, 50));
  assert.match(stderr, /Listening on/, 'systemd-socket-activate did not open the socket');
  return { stderr: () => stderr, exited };
}

function helper(sandbox: Sandbox): ReturnType<typeof run> {
  return run(HELPER, ['dev'], { env: sandbox.env, killAfterMs: 60_000 });
}

async function until(what: string, check: () => boolean, log: () => string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen within ${ms / 1000} s; the agent said:\n${log()}`);
}

test('socket activation: the first request starts the agent, which serves it unlocked, audits it, and exits when idle', async (t) => {
  const { sandbox } = await testSandbox(t);
  await vaultWithDev(sandbox);
  const agent = await activate(t, sandbox, ['--idle-exit', '0.02']);
  const r = await helper(sandbox);
  assert.equal(r.status, 0, `${r.stderr}\nagent: ${agent.stderr()}`);
  assert.equal((JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId, DEV_KEYS.accessKeyId);
  assert.match(agent.stderr(), /handed in by the service manager/);
  assert.equal(await agent.exited, 0, agent.stderr());
  assert.match(agent.stderr(), /stopped \(idle for 0\.02 minute/);
  const entries = await auditEntries(sandbox);
  assert.match(entries.find((e) => e.event === 'agent-start')?.reason ?? '', /\(handed in\)$/);
  assert.ok(
    entries.some((e) => e.event === 'access' && e.profile === 'dev'),
    JSON.stringify(entries.map((e) => e.event)),
  );
  assert.match(entries.at(-1)?.reason ?? '', /idle/);
});

/**
 * What systemd does and systemd-socket-activate (which execs once) cannot: keep the listening
 * socket across agent runs and start a new agent when a connection waits. Connections that
 * arrive between two agents queue in the socket's backlog.
 */
const SUPERVISOR = `
import os, select, socket, sys
path, runs, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); os.chmod(path, 0o600); s.listen(16)
print('Listening on', path, file=sys.stderr, flush=True)
for _ in range(runs):
    select.select([s], [], [])
    pid = os.fork()
    if pid == 0:
        if s.fileno() != 3: os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS='1')
        os.execv(argv[0], argv)
    _, status = os.waitpid(pid, 0)
    print('agent exited', os.waitstatus_to_exitcode(status), file=sys.stderr, flush=True)
`;

test('socket activation again after an idle exit: a new agent takes the same socket and serves the helper', async (t) => {
  const { sandbox } = await testSandbox(t);
  await vaultWithDev(sandbox);
  await mkdir(dirname(sandbox.socket), { mode: 0o700, recursive: true });
  const child = spawnGroup(
    PYTHON,
    ['-c', SUPERVISOR, sandbox.socket, '2', process.execPath, SCRIPT, 'agent', '--idle-exit', '0.02'],
    { env: sandbox.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => {
    killGroup(child.pid);
    await exited;
  });
  await until(
    'the supervisor listening',
    () => /Listening on/.test(stderr),
    () => stderr,
  );
  for (const round of [1, 2]) {
    const r = await helper(sandbox);
    assert.equal(r.status, 0, `round ${round}: ${r.stderr}\n${stderr}`);
    await until(
      `agent ${round} exiting when idle`,
      () => stderr.split('agent exited 0').length > round,
      () => stderr,
    );
  }
  assert.equal(await exited, 0, stderr);
  const entries = await auditEntries(sandbox);
  assert.equal(
    entries.filter((e) => e.event === 'agent-start' && /\(handed in\)$/.test(e.reason ?? '')).length,
    2,
    JSON.stringify(entries.map((e) => [e.event, e.reason])),
  );
  assert.equal(entries.filter((e) => e.event === 'access' && e.profile === 'dev').length, 2);
});

test('a handed-in socket file deleted: the agent says so and exits, rather than run on unreachable', async (t) => {
  const { sandbox } = await testSandbox(t);
  await vaultWithDev(sandbox);
  const agent = await activate(t, sandbox, []);
  assert.equal((await helper(sandbox)).status, 0, agent.stderr());
  await rm(sandbox.socket);
  assert.equal(await agent.exited, 1, agent.stderr());
  assert.match(
    agent.stderr(),
    /socket file .*agent\.sock that this agent was handed was deleted.*systemctl --user restart tray-cred-agent\.socket/,
  );
});

test('a socket file the agent created, deleted: the agent creates it again and the helper works', async (t) => {
  const { sandbox, startAgent } = await testSandbox(t);
  await vaultWithDev(sandbox);
  const agent = await startAgent();
  await rm(sandbox.socket);
  // Not by inode: a file system may give the new socket the number the old one had.
  await until(
    'the socket being created again',
    () => /was deleted: creating it again/.test(agent.stderr()) && existsSync(sandbox.socket),
    agent.stderr,
  );
  assert.equal(statSync(sandbox.socket).mode & 0o777, 0o600);
  const r = await helper(sandbox);
  assert.equal(r.status, 0, `${r.stderr}\nagent: ${agent.stderr()}`);
  assert.match(agent.stderr(), /agent\.sock was deleted: creating it again/);
});

test('tray-cred agent on a fresh machine leaves a private data directory, and init then succeeds', async (t) => {
  const { sandbox } = await testSandbox(t);
  const home = await mkdtemp('/tmp/tc-fresh-');
  t.after(() => rm(home, { recursive: true, force: true }));
  // No TRAY_CRED_HOME: the data directory is the default one under a fresh HOME, made with a permissive umask's 0755.
  const env = { ...sandbox.env, HOME: home, TRAY_CRED_HOME: undefined, XDG_CONFIG_HOME: undefined };
  // umask 022 as on most desktops, whatever the test runner's: the bug only shows with a permissive one.
  const agent = await run('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, SCRIPT, 'agent'], {
    env,
    killAfterMs: 60_000,
  });
  assert.notEqual(agent.status, 0, 'an agent without a vault must not start');
  assert.match(agent.stderr, /tray-cred init/);
  const dir = join(home, '.config', 'tray-cred');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const init = await run(process.execPath, [SCRIPT, 'init'], { env, killAfterMs: 60_000 });
  assert.equal(init.status, 0, init.stderr);
});

test('LISTEN_FDS naming an fd that is no listening socket: a set-up error naming the variables, not an internal one', async (t) => {
  const { sandbox } = await testSandbox(t);
  await vaultWithDev(sandbox);
  // The shell's pid is the agent's after exec; fd 3 is /dev/null.
  const r = await run(
    '/bin/sh',
    ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@" 3</dev/null', process.execPath, SCRIPT, 'agent'],
    { env: sandbox.env, killAfterMs: 60_000 },
  );
  assert.equal(r.status, 14, r.stderr);
  assert.match(
    r.stderr,
    /LISTEN_PID and LISTEN_FDS say a listening socket was handed in as fd 3, but it cannot be used .*: start the agent through its socket unit, or without those variables/,
  );
});

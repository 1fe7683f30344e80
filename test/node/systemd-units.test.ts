/**
 * The systemd units, checked by systemd itself: `systemd-analyze verify --user` loads them as a
 * user manager would (no systemd needs to run), with paths holding the characters a unit file
 * must escape. And the launchd plist, parsed back as XML.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EnvironmentError } from '../../main/core/errors.ts';
import {
  SERVICE_UNIT,
  SOCKET_UNIT,
  execWord,
  listenStream,
  serviceUnit,
  socketUnit,
  type UnitPlace,
} from '../../main/node/service/systemd-units.ts';
import { SYNC_LIMIT } from './processes.ts';

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join('/tmp', prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes both units into `dir` and runs systemd's own checker on them. */
async function verify(
  t: TestContext,
  dir: string,
  place: UnitPlace,
): Promise<{ status: number | null; output: string }> {
  const runtime = await tempDir(t, 'tc-rt-');
  await chmod(runtime, 0o700);
  await writeFile(join(dir, SOCKET_UNIT), socketUnit(place));
  await writeFile(join(dir, SERVICE_UNIT), serviceUnit(place));
  const r = spawnSync('systemd-analyze', ['verify', '--user', SOCKET_UNIT, SERVICE_UNIT], {
    ...SYNC_LIMIT,
    cwd: dir,
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function place(dir: string, over: Partial<UnitPlace> = {}): UnitPlace {
  return {
    node: process.execPath,
    script: join(dir, 'tray-cred.mjs'),
    agentArgs: [],
    socket: '/run/user/1000/tray-cred/agent.sock',
    runtimeDir: '/run/user/1000',
    dataDir: join(dir, 'data'),
    socketOverride: undefined,
    ...over,
  };
}

test('systemd-analyze verify accepts the units, with spaces, %, $ and quotes in the paths and options', async (t) => {
  const dir = await tempDir(t, 'tc-units-');
  const odd = join(dir, 'my node%1 $HOME');
  await mkdir(odd);
  await symlink(process.execPath, join(odd, 'node'));
  const r = await verify(
    t,
    dir,
    place(dir, {
      node: join(odd, 'node'),
      script: join(odd, 'tray\\cred.mjs'),
      agentArgs: ['--approver', 'zenity --question --text "allow $TRAY_CRED_PROFILE?" 100%'],
      dataDir: join(odd, 'data'),
    }),
  );
  assert.equal(r.status, 0, r.output);
  assert.equal(r.output.trim(), '');
});

test('systemd-analyze verify rejects a unit that names a missing executable (the check can fail)', async (t) => {
  const dir = await tempDir(t, 'tc-units-');
  const r = await verify(t, dir, place(dir, { node: join(dir, 'no such node') }));
  assert.notEqual(r.status, 0);
  assert.match(r.output, /no such node/);
});

test('the service runs this node and script with the options, and keeps the data directory the CLI uses', () => {
  const text = serviceUnit(
    place('/d', {
      node: '/opt/node 24/bin/node',
      agentArgs: ['--approver', 'ask "$X" 50%'],
      dataDir: '/home/me/my data',
    }),
  );
  assert.match(
    text,
    /^ExecStart="\/opt\/node 24\/bin\/node" \/d\/tray-cred\.mjs agent --approver "ask \\"\$\$X\\" 50%%"$/m,
  );
  assert.match(text, /^Environment="TRAY_CRED_HOME=\/home\/me\/my data"$/m);
  assert.doesNotMatch(text, /TRAY_CRED_SOCKET/);
  assert.match(
    serviceUnit(place('/d', { socketOverride: '/s/a.sock' })),
    /^Environment="TRAY_CRED_SOCKET=\/s\/a\.sock"$/m,
  );
});

test('the socket unit listens where the helper connects: %t under XDG_RUNTIME_DIR, else the path itself', () => {
  for (const [socket, runtime, expected] of [
    ['/run/user/1000/tray-cred/agent.sock', '/run/user/1000', '%t/tray-cred/agent.sock'],
    ['/run/user/1000/tray-cred/agent.sock', '/run/user/1000/', '%t/tray-cred/agent.sock'],
    ['/tmp/tray-cred-1000/agent.sock', undefined, '/tmp/tray-cred-1000/agent.sock'],
    ['/tmp/100%/agent.sock', '/run/user/1000', '/tmp/100%%/agent.sock'],
  ] as const) {
    assert.equal(listenStream(socket, runtime), expected, `${socket} with XDG_RUNTIME_DIR=${runtime}`);
  }
  const text = socketUnit(place('/d'));
  assert.match(text, /^ListenStream=%t\/tray-cred\/agent\.sock$/m);
  assert.match(text, /^SocketMode=0600$/m);
  assert.match(text, /^DirectoryMode=0700$/m);
});

test('exec words: what systemd would misread is escaped, and what it cannot run is refused with the fix', () => {
  assert.equal(execWord('plain/path-1.0'), 'plain/path-1.0');
  assert.equal(execWord('a b'), '"a b"');
  assert.equal(execWord('$X'), '$$X');
  assert.equal(execWord('/a$b/node', true), '/a$b/node');
  assert.equal(execWord('a\\b'), 'a\\\\b');
  assert.equal(execWord(''), '""');
  assert.throws(
    () => serviceUnit(place('/d', { node: '/a\\b/node' })),
    (e: unknown) => e instanceof EnvironmentError && /backslash.*install Node under a plain path/.test(e.message),
  );
  assert.throws(() => socketUnit(place('/d', { socket: '/tmp/a\nb' })), EnvironmentError);
});

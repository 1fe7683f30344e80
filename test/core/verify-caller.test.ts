import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCredentials, ProcessRecord, ProcessTable } from '../../main/core/ports/ports.ts';
import { isHelper, isShellCommand, verifyCaller } from '../../main/core/approval/verify-caller.ts';

/** A process table at the port: the records given, each read once per call like /proc would be. */
class TableOf implements ProcessTable {
  readonly reads: number[] = [];
  /** The pids read with their working directory. */
  readonly cwdReads: number[] = [];
  private readonly byPid: Map<number, ProcessRecord>;
  constructor(records: ProcessRecord[]) {
    this.byPid = new Map(records.map((r) => [r.pid, r]));
  }
  read(pid: number, options: { cwd?: boolean } = {}): Promise<ProcessRecord | undefined> {
    this.reads.push(pid);
    const r = this.byPid.get(pid);
    if (options.cwd === false) return Promise.resolve(r && { ...r, cwd: '' });
    this.cwdReads.push(pid);
    return Promise.resolve(r);
  }
}

const proc = (
  pid: number,
  ppid: number,
  exe: string,
  argv: string[],
  over: Partial<ProcessRecord> = {},
): ProcessRecord => ({
  pid,
  ppid,
  sid: 10,
  startTime: String(1000 + pid),
  exe,
  argv,
  cwd: '/home/ann',
  ...over,
});
const peer = (pid: number, uid = 1000): PeerCredentials => ({ method: 'SO_PEERCRED', pid, uid });

const LOGIN_SHELL = proc(10, 1, '/usr/bin/bash', ['-bash'], { startTime: '900' });
const HELPER_NODE = (pid: number, ppid: number): ProcessRecord =>
  proc(pid, ppid, '/usr/bin/node', ['node', '/opt/tray-cred/dist/tray-cred-helper.cjs', 'prod']);

describe('verifyCaller: the requesting program', () => {
  it('AWS CLI v2: the Python running /usr/bin/aws above the helper', async () => {
    const aws = proc(20, 10, '/usr/bin/python3.11', ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls']);
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, aws, HELPER_NODE(30, 20)]));
    assert.equal(v.requester.pid, 20);
    assert.deepEqual(v.requester.argv, ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls']);
    assert.deepEqual(v.ancestry, [{ pid: 10, exe: '/usr/bin/bash', argv: ['-bash'] }]);
    assert.deepEqual(v.peer, { pid: 30, uid: 1000 });
    assert.equal(v.incomplete, undefined);
  });

  it('the JS SDK and Go SDK: past the `/bin/sh -c` they run credential_process through', async () => {
    const deploy = proc(20, 10, '/usr/bin/node', ['node', 'deploy.js']);
    const sh = proc(25, 20, '/usr/bin/dash', ['/bin/sh', '-c', 'tray-cred-helper prod']);
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, deploy, sh, HELPER_NODE(30, 25)]));
    assert.equal(v.requester.pid, 20);
    assert.deepEqual(v.requester.argv, ['node', 'deploy.js']);
  });

  it('the packaged helper and a bash -ec wrapper are passed too', async () => {
    const terraform = proc(20, 10, '/usr/local/bin/terraform', ['terraform', 'apply']);
    const bash = proc(25, 20, '/usr/bin/bash', ['bash', '-ec', 'exec helper']);
    const helper = proc(30, 25, '/opt/tray-cred/bin/tray-cred-helper', ['tray-cred-helper', 'prod']);
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, terraform, bash, helper]));
    assert.equal(v.requester.exe, '/usr/local/bin/terraform');
  });

  it('reads the working directory up to the requester only: the ancestors above it are reported without one', async () => {
    const aws = proc(20, 15, '/usr/bin/python3.11', ['/usr/bin/python3', '/usr/bin/aws', 's3', 'ls'], {
      cwd: '/srv/project',
    });
    const make = proc(15, 10, '/usr/bin/make', ['make', 'deploy']);
    const sh = proc(25, 20, '/usr/bin/dash', ['/bin/sh', '-c', 'tray-cred-helper prod']);
    const table = new TableOf([LOGIN_SHELL, make, aws, sh, HELPER_NODE(30, 25)]);
    const v = await verifyCaller(peer(30), table);
    assert.deepEqual(table.reads, [30, 25, 20, 15, 10]);
    assert.deepEqual(table.cwdReads, [30, 25, 20], 'the helper, its shell and the requester');
    assert.equal(v.requester.cwd, '/srv/project');
    assert.deepEqual(v.ancestry, [
      { pid: 15, exe: '/usr/bin/make', argv: ['make', 'deploy'] },
      { pid: 10, exe: '/usr/bin/bash', argv: ['-bash'] },
    ]);
  });

  it('when every process passes the request on, the last one named keeps its working directory', async () => {
    const leader = proc(10, 1, '/usr/bin/bash', ['bash', '-c', 'tray-cred-helper prod'], {
      startTime: '900',
      sid: 10,
      cwd: '/root',
    });
    const table = new TableOf([leader, HELPER_NODE(30, 10)]);
    const v = await verifyCaller(peer(30), table);
    assert.equal(v.requester.pid, 10);
    assert.equal(v.requester.cwd, '/root');
  });

  it('a raw client (not the helper) is its own requester', async () => {
    const raw = proc(30, 10, '/usr/bin/python3.11', ['python3', 'forge.py']);
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, raw]));
    assert.equal(v.requester.pid, 30);
  });

  it('a program that names itself tray-cred-helper but is not Node running it is not passed over', async () => {
    const sneaky = proc(30, 20, '/usr/bin/python3.11', ['python3', '/tmp/tray-cred-helper.js']);
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, proc(20, 10, '/usr/bin/make', ['make']), sneaky]));
    assert.equal(v.requester.pid, 30);
  });

  it('a peer that exited before it was read: its pid and uid from the kernel, the rest empty, and says so', async () => {
    const v = await verifyCaller(peer(30, 1000), new TableOf([LOGIN_SHELL]));
    assert.deepEqual(v.requester, { pid: 30, startTime: '', exe: '', argv: [], cwd: '' });
    assert.deepEqual(v.peer, { pid: 30, uid: 1000 });
    assert.match(v.incomplete ?? '', /the peer \(pid 30\) exited before the agent could read it/);
  });

  it('a parent whose pid was reused (it started after its child) is not taken for the parent', async () => {
    const reused = proc(20, 10, '/usr/bin/evil', ['evil'], { startTime: '99999' });
    const sh = proc(25, 20, '/usr/bin/dash', ['sh', '-c', 'tray-cred-helper prod'], { startTime: '5000' });
    const helper = proc(30, 25, '/usr/bin/node', ['node', 'tray-cred-helper', 'prod'], { startTime: '5001' });
    const v = await verifyCaller(peer(30), new TableOf([LOGIN_SHELL, reused, sh, helper]));
    assert.notEqual(v.requester.exe, '/usr/bin/evil');
    assert.equal(v.requester.pid, 25, 'the last process that could be verified is named');
    assert.match(v.incomplete ?? '', /pid 20 started after its child 25/);
  });

  it('a peer whose pid was reused before it was read (it started after the connection) is not named', async () => {
    const impostor = proc(30, 10, '/usr/bin/evil', ['evil'], { startTime: '5000' });
    const table = new TableOf([LOGIN_SHELL, impostor]);
    const v = await verifyCaller(peer(30), table, '4000');
    assert.deepEqual(v.requester, { pid: 30, startTime: '', exe: '', argv: [], cwd: '' });
    assert.match(
      v.incomplete ?? '',
      /pid 30 started after the connection was accepted: the peer exited and its pid was reused/,
    );
    assert.equal(
      (await verifyCaller(peer(30), table, '5000')).requester.exe,
      '/usr/bin/evil',
      'started by then: it may be the peer',
    );
  });

  it('stops at the session leader and at pid 1, and cuts a runaway tree', async () => {
    const top = proc(2, 1, '/usr/bin/init-ish', ['x'], { sid: 2 });
    const v = await verifyCaller(
      peer(30),
      new TableOf([top, proc(20, 2, '/usr/bin/make', ['make']), HELPER_NODE(30, 20)]),
    );
    assert.deepEqual(
      v.ancestry.map((a) => a.pid),
      [2],
    );
    const loop: ProcessRecord[] = Array.from({ length: 40 }, (_, i) =>
      proc(100 + i, 101 + i, '/usr/bin/dash', ['sh', '-c', 'x'], { startTime: String(2000 - i), sid: 1 }),
    );
    const deep = new TableOf(loop);
    const cut = await verifyCaller(peer(100), deep);
    assert.ok(deep.reads.length <= 32);
    assert.match(cut.incomplete ?? '', /deeper than 32/);
    assert.match(cut.incomplete ?? '', /the last one read is named/);
  });

  it('bounds what it records: argv, paths and the number of ancestors', async () => {
    const chain: ProcessRecord[] = [proc(1, 0, '/sbin/init', ['init'], { startTime: '1' })];
    for (let pid = 2; pid <= 20; pid++)
      chain.push(proc(pid, pid - 1, `/usr/bin/p${pid}`, ['p', 'y'.repeat(5000)], { startTime: String(pid), sid: 1 }));
    const big = proc(
      21,
      20,
      `/${'d'.repeat(5000)}`,
      Array.from({ length: 400 }, () => 'a'.repeat(100)),
      { startTime: '21', sid: 1, cwd: 'c'.repeat(9000) },
    );
    const v = await verifyCaller(peer(21), new TableOf([...chain, big]));
    assert.equal(v.requester.exe.length, 4096);
    assert.equal(v.requester.cwd.length, 4096);
    assert.ok(v.requester.argv.length <= 256 && v.requester.argv.join('').length <= 16 * 1024);
    assert.equal(v.ancestry.length, 8);
    for (const a of v.ancestry) assert.ok(a.argv.join('').length <= 1024);
  });
});

describe('what passes a request on', () => {
  const cases: [string, string, string[], boolean, boolean][] = [
    ['dash -c', '/usr/bin/dash', ['/bin/sh', '-c', 'x'], false, true],
    ['bash -lc', '/usr/bin/bash', ['bash', '-lc', 'x'], false, true],
    ['interactive bash', '/usr/bin/bash', ['-bash'], false, false],
    ['a script run by sh (no -c)', '/usr/bin/dash', ['sh', '/usr/local/bin/deploy.sh'], false, false],
    ['python -c is not a shell', '/usr/bin/python3.11', ['python3', '-c', 'x'], false, false],
    [
      'node running the bundle',
      '/usr/local/bin/node',
      ['node', '--no-warnings', '/x/dist/tray-cred-helper.cjs', 'p'],
      true,
      false,
    ],
    ['node through the bin link', '/usr/bin/node', ['node', '/x/dist/bin/tray-cred-helper', 'p'], true, false],
    ['the single executable', '/opt/t/tray-cred-helper', ['tray-cred-helper', 'p'], true, false],
    ['a deleted helper executable', '/opt/t/tray-cred-helper (deleted)', ['tray-cred-helper', 'p'], true, false],
    ['node running something else', '/usr/bin/node', ['node', 'deploy.js'], false, false],
  ];
  for (const [name, exe, argv, helper, shell] of cases) {
    it(name, () => {
      assert.equal(isHelper({ exe, argv }), helper);
      assert.equal(isShellCommand({ exe, argv }), shell);
    });
  }
});

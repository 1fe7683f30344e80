import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ProcProcessTable, parseStat, splitCmdline } from '../../main/node/agent/proc-process-table.ts';

/** A stat line as the kernel writes it: pid, (comm), then fields 3 to 52. */
function statLine(pid: number, comm: string, fields: { ppid: number; sid: number; start: string }): string {
  const rest = [
    'S',
    String(fields.ppid),
    '77',
    String(fields.sid),
    '0',
    '-1',
    '4194560',
    ...Array.from({ length: 12 }, (_, i) => String(i)),
    fields.start,
    ...Array.from({ length: 30 }, () => '0'),
  ];
  return `${pid} (${comm}) ${rest.join(' ')}\n`;
}

describe('parseStat', () => {
  it('reads ppid (4), sid (6) and the start time (22) of a real line', async () => {
    const text = await readFile('/proc/self/stat', 'utf8');
    const parsed = parseStat(text, process.pid);
    assert.ok(parsed);
    assert.equal(parsed.ppid, process.ppid);
    assert.match(parsed.startTime, /^\d+$/);
  });

  const hostile = [
    ') (',
    'a) S 1 1 1 (',
    ') R 999 999 999 999',
    'x y z',
    '((()))',
    '',
    ')',
    'a\nb) 1 2',
    'evil) S 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 12345',
  ];
  for (const comm of hostile) {
    it(`a command name of ${JSON.stringify(comm)} cannot move the fields`, () => {
      assert.deepEqual(parseStat(statLine(4242, comm, { ppid: 17, sid: 3, start: '8675309' }), 4242), {
        ppid: 17,
        sid: 3,
        tty: 0,
        startTime: '8675309',
      });
    });
  }

  it('any command name (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 15, unit: fc.constantFrom('a', ' ', '(', ')', 'S', '1', '\n', 'é') }),
        fc.nat(),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 2n ** 63n }),
        (comm, ppid, sid, start) => {
          assert.deepEqual(parseStat(statLine(99, comm, { ppid, sid, start: String(start) }), 99), {
            ppid,
            sid,
            tty: 0,
            startTime: String(start),
          });
        },
      ),
    );
  });

  it('refuses what is not a stat line of that pid', () => {
    assert.equal(parseStat(statLine(5, 'x', { ppid: 1, sid: 1, start: '3' }), 6), undefined, 'another pid');
    assert.equal(parseStat('5 (x S 1 2 3', 5), undefined, 'no closing parenthesis');
    assert.equal(parseStat('5 (x) S 1 2', 5), undefined, 'cut short');
    assert.equal(parseStat(statLine(5, 'x', { ppid: 1, sid: 1, start: '-3' }), 5), undefined, 'a negative start');
    assert.equal(parseStat('', 5), undefined);
  });
});

describe('splitCmdline', () => {
  it('splits on NUL and keeps empty and spaced arguments', () => {
    assert.deepEqual(splitCmdline('sh\0-c\0a b\0\0'), ['sh', '-c', 'a b', '']);
    assert.deepEqual(splitCmdline(''), []);
  });
});

// These children are spawned directly, not with spawnGroup(): each test reads /proc the moment
// spawn() returns, before a wrapper would have exec'd the command, and sleep starts nothing of its own.
describe('ProcProcessTable', () => {
  it('reads a live child: exe, argv, cwd, parent and start time', async () => {
    const child = spawn('/bin/sleep', ['30'], { cwd: '/tmp', stdio: 'ignore' });
    try {
      const record = await new ProcProcessTable().read(child.pid!);
      assert.ok(record);
      assert.equal(record.exe, realpathSync('/bin/sleep'));
      assert.deepEqual(record.argv, ['/bin/sleep', '30']);
      assert.equal(record.cwd, '/tmp');
      assert.equal(record.ppid, process.pid);
      assert.match(record.startTime, /^\d+$/);
      const withoutCwd = await new ProcProcessTable().read(child.pid!, { cwd: false });
      assert.deepEqual(
        withoutCwd,
        { ...record, cwd: '' },
        'asked not to, it leaves the working directory out and reads the rest the same',
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a real process whose name holds ") (" and spaces', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-comm-'));
    const exe = join(dir, 'x) (S 1 2 3 4');
    await copyFile('/bin/sleep', exe);
    await chmod(exe, 0o755);
    const child = spawn(exe, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      assert.match(
        await readFile(`/proc/${child.pid}/stat`, 'utf8'),
        /\(x\) \(S 1 2 3 4\)/,
        'the kernel shows the name as is',
      );
      const record = await new ProcProcessTable().read(child.pid!);
      assert.equal(record?.ppid, process.pid);
      assert.equal(record?.exe, exe);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("now() is the boot clock in stat's start-time units: never before a running process started", async () => {
    const table = new ProcProcessTable();
    const self = await table.read(process.pid);
    const now = await table.now();
    assert.ok(self && now);
    assert.ok(BigInt(now) >= BigInt(self.startTime), `${now} >= ${self.startTime}`);
    const root = await mkdtemp(join(tmpdir(), 'tc-uptime-'));
    try {
      await writeFile(join(root, 'uptime'), '11098.37 7206.11\n');
      assert.equal(await new ProcProcessTable(root).now(), '1109838');
      await writeFile(join(root, 'uptime'), 'garbage');
      assert.equal(await new ProcProcessTable(root).now(), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a process that is gone reads as nothing, not as a guess', async () => {
    const child = spawn('/bin/true', [], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    assert.equal(await new ProcProcessTable().read(child.pid!), undefined);
    assert.equal(await new ProcProcessTable().read(0), undefined);
    assert.equal(await new ProcProcessTable().read(-1), undefined);
  });

  it('a stat file that names another process, or a hostile one, is not read as this pid', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tc-proc-'));
    try {
      await mkdir(join(root, '77'));
      await writeFile(join(root, '77', 'stat'), statLine(78, 'x', { ppid: 1, sid: 1, start: '5' }));
      await writeFile(join(root, '77', 'cmdline'), 'x\0');
      await symlink('/usr/bin/env', join(root, '77', 'exe'));
      await symlink('/', join(root, '77', 'cwd'));
      assert.equal(await new ProcProcessTable(root).read(77), undefined);
      await writeFile(join(root, '77', 'stat'), statLine(77, ') (evil) S 1', { ppid: 4, sid: 4, start: '5' }));
      const record = await new ProcProcessTable(root).read(77);
      assert.deepEqual(record, {
        pid: 77,
        ppid: 4,
        sid: 4,
        tty: 0,
        startTime: '5',
        exe: '/usr/bin/env',
        argv: ['x'],
        cwd: '/',
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

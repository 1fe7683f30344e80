/**
 * Windows named-pipe squatting, through the port: the Win32 calls are a stand-in here (this
 * project's tests run on Linux), so what is tested is the decision made from their answers, that
 * a refusal means nothing is written to the connection, and that the helper never loads koffi
 * off Windows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { sendRequest } from '../../helper/client.ts';
import { Win32Error, checkPipeServer, type Win32Pipes } from '../../helper/win32-pipe.ts';
import { EnvironmentError } from '../../main/core/errors.ts';
import { claimPipeName } from '../../main/node/agent/win32-pipe-owner.ts';
import { SYNC_LIMIT } from './processes.ts';

const ME = Buffer.from('S-1-5-21-1-1001');
const OTHER = Buffer.from('S-1-5-21-1-1002');
const PIPE = '\\\\.\\pipe\\tray-cred-ann';

/** The port's stand-in: a pipe served by `server` (its pid and user), or calls that fail. */
function pipes(over: Partial<Win32Pipes> & { serverUser?: Buffer } = {}): Win32Pipes & { closed: number } {
  const api = {
    closed: 0,
    open: () => ({ handle: 1 }),
    serverPid: () => 4242,
    userSid: (pid: number | 'self') => (pid === 'self' ? ME : (over.serverUser ?? ME)),
    equalSid: (a: Buffer, b: Buffer) => a.equals(b),
    close() {
      api.closed += 1;
    },
    ...over,
  };
  return api;
}

describe('checkPipeServer', () => {
  it('trusts a server that runs as this user, and closes its handle', () => {
    const api = pipes();
    assert.deepEqual(checkPipeServer(PIPE, api), { ok: true, pid: 4242 });
    assert.equal(api.closed, 1);
  });

  const refusals: [string, Partial<Win32Pipes> & { serverUser?: Buffer }, RegExp][] = [
    [
      'a server of another user (SIDs differ)',
      { serverUser: OTHER },
      /the process serving .* \(pid 4242\) runs as another user/,
    ],
    [
      'a server whose process this user may not open (another user, or elevated)',
      {
        userSid: (pid) => {
          if (pid === 'self') return ME;
          throw new Win32Error('OpenProcess', 5);
        },
      },
      /\(pid 4242\) belongs to another user/,
    ],
    [
      'a server whose token cannot be read',
      {
        userSid: (pid) => {
          if (pid === 'self') return ME;
          throw new Win32Error('GetTokenInformation', 87);
        },
      },
      /cannot tell who runs the process serving .*: GetTokenInformation failed \(Windows error 87\)/,
    ],
    [
      'a pipe whose server pid Windows will not give',
      {
        serverPid: () => {
          throw new Win32Error('GetNamedPipeServerProcessId', 1);
        },
      },
      /cannot check who serves/,
    ],
  ];
  for (const [name, over, reason] of refusals) {
    it(`refuses ${name}`, () => {
      const api = pipes(over);
      const check = checkPipeServer(PIPE, api);
      assert.equal(check.ok, false);
      assert.match(check.ok ? '' : check.reason, reason);
      assert.equal(api.closed, 1, 'the check handle is closed either way');
    });
  }

  it('refuses when the pipe cannot be opened for the check', () => {
    const check = checkPipeServer(
      PIPE,
      pipes({
        open: () => {
          throw new Win32Error('CreateFileW', 231);
        },
      }),
    );
    assert.deepEqual(check, {
      ok: false,
      reason: `cannot open ${PIPE} to check who serves it (CreateFileW failed (Windows error 231))`,
    });
  });
});

describe('claimPipeName: the agent owns its pipe name or does not start', () => {
  it('a free name (nobody serves it) is taken', () => {
    const api = pipes({
      open: () => {
        throw new Win32Error('CreateFileW', 2);
      },
    });
    assert.doesNotThrow(() => claimPipeName(PIPE, api));
  });

  it("a name another user's process holds: the agent does not start, and says so", () => {
    assert.throws(
      () => claimPipeName(PIPE, pipes({ serverUser: OTHER })),
      (error: Error) => {
        assert.ok(error instanceof EnvironmentError);
        assert.match(
          error.message,
          /\(pid 4242\) runs as another user: it holds tray-cred's pipe name.*so the agent does not start; end that process/,
        );
        return true;
      },
    );
  });

  it("a name this user's other agent holds: the usual 'already listens'", () => {
    assert.throws(
      () => claimPipeName(PIPE, pipes()),
      /another tray-cred agent already listens on .* \(pid 4242\): stop it first/,
    );
  });

  it('a name that cannot be probed: the agent does not start on it', () => {
    const api = pipes({
      open: () => {
        throw new Win32Error('CreateFileW', 5);
      },
    });
    assert.throws(
      () => claimPipeName(PIPE, api),
      /cannot tell whether the pipe .* is free \(CreateFileW failed \(Windows error 5\)\)/,
    );
  });
});

describe('a refused server is sent nothing', () => {
  it('sendRequest: the check runs once connected, and a refusal writes not one byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-pipe-'));
    const path = join(dir, 's.sock');
    let received = 0;
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const closed = new Promise<void>((done) => {
      const server = createServer((socket) => {
        socket.on('data', (chunk: Buffer) => (received += chunk.length));
        socket.on('close', () => {
          server.close();
          done();
        });
      }).listen(path, listening);
    });
    try {
      await ready;
      const request = {
        v: 1,
        id: 'r1',
        op: 'status' as const,
        caller: { pid: 1, ppid: 0, command: 'aws s3 ls --secret', cwd: '/home/ann' },
      };
      await assert.rejects(
        sendRequest(path, request, 5000, () => new Error('runs as another user')),
        /runs as another user/,
      );
      await closed;
      assert.equal(received, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the helper does not load koffi on Linux (the probe sees it when it is loaded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-probe-'));
    const probe = join(dir, 'probe.cjs');
    await writeFile(
      probe,
      "const M = require('node:module'); const load = M._load; M._load = function (request, ...rest) { if (/koffi/.test(request)) process.stderr.write('LOADED koffi\\n'); return load.call(this, request, ...rest); };\n",
    );
    try {
      const helper = resolve(import.meta.dirname, '..', '..', 'dist', 'tray-cred-helper.cjs');
      const env = { PATH: process.env.PATH, TRAY_CRED_SOCKET: join(dir, 'none', 'agent.sock') };
      const run = spawnSync(process.execPath, ['-r', probe, helper, 'dev'], { ...SYNC_LIMIT, env, encoding: 'utf8' });
      assert.equal(run.status, 3, run.stderr);
      assert.doesNotMatch(run.stderr, /LOADED koffi/);
      const control = spawnSync(process.execPath, ['-r', probe, '-e', "require('koffi')"], {
        ...SYNC_LIMIT,
        encoding: 'utf8',
        cwd: resolve(import.meta.dirname, '..', '..'),
      });
      assert.match(control.stderr, /LOADED koffi/, 'the probe can see a load');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

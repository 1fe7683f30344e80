import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ErrorCode } from '../../common/errors.ts';
import { AgentUnreachableError, sendRequest } from '../../helper/client.ts';
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
  parseResponse,
  type Request,
  type Response,
} from '../../helper/wire.ts';
import { TrayCredError } from '../../main/core/errors.ts';
import { SocketServer, type SocketServerOptions } from '../../main/node/agent/socket-server.ts';
import { killGroup, spawnGroup } from './processes.ts';

const SERVER_MODULE = pathToFileURL(join(import.meta.dirname, '../../main/node/agent/socket-server.ts')).href;
const uid = process.getuid?.();
const NOBODY = 65534;
/** Bound on every exchange: a server that neither answers nor closes within it has hung. */
const EXCHANGE_MS = 10_000;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tray-cred-sock-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A directory of our own (0700, from mkdtemp) and a socket path in it. */
async function place(name = 'agent.sock'): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(root, 's-'));
  return { dir, path: join(dir, name) };
}

interface Harness {
  server: SocketServer;
  path: string;
  handled: Request[];
  warnings: string[];
}

/** A listening server whose handler echoes the request; `handle` replaces that. */
async function startServer(options: Partial<SocketServerOptions> = {}, path?: string): Promise<Harness> {
  const socketPath = path ?? (await place()).path;
  const handled: Request[] = [];
  const warnings: string[] = [];
  const server = new SocketServer({
    path: socketPath,
    uid,
    readTimeoutMs: 2_000,
    warn: (m) => warnings.push(m),
    handle: async (request) => {
      handled.push(request);
      return { v: PROTOCOL_VERSION, id: request.id, ok: true, result: { op: request.op } };
    },
    ...options,
  });
  await server.listen();
  return { server, path: socketPath, handled, warnings };
}

/** What a raw client saw: every byte the server sent, and how the connection ended. */
interface Seen {
  text: string;
  error: string | undefined;
}

/**
 * Connects, writes `parts` one after another, optionally half-closes or drops the connection,
 * and collects what comes back until the server closes. Rejects if that takes too long.
 */
function exchange(path: string, parts: (string | Buffer)[], then: 'wait' | 'end' | 'destroy' = 'wait'): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    let error: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${EXCHANGE_MS / 1000} s`));
    }, EXCHANGE_MS);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, error });
    });
    const writeParts = async (): Promise<void> => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        if (parts.length > 1) await new Promise((r) => setImmediate(r));
      }
      if (then === 'end') socket.end();
      if (then === 'destroy') socket.destroy();
    };
    socket.on('connect', () => void writeParts());
  });
}

/** The one frame the server sent, validated as the helper validates it. */
function onlyFrame(seen: Seen, id = ''): Response {
  assert.ok(seen.text.endsWith('\n'), `one newline-terminated frame, got ${JSON.stringify(seen.text.slice(0, 200))}`);
  const lines = seen.text.split('\n');
  assert.equal(lines.length, 2, 'exactly one frame');
  return parseResponse(lines[0]!, id);
}

function assertError(response: Response, code: ErrorCode, id = ''): string {
  assert.equal(response.ok, false, JSON.stringify(response));
  if (response.ok) throw new Error('unreachable');
  assert.equal(response.error.code, code, response.error.message);
  assert.equal(response.id, id);
  assert.deepEqual(Object.keys(response.error).sort(), ['code', 'message'], 'only code and message cross the wire');
  return response.error.message;
}

const request = (id: string, extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ v: PROTOCOL_VERSION, id, op: 'credentials', profile: 'dev', ...extra })}\n`;

/** A valid request still gets the handler's answer. */
async function assertStillServes(h: Harness): Promise<void> {
  const id = `after-${randomBytes(4).toString('hex')}`;
  const before = h.handled.length;
  const response = onlyFrame(await exchange(h.path, [request(id)]), id);
  assert.deepEqual(response, { v: PROTOCOL_VERSION, id, ok: true, result: { op: 'credentials' } });
  assert.equal(h.handled.length, before + 1);
}

describe('SocketServer: requests', () => {
  let h: Harness;
  before(async () => {
    h = await startServer();
  });
  after(async () => {
    await h.server.close();
  });

  test('a valid request reaches the handler and gets its response', async () => {
    const caller = { pid: 10, ppid: 1, command: 'aws s3 ls', cwd: '/home/me' };
    const response = onlyFrame(await exchange(h.path, [request('req-1', { caller })]), 'req-1');
    assert.deepEqual(response, { v: 1, id: 'req-1', ok: true, result: { op: 'credentials' } });
    assert.deepEqual(h.handled.at(-1), { v: 1, id: 'req-1', op: 'credentials', profile: 'dev', caller });
  });

  const bad: { name: string; frame: string | Buffer; code: ErrorCode; id?: string; says?: RegExp }[] = [
    { name: 'malformed JSON', frame: '{"v":1,"id":"x",\n', code: 'BAD_REQUEST', says: /not valid JSON/ },
    { name: 'an empty line', frame: '\n', code: 'BAD_REQUEST' },
    { name: 'a JSON array', frame: '[1,2,3]\n', code: 'BAD_REQUEST', says: /not a JSON object/ },
    { name: 'a JSON string', frame: '"credentials"\n', code: 'BAD_REQUEST', says: /not a JSON object/ },
    { name: 'JSON null', frame: 'null\n', code: 'BAD_REQUEST', says: /not a JSON object/ },
    {
      name: 'v as a string',
      frame: request('t1', { v: '1' }),
      code: 'BAD_REQUEST',
      id: 't1',
      says: /protocol version/,
    },
    { name: 'id as a number', frame: request('t2', { id: 7 }), code: 'BAD_REQUEST', says: /request id/ },
    { name: 'op as a number', frame: request('t3', { op: 5 }), code: 'BAD_REQUEST', id: 't3', says: /unknown op/ },
    {
      name: 'profile as a number',
      frame: request('t4', { profile: 12 }),
      code: 'BAD_REQUEST',
      id: 't4',
      says: /profile must be/,
    },
    {
      name: 'caller with a string pid',
      frame: request('t5', { caller: { pid: '1', ppid: 1, command: '', cwd: '/' } }),
      code: 'BAD_REQUEST',
      id: 't5',
      says: /caller/,
    },
    {
      name: 'an unknown op',
      frame: request('t6', { op: 'export-all' }),
      code: 'BAD_REQUEST',
      id: 't6',
      says: /unknown op/,
    },
    {
      name: 'a profile name with a space',
      frame: request('t7', { profile: 'my profile' }),
      code: 'BAD_REQUEST',
      id: 't7',
      says: /profile must be/,
    },
    {
      name: 'a profile name with a path',
      frame: request('t8', { profile: '../../etc/passwd' }),
      code: 'BAD_REQUEST',
      id: 't8',
    },
    { name: 'an empty profile name', frame: request('t9', { profile: '' }), code: 'BAD_REQUEST', id: 't9' },
    {
      name: 'a profile name of 129 characters',
      frame: request('t10', { profile: 'a'.repeat(129) }),
      code: 'BAD_REQUEST',
      id: 't10',
    },
    {
      name: 'credentials without a profile',
      frame: request('t11', { profile: undefined }),
      code: 'BAD_REQUEST',
      id: 't11',
    },
    {
      name: 'status with a profile',
      frame: request('t12', { op: 'status' }),
      code: 'BAD_REQUEST',
      id: 't12',
      says: /takes no profile/,
    },
    {
      name: 'protocol version 2',
      frame: request('t13', { v: 2 }),
      code: 'VERSION',
      id: 't13',
      says: /speaks protocol 2, this agent speaks 1: update/,
    },
    { name: 'protocol version 0', frame: request('t14', { v: 0 }), code: 'VERSION', id: 't14' },
    {
      name: 'binary junk',
      frame: Buffer.concat([randomBytes(256).map((b) => (b === 0x0a ? 0 : b)), Buffer.from([0xff, 0xfe, 0x0a])]),
      code: 'BAD_REQUEST',
    },
  ];
  for (const { name, frame, code, id = '', says } of bad) {
    test(`${name}: ${code}, the handler is not called, and the server keeps serving`, async () => {
      const handledBefore = h.handled.length;
      const message = assertError(onlyFrame(await exchange(h.path, [frame]), id), code, id);
      if (says) assert.match(message, says);
      assert.equal(h.handled.length, handledBefore);
      await assertStillServes(h);
    });
  }

  test('a frame of exactly 64 KiB is read; one byte more is TOO_LARGE', async () => {
    const line = request('big');
    const exact = `${line.slice(0, -1)}${' '.repeat(MAX_FRAME_BYTES - Buffer.byteLength(line))}\n`;
    assert.equal(Buffer.byteLength(exact), MAX_FRAME_BYTES);
    assert.equal(onlyFrame(await exchange(h.path, [exact]), 'big').ok, true);
    const over = `${exact.slice(0, -1)} \n`;
    assertError(onlyFrame(await exchange(h.path, [over])), 'TOO_LARGE');
    await assertStillServes(h);
  });

  test('a megabyte without a newline is cut off: TOO_LARGE or a closed connection', async () => {
    const handledBefore = h.handled.length;
    const seen = await exchange(h.path, [Buffer.alloc(1024 * 1024, 0x7b)]);
    if (seen.text !== '') assertError(onlyFrame(seen), 'TOO_LARGE');
    assert.equal(h.handled.length, handledBefore);
    await assertStillServes(h);
  });

  test('a request that arrives a byte at a time, with multi-byte characters split, is read whole', async () => {
    const caller = { pid: 10, ppid: 1, command: 'aws s3 ls s3://bücher-😀', cwd: '/home/zoë' };
    const bytes = Buffer.from(request('slow-bytes', { caller }));
    const parts = [...bytes].map((b) => Buffer.from([b]));
    assert.equal(onlyFrame(await exchange(h.path, parts), 'slow-bytes').ok, true);
    assert.deepEqual(h.handled.at(-1)?.caller, caller);
  });

  test('a client that half-closes after its request still gets the answer', async () => {
    assert.equal(onlyFrame(await exchange(h.path, [request('half')], 'end'), 'half').ok, true);
  });

  test('only the first request on a connection is answered', async () => {
    const handledBefore = h.handled.length;
    const response = onlyFrame(await exchange(h.path, [request('first') + request('second')]), 'first');
    assert.equal(response.id, 'first');
    assert.equal(h.handled.length, handledBefore + 1);
  });

  const hangUps = [
    { name: 'half-closes', then: 'end' as const },
    { name: 'drops the connection', then: 'destroy' as const },
  ];
  for (const { name, then } of hangUps) {
    test(`a client that ${name} mid-request gets no answer, and the server keeps serving`, async () => {
      const handledBefore = h.handled.length;
      const seen = await exchange(h.path, ['{"v":1,"id":"gone","op":"cred'], then);
      assert.equal(seen.text, '');
      assert.equal(h.handled.length, handledBefore);
      await assertStillServes(h);
    });
  }

  test('fifty clients at once each get their own answer', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const responses = await Promise.all(ids.map(async (id) => onlyFrame(await exchange(h.path, [request(id)]), id)));
    assert.deepEqual(
      responses.map((r) => r.id),
      ids,
    );
    assert.ok(responses.every((r) => r.ok));
  });
});

describe('SocketServer: time-outs and failures', () => {
  test('a partial frame that never finishes gets TIMEOUT within the read time-out, and the server keeps serving', async () => {
    const h = await startServer({ readTimeoutMs: 300 });
    try {
      const seen = await exchange(h.path, ['{"v":1,"id":"stuck","op":"credentials"']);
      assert.match(assertError(onlyFrame(seen), 'TIMEOUT'), /no complete request line/);
      assert.equal(h.handled.length, 0);
      await assertStillServes(h);
    } finally {
      await h.server.close();
    }
  });

  test('a client that sends a byte now and then is cut off at the read time-out, not kept waiting by each byte', async () => {
    const h = await startServer({ readTimeoutMs: 300 });
    const bytes = 60;
    try {
      const { seen, sent } = await new Promise<{ seen: Seen; sent: number }>((resolve, reject) => {
        const socket = createConnection(h.path);
        let text = '';
        let sent = 0;
        // One byte every 100 ms, for 6 s in all: each byte alone arrives well within the time-out.
        const drip = setInterval(() => {
          if (sent < bytes && socket.writable) {
            socket.write('{');
            sent += 1;
          }
        }, 100);
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error('the server neither answered nor closed'));
        }, 15_000);
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(drip);
          clearTimeout(timer);
          resolve({ seen: { text, error: undefined }, sent });
        });
      });
      assertError(onlyFrame(seen), 'TIMEOUT');
      assert.ok(sent < bytes, `the server waited for all ${sent} bytes: its time-out restarts with every byte`);
      await assertStillServes(h);
    } finally {
      await h.server.close();
    }
  });

  test('a handler response that cannot be sent gives INTERNAL and the server keeps serving', async () => {
    const h = await startServer({
      handle: async (r) => {
        if (r.id === 'bigint') return { v: 1, id: r.id, ok: true, result: { count: 1n } };
        return { v: 1, id: r.id, ok: true, result: { op: r.op } };
      },
    });
    try {
      assertError(onlyFrame(await exchange(h.path, [request('bigint')]), 'bigint'), 'INTERNAL', 'bigint');
      assert.equal(h.warnings.length, 1);
      assert.match(h.warnings[0]!, /BigInt/);
      assert.equal(onlyFrame(await exchange(h.path, [request('fine')]), 'fine').ok, true);
    } finally {
      await h.server.close();
    }
  });

  test('a handler that throws gives INTERNAL without its message; the log gets the details', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const h = await startServer({
      handle: async () => {
        throw new Error(`decrypt failed near ${secret}`);
      },
    });
    try {
      const seen = await exchange(h.path, [request('boom')]);
      assert.ok(!seen.text.includes(secret));
      assert.match(assertError(onlyFrame(seen, 'boom'), 'INTERNAL', 'boom'), /its log has the details/);
      assert.equal(h.warnings.length, 1);
      assert.match(h.warnings[0]!, /decrypt failed/);
    } finally {
      await h.server.close();
    }
  });

  test('a client that leaves while the handler works does not break the server', async () => {
    let finish: (() => void) | undefined;
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const h = await startServer({
      handle: async (r) => {
        if (r.id === 'leaver') {
          markStarted();
          await new Promise<void>((resolve) => (finish = resolve));
        }
        return { v: 1, id: r.id, ok: true, result: null };
      },
    });
    try {
      const socket = createConnection(h.path);
      socket.on('error', () => undefined);
      socket.write(request('leaver'));
      await started;
      socket.destroy();
      finish?.();
      assert.equal(onlyFrame(await exchange(h.path, [request('next')]), 'next').ok, true);
      assert.deepEqual(h.warnings, []);
    } finally {
      await h.server.close();
    }
  });

  test('close() ends connections still waiting for an answer, removes the socket, and nothing answers after', async () => {
    const h = await startServer({ handle: () => new Promise<Response>(() => undefined) });
    const waiting = exchange(h.path, [request('never')]);
    await new Promise((r) => setTimeout(r, 50));
    await h.server.close();
    assert.equal((await waiting).text, '');
    await assert.rejects(lstat(h.path), { code: 'ENOENT' });
    await assert.rejects(sendRequest(h.path, { v: 1, id: 'late', op: 'status' }, 2_000), AgentUnreachableError);
  });
});

describe('SocketServer with sendRequest as the client', () => {
  test('the helper gets the handler response, and a VERSION error as a response', async () => {
    const h = await startServer();
    try {
      assert.deepEqual(await sendRequest(h.path, { v: 1, id: 'helper-1', op: 'status' }, 5_000), {
        v: 1,
        id: 'helper-1',
        ok: true,
        result: { op: 'status' },
      });
      const response = await sendRequest(h.path, { v: 2, id: 'helper-2', op: 'status' }, 5_000);
      assertError(response, 'VERSION', 'helper-2');
    } finally {
      await h.server.close();
    }
  });

  test('nothing listening: AgentUnreachableError naming the path', async () => {
    const { path } = await place();
    await assert.rejects(sendRequest(path, { v: 1, id: 'x', op: 'status' }, 2_000), (error: unknown) => {
      assert.ok(error instanceof AgentUnreachableError);
      assert.equal(error.path, path);
      assert.match(error.message, /no tray-cred agent answers at .*ENOENT/);
      return true;
    });
  });

  test('a server that never answers: ProtocolError TIMEOUT', async () => {
    const h = await startServer({ handle: () => new Promise<Response>(() => undefined) });
    try {
      await assert.rejects(sendRequest(h.path, { v: 1, id: 'wait', op: 'status' }, 200), (error: unknown) => {
        assert.ok(error instanceof ProtocolError);
        assert.equal(error.code, 'TIMEOUT');
        return true;
      });
    } finally {
      await h.server.close();
    }
  });
});

/** A SocketServer in a child process: a real agent that can be killed without cleaning up. */
async function agentInChild(path: string, t: TestContext): Promise<ChildProcess> {
  const script = `
    import { SocketServer } from ${JSON.stringify(SERVER_MODULE)};
    const server = new SocketServer({
      path: ${JSON.stringify(path)}, uid: process.getuid(), warn: () => {},
      handle: async (r) => ({ v: 1, id: r.id, ok: true, result: 'child' }),
    });
    await server.listen();
    console.log('listening');
  `;
  const child = spawnGroup(
    process.execPath,
    ['--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'inherit'] },
    { owner: t },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  try {
    const first = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the child agent never listened')), EXCHANGE_MS);
      }),
    ]);
    assert.equal(first.value, 'listening');
  } catch (error) {
    killGroup(child.pid);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return child;
}

describe('SocketServer: the socket file and its directory', () => {
  test('the socket is 0600 and a directory it creates is 0700, whatever the umask', async () => {
    const { dir } = await place();
    const path = join(dir, 'run', 'tray-cred', 'agent.sock');
    const previous = process.umask(0);
    let h: Harness;
    try {
      h = await startServer({}, path);
    } finally {
      process.umask(previous);
    }
    try {
      assert.ok((await lstat(path)).isSocket());
      assert.equal(((await stat(path)).mode & 0o777).toString(8), '600');
      assert.equal(((await stat(join(dir, 'run', 'tray-cred'))).mode & 0o777).toString(8), '700');
      await assertStillServes(h);
    } finally {
      await h.server.close();
    }
  });

  test('a socket left by a killed agent is replaced', async (t) => {
    const { path } = await place();
    const child = await agentInChild(path, t);
    assert.deepEqual(await sendRequest(path, { v: 1, id: 'c', op: 'status' }, 5_000), {
      v: 1,
      id: 'c',
      ok: true,
      result: 'child',
    });
    killGroup(child.pid);
    await new Promise((r) => child.once('exit', r));
    assert.ok((await lstat(path)).isSocket(), 'the killed agent left its socket file');
    await assert.rejects(sendRequest(path, { v: 1, id: 'd', op: 'status' }, 2_000), (error: unknown) => {
      assert.ok(error instanceof AgentUnreachableError);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
    const h = await startServer({}, path);
    try {
      await assertStillServes(h);
    } finally {
      await h.server.close();
    }
  });

  test("a live agent's socket is not stolen", async (t) => {
    const { path } = await place();
    const child = await agentInChild(path, t);
    try {
      const second = new SocketServer({
        path,
        uid,
        warn: () => undefined,
        handle: async (r) => ({ v: 1, id: r.id, ok: true, result: 'thief' }),
      });
      await assert.rejects(second.listen(), (error: unknown) => {
        assert.ok(error instanceof TrayCredError);
        assert.ok(error.message.includes(`another tray-cred agent already listens on ${path}`), error.message);
        return true;
      });
      assert.deepEqual(await sendRequest(path, { v: 1, id: 'still', op: 'status' }, 5_000), {
        v: 1,
        id: 'still',
        ok: true,
        result: 'child',
      });
    } finally {
      killGroup(child.pid);
    }
  });

  test('a path that exists and is not a socket is left alone', async () => {
    const { path } = await place();
    await writeFile(path, 'my notes');
    await assert.rejects(startServer({}, path), /exists and is not a socket: move it away/);
    assert.equal(await readFile(path, 'utf8'), 'my notes');
  });

  const unsafeDirs = [
    {
      name: 'a directory with mode 0755',
      make: async (dir: string) => chmod(dir, 0o755),
      says: (dir: string) => `\`chmod 700 ${dir}\``,
      skip: false,
    },
    {
      name: 'a directory owned by another user',
      make: async (dir: string) => chown(dir, NOBODY, NOBODY),
      says: () => `belongs to uid ${NOBODY}, not to you`,
      skip: uid !== 0,
    },
  ];
  for (const { name, make, says, skip } of unsafeDirs) {
    test(`${name} is refused with a clear message`, {
      skip: skip && 'needs root to give a directory to nobody',
    }, async () => {
      const { dir } = await place();
      const socketDir = join(dir, 'tray-cred');
      await mkdir(socketDir, { mode: 0o700 });
      await make(socketDir);
      const path = join(socketDir, 'agent.sock');
      await assert.rejects(startServer({}, path), (error: unknown) => {
        assert.ok(error instanceof TrayCredError);
        assert.ok(error.message.includes(says(socketDir)), error.message);
        return true;
      });
      await assert.rejects(lstat(path), { code: 'ENOENT' }, 'no socket was created');
    });
  }

  test('a socket directory that is a symbolic link is refused', async () => {
    const { dir } = await place();
    await mkdir(join(dir, 'real'), { mode: 0o700 });
    await symlink(join(dir, 'real'), join(dir, 'link'));
    await assert.rejects(startServer({}, join(dir, 'link', 'agent.sock')), /symbolic link/);
    await assert.rejects(lstat(join(dir, 'real', 'agent.sock')), { code: 'ENOENT' });
  });

  test('a path of 108 bytes is refused before anything is created; 107 bytes works', async () => {
    const { dir } = await place();
    const at = (bytes: number): string => join(dir, 's'.repeat(bytes - Buffer.byteLength(`${dir}/`)));
    const tooLong = at(108);
    assert.equal(Buffer.byteLength(tooLong), 108);
    await assert.rejects(startServer({}, tooLong), (error: unknown) => {
      assert.ok(error instanceof TrayCredError);
      assert.match(
        error.message,
        /longer than 107 bytes, which Unix sockets cannot use: set TRAY_CRED_SOCKET to a shorter path/,
      );
      return true;
    });
    await assert.rejects(lstat(tooLong), { code: 'ENOENT' });

    const h = await startServer({}, at(107));
    try {
      await assertStillServes(h);
    } finally {
      await h.server.close();
    }
  });
});

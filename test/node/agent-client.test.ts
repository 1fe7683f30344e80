/**
 * The agent client's one mapping of failures to exit statuses (common/errors.ts), against a stand-in
 * agent on a real socket: no agent answering, each kind of refusal, an agent that never answers
 * (under mocked timers, at exactly the documented time-out), and what every request carries.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { EXIT_STATUS, type ErrorCode } from '../../common/errors.ts';
import { parseStatusResult, type Request } from '../../helper/wire.ts';
import { AgentNotRunningError, EnvironmentError, TrayCredError } from '../../main/core/errors.ts';
import { ANSWER_MS, AgentClient, PERSON_MS } from '../../main/node/client/agent-client.ts';
import { thisProcessAsCaller } from '../../main/node/client/this-process.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tray-cred-client-'));
});
after(() => rm(root, { recursive: true, force: true }));

const caller = thisProcessAsCaller(['tray-cred', 'status']);
const STATUS = { locked: false, profiles: 2, pending: 0, agentPid: 4242 };

/** A stand-in agent: records each request and answers with `answer(request)`, or never when it returns undefined. */
async function standIn(
  answer: (request: Request) => object | undefined,
): Promise<{ path: string; seen: Request[]; close(): Promise<void> }> {
  const path = join(await mkdtemp(join(root, 's-')), 'agent.sock');
  const seen: Request[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (!text.includes('\n')) return;
      const request = JSON.parse(text.slice(0, text.indexOf('\n'))) as Request;
      seen.push(request);
      const reply = answer(request);
      if (reply) socket.end(`${JSON.stringify({ v: 1, id: request.id, ...reply })}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the agent client', () => {
  test('no agent: NOT_RUNNING (3), naming the socket, its errno and how to start one', async () => {
    const path = join(root, 'nobody.sock');
    const client = new AgentClient({ socket: path, caller });
    const error = await client.call({ op: 'status' }, parseStatusResult).then(
      () => assert.fail('resolved without an agent'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AgentNotRunningError, String(error));
    assert.equal(error.exitStatus, EXIT_STATUS.NOT_RUNNING);
    assert.equal(error.exitStatus, 3);
    assert.equal(
      error.message,
      `no tray-cred agent answers at ${path} (ENOENT): start the tray app or \`tray-cred agent\`, then run this again (set TRAY_CRED_SOCKET if it listens elsewhere)`,
    );

    const needs = (await client
      .credentials('prod', { needs: 'rotating uses the key' })
      .catch((e: unknown) => e)) as Error;
    assert.match(needs.message, /\(ENOENT\): rotating uses the key: start the tray app/);
  });

  test('no agent and no vault: the missing vault is said first, with its own status', async () => {
    const client = new AgentClient({
      socket: join(root, 'nobody.sock'),
      caller,
      whenNoAgent: () => Promise.reject(new EnvironmentError('there is no vault: run `tray-cred init` first')),
    });
    const error = await client.call({ op: 'lock' }, () => undefined).catch((e: unknown) => e);
    assert.ok(error instanceof EnvironmentError && !(error instanceof AgentNotRunningError), String(error));
    assert.equal(error.exitStatus, EXIT_STATUS.ENVIRONMENT);
    assert.match(error.message, /no vault/);
  });

  const refusals: { code: ErrorCode; status: number }[] = [
    { code: 'LOCKED', status: 4 },
    { code: 'DENIED', status: 5 },
    { code: 'TIMEOUT', status: 6 },
    { code: 'UNKNOWN_PROFILE', status: 7 },
    { code: 'FORBIDDEN', status: 16 },
    { code: 'INTERNAL', status: 12 },
  ];
  for (const { code, status } of refusals) {
    test(`a refusal with ${code} exits ${status} with the agent's message`, async (t) => {
      const agent = await standIn(() => ({ ok: false, error: { code, message: `the agent says ${code}` } }));
      t.after(() => agent.close());
      const client = new AgentClient({ socket: agent.path, caller });
      const error = await client.credentials('prod').catch((e: unknown) => e);
      assert.ok(error instanceof TrayCredError, String(error));
      assert.equal(error.code, code);
      assert.equal(error.exitStatus, status);
      assert.equal(error.message, `the agent says ${code}`);
      const worded = (await client.credentials('prod', { refused: 'not approved' }).catch((e: unknown) => e)) as Error;
      assert.equal(worded.message, `not approved: the agent says ${code}`);
    });
  }

  test('an answer it cannot read is BAD_REQUEST (11), not an internal error', async (t) => {
    const agent = await standIn(() => ({ ok: true, result: { locked: 'maybe' } }));
    t.after(() => agent.close());
    const error = await new AgentClient({ socket: agent.path, caller })
      .call({ op: 'status' }, parseStatusResult)
      .catch((e: unknown) => e);
    assert.ok(error instanceof TrayCredError, String(error));
    assert.equal(error.exitStatus, EXIT_STATUS.BAD_REQUEST);
    assert.match(error.message, /malformed status: retry, and restart the tray app/);
  });

  test('every request carries the protocol version, an id of its own and this process as the caller', async (t) => {
    const agent = await standIn(() => ({ ok: true, result: STATUS }));
    t.after(() => agent.close());
    const client = new AgentClient({ socket: agent.path, caller });
    assert.deepEqual(await client.call({ op: 'status' }, parseStatusResult), STATUS);
    await client.call({ op: 'forget', profile: 'prod' }, () => undefined);
    assert.deepEqual(
      agent.seen.map((r) => [r.v, r.op, r.caller]),
      [
        [1, 'status', caller],
        [1, 'forget', caller],
      ],
    );
    assert.equal(new Set(agent.seen.map((r) => r.id)).size, 2);
    assert.deepEqual(caller.argv, ['tray-cred', 'status']);
    assert.equal(caller.pid, process.pid);
  });

  for (const { op, ms } of [
    { op: 'status', ms: ANSWER_MS },
    { op: 'credentials', ms: PERSON_MS },
  ] as const) {
    test(`an agent that never answers ${op}: TIMEOUT (6) after exactly ${ms / 1000} s`, async (t) => {
      const agent = await standIn(() => undefined);
      t.after(() => agent.close());
      const client = new AgentClient({ socket: agent.path, caller });
      mock.timers.enable({ apis: ['setTimeout'] });
      t.after(() => mock.timers.reset());
      let settled: unknown;
      const call = (op === 'status' ? client.call({ op }, parseStatusResult) : client.credentials('prod')).catch(
        (e: unknown) => e,
      );
      void call.then((e) => (settled = e));
      while (agent.seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
      mock.timers.tick(ms - 1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(settled, undefined, 'still waiting a millisecond before the time-out');
      mock.timers.tick(1);
      const error = await call;
      assert.ok(error instanceof TrayCredError, String(error));
      assert.equal(error.code, 'TIMEOUT');
      assert.equal(error.exitStatus, 6);
      assert.equal(
        error.message,
        `the agent did not answer within ${ms / 1000} s, so it is stuck (it ends its own prompts sooner): restart the tray app or \`tray-cred agent\``,
      );
    });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeListenFd } from '../../main/node/agent/agent-socket.ts';

test('takeListenFd: fd 3 only when LISTEN_PID is this process, and the variables never reach children', () => {
  for (const [env, expected] of [
    [{ LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'tray-cred-agent.socket', KEEP: 'x' }, 3],
    [{ LISTEN_PID: '42', LISTEN_FDS: '2', KEEP: 'x' }, 3],
    [{ LISTEN_PID: '7', LISTEN_FDS: '1', KEEP: 'x' }, undefined],
    [{ LISTEN_PID: '42', LISTEN_FDS: '0', KEEP: 'x' }, undefined],
    [{ KEEP: 'x' }, undefined],
  ] as const) {
    const copy: NodeJS.ProcessEnv = { ...env };
    assert.equal(takeListenFd(copy, 42), expected, JSON.stringify(env));
    assert.deepEqual(copy, { KEEP: 'x' }, 'LISTEN_* removed, the rest kept');
  }
});

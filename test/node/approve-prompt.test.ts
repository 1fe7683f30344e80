/**
 * `tray-cred approve`'s side of "never seen before" (issue 18 item 4): the agent puts `firstUse`
 * on the wire only for a verified program, and the terminal prompt says it in one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PendingPrompt } from '../../main/core/approval/approval-gate.ts';
import { wirePrompt } from '../../main/node/agent/approval-ops.ts';
import { describePrompt } from '../../main/node/cli/commands/approve.ts';

const verified = {
  method: 'SO_PEERCRED',
  peer: { pid: 9, uid: 1000 },
  requester: {
    pid: 8,
    startTime: '77',
    exe: '/usr/local/bin/terraform',
    argv: ['terraform', 'plan'],
    cwd: '/srv/infra',
  },
  ancestry: [],
};
const caller = { pid: 8, ppid: 7, command: 'terraform plan', cwd: '/srv/infra' };
const pending = (request: Partial<PendingPrompt['request']>): PendingPrompt =>
  ({
    ref: '1',
    id: 'r1',
    since: 0,
    deadline: 50_000,
    request: { profile: 'prod', caller, unlock: false, ...request },
  }) as PendingPrompt;
const LINE = '  First time `/usr/local/bin/terraform` asks for prod';

test('a verified first use crosses the wire and becomes one line of the prompt', () => {
  const wire = wirePrompt(pending({ verified, firstUse: true }));
  assert.equal(wire.firstUse, true);
  const lines = describePrompt(wire, 0).split('\n');
  assert.equal(lines.filter((l) => l.startsWith('  First time')).length, 1);
  assert.equal(lines[1], LINE, 'right under the question');
});

test('no line when the program has used the profile, and none for a claim alone (it names nothing verified)', () => {
  for (const request of [{ verified, firstUse: false }, { verified }, { firstUse: true }]) {
    const wire = wirePrompt(pending(request));
    assert.equal('firstUse' in wire, false, JSON.stringify(request));
    assert.doesNotMatch(describePrompt(wire, 0), /First time/);
  }
  // A hostile agent's prompt cannot make the line name an unverified program either.
  assert.doesNotMatch(describePrompt({ ...wirePrompt(pending({})), firstUse: true }, 0), /First time/);
});

test('the line escapes control characters in the path like the rest of the prompt', () => {
  const evil = { ...verified, requester: { ...verified.requester, exe: '/tmp/x\u001b[2J\u202Eevil' } };
  const text = describePrompt(wirePrompt(pending({ verified: evil, firstUse: true })), 0);
  // eslint-disable-next-line no-control-regex -- asserting that none reach the terminal
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u202e]/u);
  assert.match(text, /First time `\/tmp\/x\\x1b\[2J\\u202eevil` asks for prod/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApprovalGate } from '../../main/core/approval-gate.ts';
import type { ApprovalRequest, Approver } from '../../main/core/ports.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { StubApprover } from '../fakes/stub-approver.ts';

const request = (profile: string): ApprovalRequest => ({ profile, caller: undefined, rememberMinutes: 0, unlock: false });

function gate(approver: Approver, clock = new FakeClock()) {
  let pendingEvents = 0;
  const g = new ApprovalGate({ approver, clock, timeoutMs: 50_000, onPending: () => (pendingEvents += 1) });
  return { g, clock, events: () => pendingEvents };
}

describe('ApprovalGate', () => {
  it('shares one prompt among identical requests, and asks again for a different one', async () => {
    const stub = new StubApprover();
    const { g, events } = gate(stub);
    const a = g.ask(['prod', 'aws s3 ls'], request('prod'));
    const b = g.ask(['prod', 'aws s3 ls'], request('prod'));
    const c = g.ask(['prod', 'aws s3 cp'], request('prod'));
    await stub.untilOpen(2);
    assert.equal(g.pending, 2);
    stub.answer({ allow: true, rememberMinutes: 0 });
    stub.answer({ allow: false, rememberMinutes: 0 });
    assert.deepEqual(await a, { kind: 'answered', answer: { allow: true, rememberMinutes: 0 } });
    assert.equal(await b, await a);
    assert.deepEqual(await c, { kind: 'answered', answer: { allow: false, rememberMinutes: 0 } });
    assert.equal(stub.requests.length, 2);
    assert.equal(g.pending, 0);
    assert.equal(events(), 4, 'two opened, two closed');
  });

  it('times out at the deadline and closes the prompt', async () => {
    const stub = new StubApprover();
    const { g, clock } = gate(stub);
    const asked = g.ask(['prod'], request('prod'));
    await stub.untilOpen();
    clock.advance(49_999);
    assert.equal(stub.open, 1);
    clock.advance(1);
    assert.deepEqual(await asked, { kind: 'timeout' });
    assert.equal(stub.aborted.length, 1);
    assert.equal(clock.pending, 0, 'no timer left running');
  });

  it('closes every open prompt as locked on cancelAll', async () => {
    const stub = new StubApprover();
    const { g } = gate(stub);
    const one = g.ask(['prod'], request('prod'));
    const two = g.ask(['stage'], request('stage'));
    await stub.untilOpen(2);
    g.cancelAll();
    assert.deepEqual([await one, await two], [{ kind: 'locked' }, { kind: 'locked' }]);
  });

  it('reports an approver that throws as failed, with its message', async () => {
    const broken: Approver = { ask: () => Promise.reject(new Error('spawn zenity ENOENT')) };
    const { g } = gate(broken);
    assert.deepEqual(await g.ask(['prod'], request('prod')), { kind: 'failed', message: 'spawn zenity ENOENT' });
  });
});

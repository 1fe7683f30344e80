import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApprovalGate } from '../../main/core/approval/approval-gate.ts';
import { NoApproverError } from '../../main/core/errors.ts';
import type { ApprovalRequest, Approver } from '../../main/core/ports/ports.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { StubApprover } from '../fakes/stub-approver.ts';

const request = (profile: string): ApprovalRequest => ({ profile, caller: undefined, unlock: false });
const flush = () => new Promise((r) => setImmediate(r));

function gate(approver: Approver, clock = new FakeClock(), timeoutMs = () => 50_000) {
  let pendingEvents = 0;
  const g = new ApprovalGate({ approver, clock, timeoutMs, onPending: () => (pendingEvents += 1) });
  return { g, clock, events: () => pendingEvents };
}

describe('ApprovalGate', () => {
  it('shares one prompt only under the same share key; other requests queue for their own, one at a time', async () => {
    const stub = new StubApprover();
    const { g, events } = gate(stub);
    const a = g.ask('a', 'run-1', request('prod'));
    const b = g.ask('b', 'run-1', request('prod'));
    const c = g.ask('c', 'run-2', request('prod'));
    const d = g.ask('d', undefined, request('prod'));
    await stub.untilOpen();
    await flush();
    assert.equal(g.pending, 3, 'three prompts wait');
    assert.equal(stub.open, 1, 'the approver sees one at a time');
    stub.answer({ allow: true });
    await stub.untilOpen();
    stub.answer({ allow: false });
    await stub.untilOpen();
    stub.answer({ allow: true });
    assert.deepEqual(await a, { result: { kind: 'answered', answer: { allow: true } }, promptId: 'a', shared: false });
    assert.deepEqual(await b, { result: { kind: 'answered', answer: { allow: true } }, promptId: 'a', shared: true });
    assert.deepEqual((await c).result, { kind: 'answered', answer: { allow: false } });
    assert.deepEqual(await d, { result: { kind: 'answered', answer: { allow: true } }, promptId: 'd', shared: false });
    assert.equal(stub.requests.length, 3);
    assert.equal(g.pending, 0);
    assert.equal(events(), 6, 'three opened, three closed');
  });

  it('times out at the deadline, counted from arrival even while queued, and closes the prompt', async () => {
    const stub = new StubApprover();
    const { g, clock } = gate(stub);
    const first = g.ask('1', undefined, request('prod'));
    await stub.untilOpen();
    clock.advance(10_000);
    const second = g.ask('2', undefined, request('prod'));
    clock.advance(39_999);
    assert.equal(stub.open, 1);
    clock.advance(1);
    assert.deepEqual((await first).result, { kind: 'timeout', timeoutMs: 50_000 });
    await stub.untilOpen();
    clock.advance(10_000);
    assert.deepEqual((await second).result, { kind: 'timeout', timeoutMs: 50_000 });
    assert.equal(stub.aborted.length, 2);
    assert.equal(clock.pending, 0, 'no timer left running');
  });

  it('reads the time-out as each prompt opens: a changed one applies to later prompts, not to open ones', async () => {
    const stub = new StubApprover();
    let timeoutMs = 50_000;
    const { g, clock } = gate(stub, new FakeClock(), () => timeoutMs);
    const first = g.ask('1', undefined, request('prod'));
    await stub.untilOpen();
    timeoutMs = 5_000;
    const second = g.ask('2', undefined, request('prod'));
    assert.deepEqual(
      g.list().map((p) => p.deadline - p.since),
      [50_000, 5_000],
    );
    clock.advance(5_000);
    assert.deepEqual((await second).result, { kind: 'timeout', timeoutMs: 5_000 });
    assert.equal(g.pending, 1);
    clock.advance(45_000);
    assert.deepEqual((await first).result, { kind: 'timeout', timeoutMs: 50_000 });
  });

  it('closes every open prompt as locked on cancelAll', async () => {
    const stub = new StubApprover();
    const { g } = gate(stub);
    const one = g.ask('1', undefined, request('prod'));
    const two = g.ask('2', undefined, request('stage'));
    await stub.untilOpen();
    g.cancelAll();
    assert.deepEqual([(await one).result, (await two).result], [{ kind: 'locked' }, { kind: 'locked' }]);
  });

  it('reports an approver that throws as failed, with its message', async () => {
    const broken: Approver = { ask: () => Promise.reject(new Error('spawn zenity ENOENT')) };
    const { g } = gate(broken);
    assert.deepEqual((await g.ask('1', undefined, request('prod'))).result, {
      kind: 'failed',
      message: 'spawn zenity ENOENT',
    });
  });

  it('without an approver the prompt waits for one to connect up to its deadline, and its requests hear so once', async () => {
    const none: Approver = { ask: () => Promise.reject(new NoApproverError()) };
    const { g, clock } = gate(none);
    const heard: { id: string; profile: string; deadline: number }[] = [];
    const start = clock.now();
    const timedOut = g.ask('1', 'run-1', request('prod'), (w) => heard.push({ id: '1', ...w }));
    await flush();
    assert.equal(g.pending, 1, 'not refused at once: it waits');
    const joined = g.ask('1b', 'run-1', request('prod'), (w) => heard.push({ id: '1b', ...w }));
    clock.advance(49_999);
    assert.equal(g.pending, 1);
    clock.advance(1);
    assert.deepEqual((await timedOut).result, { kind: 'timeout', timeoutMs: 50_000, waitedMs: 50_000 });
    assert.deepEqual((await joined).result, { kind: 'timeout', timeoutMs: 50_000, waitedMs: 50_000 });
    assert.deepEqual(
      heard.map((h) => h.id),
      ['1', '1b'],
      'the opener when it began to wait, the joiner as it joined',
    );
    assert.equal(heard[0]?.deadline, start + 50_000);
    assert.equal(heard[0]?.profile, 'prod');

    const asked = g.ask('2', undefined, request('prod'), () => undefined);
    await flush();
    clock.advance(7_000);
    const [pending] = g.list();
    assert.equal(pending?.id, '2');
    assert.equal(g.answer('no-such-prompt', { allow: true }), false, 'only a pending prompt can be answered');
    assert.equal(g.answer(pending!.ref, { allow: true }), true);
    assert.equal(g.answer(pending!.ref, { allow: false }), false, 'the first answer wins');
    assert.deepEqual((await asked).result, { kind: 'answered', answer: { allow: true }, waitedMs: 7_000 });
  });

  it('without an approver but with a terminal approver listening, the prompt waits for it and is not said to wait for one', async () => {
    const none: Approver = { ask: () => Promise.reject(new NoApproverError()) };
    const { g, clock } = gate(none);
    g.terminalListening(clock.now() + 30_000);
    let heard = 0;
    const asked = g.ask('1', undefined, request('prod'), () => (heard += 1));
    await flush();
    assert.equal(g.answer(g.list()[0]!.ref, { allow: false }), true);
    assert.deepEqual((await asked).result, { kind: 'answered', answer: { allow: false } });
    assert.equal(heard, 0);
  });

  it('a terminal answer and the approver race: the first wins and the other prompt closes', async () => {
    const stub = new StubApprover();
    const { g } = gate(stub);
    const asked = g.ask('1', undefined, request('prod'));
    await stub.untilOpen();
    assert.equal(g.answer(g.list()[0]!.ref, { allow: false }), true);
    assert.deepEqual((await asked).result, { kind: 'answered', answer: { allow: false } });
    assert.equal(stub.aborted.length, 1, "the approver's prompt was closed");
  });

  it('names prompts by its own refs: two requests with one client-chosen id stay apart', async () => {
    const stub = new StubApprover();
    const { g } = gate(stub);
    const victim = g.ask('same', undefined, request('prod'));
    const forger = g.ask('same', undefined, request('prod'));
    await stub.untilOpen();
    const [v, f] = g.list();
    assert.notEqual(v!.ref, f!.ref);
    g.answer(v!.ref, { allow: true });
    g.answer(f!.ref, { allow: false });
    assert.deepEqual(
      [(await victim).result, (await forger).result],
      [
        { kind: 'answered', answer: { allow: true } },
        { kind: 'answered', answer: { allow: false } },
      ],
    );
  });
});

/**
 * The verified caller through the broker and the socket's request handler: it reaches the
 * approval request and the audit entry (argv redacted like a claim), lock and forget record it,
 * and a peer of another uid is refused before the broker sees it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { VerifiedCaller } from '../../common/caller.ts';
import type { Request } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { parseLine } from '../../main/core/audit/audit-codec.ts';
import { requestHandler } from '../../main/node/agent/request-handler.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;

const claim = { pid: 300, ppid: 200, command: 'terraform apply', cwd: '/srv' };
const verified = (uid = 1000): VerifiedCaller => ({
  method: 'SO_PEERCRED',
  peer: { pid: 301, uid },
  requester: {
    pid: 299,
    startTime: '123456',
    exe: '/usr/bin/python3.11',
    argv: ['/usr/bin/python3', '/usr/bin/aws', 'ssm', 'put-parameter', '--value', 'hunter2', '--name', 'p'],
    cwd: '/home/ann',
  },
  ancestry: [{ pid: 10, exe: '/usr/bin/bash', argv: ['bash', '-c', 'deploy --password=swordfish'] }],
});
const ask = (profile: string, id: string): Request => ({ v: 1, id, op: 'credentials', profile, caller: claim });

describe('the verified caller through the broker', () => {
  let w: World;

  beforeEach(async () => {
    w = await makeWorld({ approvalTimeoutMs: () => 60_000 });
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['prod', PROD_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  it('reaches the prompt and the audit entry beside the claim, every argv redacted', async () => {
    const handle = requestHandler(w.broker, () => undefined, { uid: 1000, audit: w.audit });
    const pending = handle(ask('prod', 'v1'), verified());
    await w.approver.untilOpen();
    const [request] = w.approver.requests;
    assert.deepEqual(request!.caller, claim);
    assert.equal(request!.verified?.requester.exe, '/usr/bin/python3.11');
    assert.deepEqual(
      request!.verified?.requester.argv.slice(4, 6),
      ['--value', '[redacted]'],
      'the prompt never sees the secret either',
    );
    w.approver.answer({ allow: true });
    assert.equal((await pending).ok, true);
    const entry = (await w.entries()).find((e) => e.requestId === 'v1')!;
    assert.deepEqual(entry.caller, claim);
    assert.equal(entry.verified?.peer.pid, 301);
    assert.deepEqual(entry.verified?.requester.argv, [
      '/usr/bin/python3',
      '/usr/bin/aws',
      'ssm',
      'put-parameter',
      '--value',
      '[redacted]',
      '--name',
      'p',
    ]);
    assert.deepEqual(entry.verified?.ancestry[0]?.argv, ['bash', '-c', 'deploy --password=[redacted]']);
    assert.doesNotMatch(JSON.stringify(await w.entries()), /hunter2|swordfish/);
  });

  it('lock and forget record who asked', async () => {
    const handle = requestHandler(w.broker, () => undefined, { uid: 1000, audit: w.audit });
    await handle({ v: 1, id: 'l1', op: 'lock', caller: claim }, verified());
    const lock = (await w.entries()).findLast((e) => e.event === 'lock')!;
    assert.equal(lock.verified?.requester.pid, 299);
  });

  it('a peer of another uid is refused: FORBIDDEN, recorded, the broker never asked', async () => {
    const warnings: string[] = [];
    const handle = requestHandler(w.broker, (m) => warnings.push(m), { uid: 1000, audit: w.audit });
    const response = await handle(ask('dev', 'f1'), verified(0));
    assert.equal(response.ok, false);
    assert.equal(!response.ok && response.error.code, 'FORBIDDEN');
    assert.match(
      !response.ok ? response.error.message : '',
      /runs as uid 0, not as the agent's uid 1000: tray-cred serves only the user it runs as/,
    );
    assert.equal(w.approver.requests.length, 0);
    const entry = (await w.entries()).find((e) => e.requestId === 'f1')!;
    assert.equal(entry.decision, 'denied');
    assert.equal(entry.served, undefined);
    assert.equal(entry.verified?.peer.uid, 0);
    assert.match(
      warnings.join('\n'),
      /refused a credentials request: the connecting process \(pid 301\) runs as uid 0/,
    );
    // Another op is refused the same way: a foreign user cannot lock the agent either.
    const lock = await handle({ v: 1, id: 'f2', op: 'lock' }, verified(0));
    assert.equal(!lock.ok && lock.error.code, 'FORBIDDEN');
    assert.equal(w.broker.locked, false);
  });

  it('without a verified caller (Windows) the claim alone is recorded', async () => {
    const handle = requestHandler(w.broker, () => undefined, { uid: undefined, audit: w.audit });
    assert.equal((await handle(ask('dev', 'c1'))).ok, true);
    const entry = (await w.entries()).find((e) => e.requestId === 'c1')!;
    assert.equal(entry.verified, undefined);
    assert.deepEqual(entry.caller, claim);
  });
});

describe('the audit codec reads a verified caller only within its bounds', () => {
  const line = (v: unknown): string =>
    `${JSON.stringify({ seq: 1, time: '2026-01-01T00:00:00.000Z', event: 'access', verified: v, prev: '0'.repeat(64) }).slice(0, -1)},"mac":"${'a'.repeat(64)}"}`;
  const good = verified();
  const cases: [string, unknown, boolean][] = [
    ['a whole one', good, true],
    ['with what was not verified', { ...good, incomplete: 'the peer exited' }, true],
    ['no peer', { ...good, peer: undefined }, false],
    ['a uid as text', { ...good, peer: { pid: 1, uid: '0' } }, false],
    ['argv not an array', { ...good, requester: { ...good.requester, argv: 'aws s3 ls' } }, false],
    [
      'an argv of 300 arguments',
      { ...good, requester: { ...good.requester, argv: Array.from({ length: 300 }, () => 'a') } },
      false,
    ],
    [
      'an executable path of 5000 characters',
      { ...good, requester: { ...good.requester, exe: 'x'.repeat(5000) } },
      false,
    ],
    ['no start time', { ...good, requester: { ...good.requester, startTime: undefined } }, false],
    ['nine ancestors', { ...good, ancestry: Array.from({ length: 9 }, () => good.ancestry[0]) }, false],
    ['an ancestor without argv', { ...good, ancestry: [{ pid: 1, exe: '/sbin/init' }] }, false],
  ];
  for (const [name, v, ok] of cases) {
    it(name, () => {
      const parsed = parseLine(line(v));
      assert.equal(
        parsed.ok || parsed.reason !== 'its verified is not what tray-cred writes there',
        ok,
        JSON.stringify(parsed),
      );
    });
  }
});

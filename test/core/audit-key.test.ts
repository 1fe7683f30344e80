import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { Broker } from '../../main/core/pipeline/broker.ts';
import { auditKeyAccount } from '../../main/core/vault/vault.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

describe("the agent's audit key: held while unlocked, read per write while locked", () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let reads: number;
  let audit: AuditLog;
  let broker: Broker;
  const warnings: string[] = [];

  beforeEach(async () => {
    w = await makeWorld();
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['dev', DEV_KEYS]]), {
      replace: false,
      source: 'test',
      sessionMode: false,
    });
    key.fill(0);
    reads = 0;
    const getBytes = w.keychain.getBytes.bind(w.keychain);
    w.keychain.getBytes = async (account) => {
      if (account === auditKeyAccount(await w.vault.vaultId())) reads += 1;
      return getBytes(account);
    };
    // As the agent builds it: the key is read from the keychain when the log needs it.
    audit = new AuditLog({ fs: w.fs, clock: w.clock }, w.audit.dir, () => w.vault.loadAuditKey());
    broker = new Broker({
      vault: w.vault,
      audit,
      source: w.source,
      approver: w.approver,
      clock: w.clock,
      pid: 1,
      warn: (m) => warnings.push(m),
    });
  });
  afterEach(async () => {
    await broker.flushLastUsed();
    await audit.flushed().catch(() => undefined);
    await w.close();
  });

  it('reads the key once while unlocked, once per write after a lock', async () => {
    await broker.unlock(undefined, { authorized: true });
    for (let i = 0; i < 5; i += 1) await broker.credentials(`r${i}`, 'dev', undefined);
    assert.equal(reads, 1, 'held between writes while unlocked');
    await broker.lock('test');
    assert.equal(reads, 1, 'the lock entry is written with the key still held');
    for (let i = 0; i < 3; i += 1)
      await assert.rejects(broker.credentials(`l${i}`, 'dev', undefined), { code: 'LOCKED' });
    assert.equal(reads, 4, 'zeroed on lock: each later write reads it again');
    assert.deepEqual(
      (await w.entries()).slice(-4).map((e) => [e.event, e.decision ?? null]),
      [
        ['lock', null],
        ['access', 'locked'],
        ['access', 'locked'],
        ['access', 'locked'],
      ],
    );
  });

  it('with the keychain gone, still records the lock, and answers a refusal it cannot record', async () => {
    await broker.unlock(undefined, { authorized: true });
    await broker.credentials('r1', 'dev', undefined);
    w.keychain.unavailable = true;
    await broker.lock('keychain gone');
    assert.equal((await w.entries()).at(-1)!.event, 'lock');
    await assert.rejects(broker.credentials('r2', 'dev', undefined), { code: 'LOCKED' });
    assert.match(
      warnings.at(-1)!,
      /^a refused request for dev was not recorded in the audit log: could not reach the keychain/,
    );
    assert.equal((await w.entries()).at(-1)!.event, 'lock', 'nothing half-written');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { Broker, type BrokerOptions } from '../../main/core/pipeline/broker.ts';
import { CredentialSource } from '../../main/core/pipeline/credential-source.ts';
import type { Approver, FirstUse } from '../../main/core/ports/ports.ts';
import type { ChainWalker } from '../../main/core/sources/chain-walker.ts';
import { Vault } from '../../main/core/vault/vault.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { requestHandler } from '../../main/node/agent/request-handler.ts';
import { ShellCommandRunner } from '../../main/node/platform/shell-command-runner.ts';
import { CryptoRandom } from '../../main/node/platform/system-clock.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeSts } from './fake-sts.ts';
import { MemoryKeychain } from './memory-keychain.ts';
import { StubApprover } from './stub-approver.ts';

/**
 * A core wired for unit tests: the real file system adapter in a fresh temp dir, a fake clock,
 * an in-memory keychain and a stub approver. `close()` removes the dir.
 */
export async function makeWorld(
  options: BrokerOptions & { approver?: Approver; firstUse?: FirstUse; walkChain?: ChainWalker } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'tray-cred-test-'));
  const fs = new NodeFileSystem(process.getuid?.());
  const keychain = new MemoryKeychain();
  const clock = new FakeClock();
  const random = new CryptoRandom();
  const vault = new Vault({ fs, keychain, random, clock }, join(dir, 'data'));
  await vault.init();
  const audit = new AuditLog(
    { fs, clock, anchor: { keychain, vaultId: await vault.vaultId() } },
    join(dir, 'data', 'audit'),
    await vault.loadAuditKey(),
  );
  const stub = new StubApprover();
  const sts = new FakeSts(clock);
  const source = new CredentialSource({ sts, runner: new ShellCommandRunner(), clock });
  const warnings: string[] = [];
  const broker = new Broker(
    {
      vault,
      audit,
      source,
      approver: options.approver ?? stub,
      clock,
      pid: 4242,
      warn: (m) => warnings.push(m),
      firstUse: options.firstUse,
      walkChain: options.walkChain,
    },
    options,
  );
  return {
    /** Answers a wire request as the agent's socket does. */
    handle: requestHandler(broker, (m) => warnings.push(m)),
    dir,
    fs,
    keychain,
    clock,
    vault,
    audit,
    approver: stub,
    broker,
    sts,
    source,
    warnings,
    auditKey: () => vault.loadAuditKey(),
    entries: () => readAuditLog(fs, audit.dir),
    /** Waits for the broker's last-used write (a timer may have started one), then removes the dir. */
    close: async () => {
      await broker.flushLastUsed();
      await audit.flushed().catch(() => undefined); // the chain head follows the answers: let it land before the dir goes
      await rm(dir, { recursive: true, force: true });
    },
  };
}

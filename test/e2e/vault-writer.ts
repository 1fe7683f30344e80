/**
 * The child of vault-crash.test.ts: rewrites the vault in `argv[2]` with Vault.update() as fast
 * as it can, forever, until it is killed. Each version n holds counterProfiles(n). The master
 * key arrives base64 on stdin (the parent read it from the real keychain once); this process
 * keeps it in a MemoryKeychain, the keychain port's test implementation, so it needs no D-Bus.
 *
 * stdout: `start <n>` once the vault has been read, then `<n>` after each update that resolved.
 * On Linux a write to a pipe is synchronous in Node, so a number the parent reads was written
 * before the kill.
 */
import { CryptoRandom, SystemClock } from '../../main/node/platform/system-clock.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { Vault, masterKeyAccount } from '../../main/core/vault/vault.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';
import { counterOf, counterProfiles } from './support.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: vault-writer.ts <data dir>   (master key, base64, on stdin)');

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const key = Buffer.from(Buffer.concat(chunks).toString('utf8').trim(), 'base64');

const keychain = new MemoryKeychain();
const vault = new Vault(
  { fs: new NodeFileSystem(process.getuid?.()), keychain, random: new CryptoRandom(), clock: new SystemClock() },
  dir,
);
await keychain.set(masterKeyAccount(await vault.vaultId()), key.toString('base64'));
const master = await vault.loadMasterKey();

let n = counterOf((await vault.read(master)).data);
process.stdout.write(`start ${n}\n`);
for (;;) {
  const next = n + 1;
  await vault.update(master, (data) => {
    if (counterOf(data) !== n)
      throw new Error(`the vault holds version ${counterOf(data)}, expected ${n}: another writer?`);
    data.profiles = counterProfiles(next);
  });
  n = next;
  process.stdout.write(`${n}\n`);
}

/**
 * Parallel `audit verify` against the sequential one it must equal: on an intact log of many
 * files, and after each edit an attacker with write access to the audit directory could make.
 * The fast pass (scan per file, then stitch) must accept the intact log on its own, and refuse
 * every damaged one, leaving the report to the full checks.
 */
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readAuditAnchor } from '../../main/core/audit-anchor.ts';
import { chainHolds, scanAuditFile } from '../../main/core/audit-chain-scan.ts';
import { GENESIS, MAX_LINE_CHARS, isAuditFile } from '../../main/core/audit-codec.ts';
import { LineMac } from '../../main/core/audit-line-mac.ts';
import { readHead } from '../../main/core/audit-head.ts';
import { AuditLog } from '../../main/core/audit-log.ts';
import { verifyAuditLog } from '../../main/core/audit-verify.ts';
import { verifyAuditLogParallel } from '../../main/node/audit-verify-parallel.ts';
import { NodeFileSystem } from '../../main/node/node-file-system.ts';
import { accessInput } from '../fakes/access-history.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 9);

describe('parallel audit verify', () => {
  let dir: string;
  let place: { keychain: MemoryKeychain; vaultId: string };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-pverify-'));
    place = { keychain: new MemoryKeychain(), vaultId: 'v1' };
    const clock = new FakeClock();
    const log = new AuditLog({ fs, clock, anchor: place }, dir, key, { maxFileBytes: 6000 });
    await log.append({ event: 'init' });
    for (let n = 0; n < 120; n += 1) {
      clock.advance(1000);
      await log.append(accessInput({ profile: n % 2 ? 'dev' : 'prod', decision: 'allowed', exe: '/usr/bin/aws' }));
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = async (): Promise<string[]> => (await readdir(dir)).filter(isAuditFile).sort();
  /** What the fast pass alone says: entries when it accepts, undefined when it leaves the log to the full checks. */
  async function fastPass(): Promise<{ entries: number } | undefined> {
    const anchor = await readAuditAnchor(place);
    const head = await readHead(fs, dir, createSecretKey(key));
    const want = [1, ...(head.ok ? [head.seq] : []), ...(anchor ? [anchor.seq] : [])];
    const mac = new LineMac(key, MAX_LINE_CHARS);
    const scans = await Promise.all((await files()).map(async (f) => readFile(join(dir, f)).then((buf) => scanAuditFile(mac, buf, buf.length, want))));
    return chainHolds(scans, { head, anchor, requireEntries: true, genesis: GENESIS });
  }
  async function both() {
    const anchor = await readAuditAnchor(place);
    const options = { requireEntries: true, anchor, threads: 3 };
    return { parallel: await verifyAuditLogParallel(fs, dir, key, options), sequential: await verifyAuditLog(fs, dir, key, options) };
  }

  it('accepts an intact log of many files in the fast pass, with the same report as the sequential verify', async () => {
    assert.ok((await files()).length >= 8, 'many files');
    assert.deepEqual(await fastPass(), { entries: 121 });
    const { parallel, sequential } = await both();
    assert.equal(parallel.ok, true);
    assert.deepEqual(parallel, sequential);
  });

  const edit = async (index: number, change: (lines: string[]) => string[]): Promise<void> => {
    const name = (await files())[index]!;
    const lines = (await readFile(join(dir, name), 'utf8')).split('\n');
    await writeFile(join(dir, name), change(lines).join('\n'));
  };
  const attacks: [string, () => Promise<void>][] = [
    ['a field edited in a middle file', () => edit(4, (l) => l.map((x, i) => (i === 1 ? x.replace('"decision":"allowed"', '"decision":"denied"') : x)))],
    ['a line deleted in a middle file', () => edit(4, (l) => l.filter((_, i) => i !== 1))],
    ['two lines swapped', () => edit(3, (l) => [l[1]!, l[0]!, ...l.slice(2)])],
    ['a whole middle file deleted', async () => unlink(join(dir, (await files())[5]!))],
    ['the first file deleted', async () => unlink(join(dir, (await files())[0]!))],
    ['the last file deleted (entries cut off)', async () => unlink(join(dir, (await files()).at(-1)!))],
    ['two files swapped', async () => {
      const [a, b] = [(await files())[2]!, (await files())[3]!];
      const [ta, tb] = [await readFile(join(dir, a)), await readFile(join(dir, b))];
      await writeFile(join(dir, a), tb);
      await writeFile(join(dir, b), ta);
    }],
    ['a torn last line', async () => {
      const last = (await files()).at(-1)!;
      await writeFile(join(dir, last), `${await readFile(join(dir, last), 'utf8')}{"seq":999,"tor`);
    }],
    ['the head edited', async () => writeFile(join(dir, 'head.json'), '{"seq":3}')],
    ['a tamper entry with a right MAC', async () => {
      const log = new AuditLog({ fs, clock: new FakeClock(), anchor: place }, dir, key, { maxFileBytes: 6000 });
      await log.append({ event: 'tamper', reason: 'seen' });
    }],
  ];
  for (const [what, attack] of attacks) {
    it(`refuses ${what} in the fast pass, and reports what the sequential verify reports`, async () => {
      await attack();
      assert.equal(await fastPass(), undefined);
      const { parallel, sequential } = await both();
      assert.equal(sequential.ok, false, 'the attack is one verify catches');
      assert.deepEqual(parallel, sequential);
    });
  }
});

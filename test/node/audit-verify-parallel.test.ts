/**
 * Parallel `audit verify` against the sequential one it must equal: on an intact log of many
 * files, and after each edit an attacker with write access to the audit directory could make.
 * The fast pass (scan per file, then stitch) must accept the intact log on its own, and refuse
 * every damaged one, leaving the report to the full checks.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { createSecretKey } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { readAuditAnchor } from '../../main/core/audit/audit-anchor.ts';
import { chainHolds, scanAuditFile } from '../../main/core/audit/audit-chain-scan.ts';
import { GENESIS, MAX_LINE_CHARS, fileName, isAuditFile, sealEntry } from '../../main/core/audit/audit-codec.ts';
import { LineMac } from '../../main/core/audit/audit-line-mac.ts';
import { readHead, writeHead } from '../../main/core/audit/audit-head.ts';
import { TamperedError } from '../../main/core/errors.ts';
import { LIMITS } from '../../main/core/file-limits.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { scanQueue, type IndexedScan } from '../../main/node/audit/audit-scan-queue.ts';
import { verifyAuditLogParallel } from '../../main/node/audit/audit-verify-parallel.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { accessInput } from '../fakes/access-history.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { MemoryKeychain } from '../fakes/memory-keychain.ts';

const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 9);

describe('parallel audit verify', () => {
  let dir: string;
  let place: { keychain: MemoryKeychain; vaultId: string };

  // The log is written once, by the real AuditLog; each test edits a copy of it and of its keychain entries.
  let written: { dir: string; keychain: MemoryKeychain };
  before(async () => {
    written = { dir: await mkdtemp(join(tmpdir(), 'tray-cred-pverify-written-')), keychain: new MemoryKeychain() };
    const clock = new FakeClock();
    const anchor = { keychain: written.keychain, vaultId: 'v1' };
    const log = new AuditLog({ fs, clock, anchor }, written.dir, key, { maxFileBytes: 6000 });
    await log.append({ event: 'init' });
    for (let n = 0; n < 120; n += 1) {
      clock.advance(1000);
      await log.append(accessInput({ profile: n % 2 ? 'dev' : 'prod', decision: 'allowed', exe: '/usr/bin/aws' }));
    }
    await log.flushed(); // the chain head follows the answers: the attacks below edit it
  });
  after(() => rm(written.dir, { recursive: true, force: true }));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-pverify-'));
    await cp(written.dir, dir, { recursive: true });
    place = { keychain: new MemoryKeychain(), vaultId: 'v1' };
    for (const [account, secret] of written.keychain.entries) place.keychain.entries.set(account, secret);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = async (): Promise<string[]> => (await readdir(dir)).filter(isAuditFile).sort();
  /** What the fast pass alone says: entries when it accepts, undefined when it leaves the log to the full checks. */
  async function fastPass(): Promise<{ entries: number } | undefined> {
    const anchor = await readAuditAnchor(place);
    const head = await readHead(fs, dir, createSecretKey(key));
    const want = [1, ...(head.ok ? [head.seq] : []), ...(anchor ? [anchor.seq] : [])];
    const mac = new LineMac(key, MAX_LINE_CHARS);
    const scans = await Promise.all(
      (await files()).map(async (f) => readFile(join(dir, f)).then((buf) => scanAuditFile(mac, buf, buf.length, want))),
    );
    return chainHolds(scans, { head, anchor, requireEntries: true, genesis: GENESIS });
  }
  async function both() {
    const anchor = await readAuditAnchor(place);
    const options = { requireEntries: true, anchor, threads: 3 };
    return {
      parallel: await verifyAuditLogParallel(fs, dir, key, options),
      sequential: await verifyAuditLog(fs, dir, key, options),
    };
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
    [
      'a field edited in a middle file',
      () => edit(4, (l) => l.map((x, i) => (i === 1 ? x.replace('"decision":"allowed"', '"decision":"denied"') : x))),
    ],
    ['a line deleted in a middle file', () => edit(4, (l) => l.filter((_, i) => i !== 1))],
    ['two lines swapped', () => edit(3, (l) => [l[1]!, l[0]!, ...l.slice(2)])],
    ['a whole middle file deleted', async () => unlink(join(dir, (await files())[5]!))],
    ['the first file deleted', async () => unlink(join(dir, (await files())[0]!))],
    ['the last file deleted (entries cut off)', async () => unlink(join(dir, (await files()).at(-1)!))],
    [
      'two files swapped',
      async () => {
        const [a, b] = [(await files())[2]!, (await files())[3]!];
        const [ta, tb] = [await readFile(join(dir, a)), await readFile(join(dir, b))];
        await writeFile(join(dir, a), tb);
        await writeFile(join(dir, b), ta);
      },
    ],
    [
      'a torn last line',
      async () => {
        const last = (await files()).at(-1)!;
        await writeFile(join(dir, last), `${await readFile(join(dir, last), 'utf8')}{"seq":999,"tor`);
      },
    ],
    ['the head edited', async () => writeFile(join(dir, 'head.json'), '{"seq":3}')],
    [
      'a tamper entry with a right MAC',
      async () => {
        const log = new AuditLog({ fs, clock: new FakeClock(), anchor: place }, dir, key, { maxFileBytes: 6000 });
        await log.append({ event: 'tamper', reason: 'seen' });
      },
    ],
    // Files are taken one at a time by whichever thread is free: an edit deep inside a file a thread takes late.
    [
      'a field edited in the middle line of a late file',
      async () => {
        const index = (await files()).length - 3;
        const middle = Math.floor(
          ((await readFile(join(dir, (await files())[index]!), 'utf8')).split('\n').length - 1) / 2,
        );
        await edit(index, (l) =>
          l.map((x, i) =>
            i === middle
              ? x.replace('"profile":"dev"', '"profile":"ops"').replace('"profile":"prod"', '"profile":"ops"')
              : x,
          ),
        );
      },
    ],
    [
      'a file replaced by a copy of the file after it',
      async () => {
        const [a, b] = [(await files())[6]!, (await files())[7]!];
        await writeFile(join(dir, a), await readFile(join(dir, b)));
      },
    ],
    [
      'the first and the last file swapped',
      async () => {
        const [a, b] = [(await files())[0]!, (await files()).at(-1)!];
        const [ta, tb] = [await readFile(join(dir, a)), await readFile(join(dir, b))];
        await writeFile(join(dir, a), tb);
        await writeFile(join(dir, b), ta);
      },
    ],
    [
      'a line moved from the middle of one file into another',
      async () => {
        const from = (await readFile(join(dir, (await files())[3]!), 'utf8')).split('\n')[2]!;
        await edit(3, (l) => l.filter((_, i) => i !== 2));
        await edit(8, (l) => [...l.slice(0, 2), from, ...l.slice(2)]);
      },
    ],
    [
      'the log cut at a line boundary inside the file before the last (entries cut off)',
      async () => {
        const all = await files();
        await unlink(join(dir, all.at(-1)!));
        await edit(all.length - 2, (l) => [...l.slice(0, -3), '']);
      },
    ],
    [
      'the last file cut in the middle of a line',
      async () => {
        const last = join(dir, (await files()).at(-1)!);
        const bytes = await readFile(last);
        await writeFile(last, bytes.subarray(0, bytes.length - 100));
      },
    ],
    ['the last file emptied', async () => writeFile(join(dir, (await files()).at(-1)!), '')],
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

  // Rearrangements the chain does not forbid: both verifies accept them, with the same report.
  const harmless: [string, () => Promise<void>][] = [
    [
      'the last line of a file moved to the start of the next',
      async () => {
        const last = (await readFile(join(dir, (await files())[4]!), 'utf8')).split('\n').at(-2)!;
        await edit(4, (l) => [...l.slice(0, -2), '']);
        await edit(5, (l) => [last, ...l]);
      },
    ],
    ['an empty file between two others', () => writeFile(join(dir, 'audit-000000000050.jsonl'), '')],
  ];
  for (const [what, change] of harmless) {
    it(`accepts ${what} in the fast pass, as the sequential verify does`, async () => {
      await change();
      assert.deepEqual(await fastPass(), { entries: 121 });
      const { parallel, sequential } = await both();
      assert.equal(sequential.ok, true);
      assert.deepEqual(parallel, sequential);
    });
  }

  it('gives the same report on one thread, two and four, for an intact log and an edited one', async () => {
    const anchor = await readAuditAnchor(place);
    const reports = async () =>
      Promise.all(
        [1, 2, 4].map((threads) => verifyAuditLogParallel(fs, dir, key, { requireEntries: true, anchor, threads })),
      );
    const sequential = await verifyAuditLog(fs, dir, key, { requireEntries: true, anchor });
    for (const report of await reports()) assert.deepEqual(report, sequential);
    await edit(9, (l) => l.map((x, i) => (i === 4 ? x.replace('"event":"access"', '"event":"acces5"') : x)));
    const refused = await verifyAuditLog(fs, dir, key, { requireEntries: true, anchor });
    assert.equal(refused.ok, false);
    for (const report of await reports()) assert.deepEqual(report, refused);
  });

  it("refuses a log file over the audit file cap with the sequential verify's error, though every line in it is intact", async () => {
    // The writer's own lines of about 30 KiB, sealed with the key, in one file past the 64 MiB cap; the
    // head names the entry that ends exactly one byte past the cap, so the cap's bytes alone are an intact log.
    const sealed = createSecretKey(key);
    const lines: string[] = [];
    let prev = GENESIS;
    let size = 0;
    const append = (reasonLength: number): void => {
      const seq = lines.length + 1;
      const { line, entry } = sealEntry(
        sealed,
        { event: 'access', profile: 'p', decision: 'allowed', reason: 'r'.repeat(reasonLength) },
        seq,
        new Date(seq).toISOString(),
        prev,
      );
      lines.push(line);
      size += line.length + 1;
      prev = entry.mac;
    };
    while (size < LIMITS.auditFile.bytes - 40 * 1024) append(30 * 1024);
    const { line: probe } = sealEntry(
      sealed,
      { event: 'access', profile: 'p', decision: 'allowed', reason: '' },
      lines.length + 1,
      new Date(lines.length + 1).toISOString(),
      prev,
    );
    append(LIMITS.auditFile.bytes + 1 - size - (probe.length + 1));
    assert.equal(size, LIMITS.auditFile.bytes + 1);
    const [headSeq, headMac] = [lines.length, prev];
    append(100);
    const big = await mkdtemp(join(tmpdir(), 'tray-cred-pverify-big-'));
    try {
      await writeFile(join(big, fileName(1)), `${lines.join('\n')}\n`);
      await writeHead(fs, big, sealed, headSeq, headMac);
      const sequential = await verifyAuditLog(fs, big, key).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(
        sequential instanceof TamperedError && /more than a tray-cred audit file/.test(sequential.message),
        String(sequential),
      );
      await assert.rejects(verifyAuditLogParallel(fs, big, key, { threads: 3 }), { message: sequential.message });
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });

  it('falls back to the full checks when a file cannot be read (a directory in its place)', async () => {
    const name = (await files())[6]!;
    await unlink(join(dir, name));
    await mkdir(join(dir, name));
    const anchor = await readAuditAnchor(place);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error: String(error) }),
      );
    const sequential = await outcome(verifyAuditLog(fs, dir, key, { requireEntries: true, anchor }));
    assert.ok(
      !('value' in sequential && (sequential.value as { ok: boolean }).ok),
      'the sequential verify does not accept it',
    );
    assert.deepEqual(
      await outcome(verifyAuditLogParallel(fs, dir, key, { requireEntries: true, anchor, threads: 3 })),
      sequential,
    );
  });

  it('reads each file only up to its own length in a reused buffer: a file cut short after a longer one is torn', async () => {
    const [a, b] = [(await files())[2]!, (await files())[3]!];
    // b becomes a's first lines with its last one cut in half: the bytes after the cut, left in the buffer from a, would complete it.
    const bytes = await readFile(join(dir, a));
    await writeFile(join(dir, b), bytes.subarray(0, bytes.indexOf('\n', bytes.length / 2) - 40));
    const job = { paths: [join(dir, a), join(dir, b)], want: [], next: new Int32Array(new SharedArrayBuffer(4)) };
    const scans = scanQueue(new Uint8Array(key), job);
    assert.deepEqual(
      scans.map(([i, scan]) => [i, scan.ok]),
      [
        [0, true],
        [1, false],
      ],
    );
  });

  // A worker that failed to load or computed another MAC would only send every log through the slow full checks, unseen in the reports above.
  for (const [what, script] of [
    ['the worker script', join(import.meta.dirname, '../../main/node/audit/audit-verify-worker.ts')],
    [
      'the bundled worker beside the CLI (dist/, built before the tests)',
      join(import.meta.dirname, '../../dist/audit-verify-worker.mjs'),
    ],
  ] as const) {
    it(`${what} accepts every file of an intact log on its own, and refuses an edited one`, async () => {
      const run = async (): Promise<IndexedScan[]> => {
        const paths = (await files()).map((f) => join(dir, f));
        const worker = new Worker(script, {
          workerData: { paths, want: [1], next: new Int32Array(new SharedArrayBuffer(4)), key: new Uint8Array(key) },
        });
        const [scans] = (await once(worker, 'message')) as [IndexedScan[]];
        await once(worker, 'exit');
        return scans;
      };
      const scans = await run();
      assert.equal(scans.length, (await files()).length);
      assert.ok(scans.every(([, scan]) => scan.ok));
      assert.equal(
        scans.reduce((n, [, scan]) => n + (scan.ok ? scan.count : 0), 0),
        121,
      );
      await edit(2, (l) => l.map((x, i) => (i === 3 ? x.replace('"decision":"allowed"', '"decision":"denied"') : x)));
      assert.ok((await run()).some(([, scan]) => !scan.ok));
    });
  }
});

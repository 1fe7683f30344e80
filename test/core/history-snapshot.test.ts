import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { HistoryFilter } from '../../common/history.ts';
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { SNAPSHOT_VERSION, type SnapshotPlace } from '../../main/core/history/history-snapshot.ts';
import type { FileSystem } from '../../main/core/ports/ports.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const fs = new NodeFileSystem(process.getuid?.());
const KEY = Buffer.alloc(32, 3);
const OTHER_KEY = Buffer.alloc(32, 9);
const DAY = 86_400_000;

/** The FileSystem port, counting the bytes read per path. */
function counting(inner: FileSystem): FileSystem & { read: Map<string, number>; total(prefix: string): number } {
  const wrapped = Object.create(inner) as FileSystem & { read: Map<string, number>; total(prefix: string): number };
  wrapped.read = new Map();
  wrapped.readRange = async (path, start, length) => {
    const b = await inner.readRange(path, start, length);
    wrapped.read.set(path, (wrapped.read.get(path) ?? 0) + b.length);
    return b;
  };
  wrapped.total = (prefix) =>
    [...wrapped.read].filter(([p]) => p.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
  return wrapped;
}

const verified = (exe: string, cwd: string) => ({
  method: 'SO_PEERCRED',
  peer: { pid: 301, uid: 0 },
  requester: { pid: 299, startTime: '1', exe, argv: [exe, 'run'], cwd },
  ancestry: [{ pid: 10, exe: '/usr/bin/bash', argv: ['-bash'] }],
});

/** Entry `i` of a varied log: accesses by several programs, decisions and profiles, with other events between. */
function input(i: number, profile = ['dev', 'prod', 'ops'][i % 3]!): AuditInput {
  if (i % 11 === 5) return { event: 'policy', profile, reason: `ask, remember ${i % 4} min` };
  const decision = (['allowed', 'approved', 'denied', 'remembered'] as const)[i % 4];
  const exe = ['/usr/bin/terraform', '/usr/bin/node', '/usr/local/bin/aws'][(i % 5) % 3]!;
  const caller = { pid: 300 + i, ppid: 299, command: `${exe} run ${i % 7}`, cwd: `/srv/app-${i % 4}` };
  return {
    event: 'access',
    profile,
    decision,
    caller,
    ...(i % 2 === 0 ? { verified: verified(exe, caller.cwd) } : {}),
    durationMs: i % 9,
    served: decision === 'denied' ? undefined : 'vault',
  } as AuditInput;
}

/** Everything the window and the tray ask of an index, as plain data. */
function view(index: HistoryIndex, now: number): unknown {
  const filters: HistoryFilter[] = [
    {},
    { events: 'all' },
    { profile: 'prod' },
    { decision: 'denied' },
    { text: 'terraform' },
    { text: 'app-2', events: 'all' },
  ];
  const seqs = Array.from({ length: index.size + 2 }, (_, s) => index.isFirstUse(s));
  return {
    size: index.size,
    pages: filters.map((f) => index.query(f, 0, Infinity)),
    timelines: filters.map((f) => index.timeline(f, 24)),
    activity: index.activity(now, now - 30 * DAY),
    firstUseBy: ['dev', 'prod', 'ops', 'nope'].flatMap((p) =>
      ['/usr/bin/terraform', '/usr/bin/node', '/bin/x'].map((e) => index.firstUseBy(p, e, now)),
    ),
    seqs,
    recent: index.recent(5),
  };
}

describe('HistoryIndex from a sealed snapshot', () => {
  let root: string;
  let dir: string;
  let clock: FakeClock;
  let log: AuditLog;
  let place: SnapshotPlace;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tray-cred-snapshot-'));
    dir = join(root, 'audit');
    clock = new FakeClock();
    log = new AuditLog({ fs, clock }, dir, KEY, { maxFileBytes: 6000 });
    place = { path: join(root, 'history-index.snapshot'), auditKey: async () => Buffer.from(KEY) };
  });
  afterEach(async () => {
    await log.flushed();
    await rm(root, { recursive: true, force: true });
  });

  async function record(from: number, to: number, into = log): Promise<void> {
    for (let i = from; i < to; i += 1) {
      clock.advance(3 * 3600_000);
      await into.append(input(i));
    }
  }

  async function auditBytes(): Promise<number> {
    let n = 0;
    for (const name of await readdir(dir)) if (name.endsWith('.jsonl')) n += (await stat(join(dir, name))).size;
    return n;
  }

  /** The snapshot of the log as it is now, written by an index loaded from the files. */
  async function snapshot(auditKey = place.auditKey): Promise<void> {
    const index = new HistoryIndex({ fs, snapshot: { ...place, auditKey } }, dir);
    await index.refresh();
    await index.saveSnapshot();
    await stat(place.path); // it was written
  }

  /** Loads an index with the snapshot and one from the files alone; returns both views and the bytes the first read. */
  async function loadBoth(): Promise<{
    fromSnapshot: unknown;
    fromFiles: unknown;
    auditRead: number;
    snapshotRead: number;
  }> {
    const counted = counting(fs);
    const withSnapshot = new HistoryIndex({ fs: counted, snapshot: place }, dir);
    await withSnapshot.refresh();
    const plain = new HistoryIndex({ fs }, dir);
    await plain.refresh();
    const now = clock.now();
    return {
      fromSnapshot: view(withSnapshot, now),
      fromFiles: view(plain, now),
      auditRead: counted.total(dir),
      snapshotRead: counted.read.get(place.path) ?? 0,
    };
  }

  /** The snapshot's parts (see history-snapshot.ts's layout), edited by `edit`, sealed under `key`. */
  /** What the snapshot's MAC is computed over before its bytes (history-snapshot.ts). */
  const DOMAIN = 'tray-cred history-index snapshot\n';
  async function reseal(
    key: Buffer,
    edit: (header: Record<string, unknown> & { count: number }, columns: Buffer[]) => Buffer[],
    domain = DOMAIN,
  ): Promise<void> {
    const bytes = await readFile(place.path);
    const length = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.toString('utf8', 4, 4 + length)) as Record<string, unknown> & { count: number };
    const widths = [...Array<number>(6).fill(8), ...Array<number>(10).fill(4), 1];
    let at = Math.ceil((4 + length) / 8) * 8;
    const columns = widths.map((w) => bytes.subarray(at, (at += w * header.count)));
    const edited = edit(header, columns);
    const json = Buffer.from(JSON.stringify(header));
    const head = Buffer.alloc(Math.ceil((4 + json.length) / 8) * 8);
    head.writeUInt32LE(json.length, 0);
    json.copy(head, 4);
    const body = Buffer.concat([head, ...edited]);
    await writeFile(place.path, Buffer.concat([body, createHmac('sha256', key).update(domain).update(body).digest()]));
  }

  async function assertFullLoad(): Promise<void> {
    const { fromSnapshot, fromFiles, auditRead } = await loadBoth();
    assert.ok(
      auditRead >= (await auditBytes()),
      `every audit byte was read again (${auditRead} of ${await auditBytes()})`,
    );
    assert.deepEqual(fromSnapshot, fromFiles);
  }

  it('answers every query as an index loaded from the files, entries appended after the snapshot included, reading only those', async () => {
    log = new AuditLog({ fs, clock }, dir, KEY, { maxFileBytes: 40_000 });
    await record(0, 300);
    await snapshot();
    const covered = await auditBytes();
    const coveredFiles = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length;
    await record(300, 400);
    assert.ok(
      (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length > coveredFiles,
      'the log rotated after the snapshot',
    );
    const { fromSnapshot, fromFiles, auditRead, snapshotRead } = await loadBoth();
    assert.ok(snapshotRead > 0);
    // The bytes after the snapshot, and at most 4 KiB before each offset for its boundary line.
    assert.ok(
      auditRead <= (await auditBytes()) - covered + coveredFiles * 4096,
      `the files were read from the snapshot's offsets (${auditRead} bytes)`,
    );
    assert.ok(
      auditRead < (await auditBytes()) / 2,
      `less than half the log was read (${auditRead} of ${await auditBytes()})`,
    );
    assert.deepEqual(fromSnapshot, fromFiles);
    assert.equal((fromSnapshot as { size: number }).size, 400);
    assert.equal((await stat(place.path)).mode & 0o777, 0o600);
  });

  it('is what it says: the same edit sealed under the audit key is taken, so the MAC is what refuses the attacks below', async () => {
    await record(0, 60);
    await snapshot();
    await reseal(KEY, (h, columns) =>
      columns.map((c) => Buffer.from(c)).map((c, k) => (k === 0 ? (c.writeDoubleLE(9999, 0), c) : c)),
    );
    const { fromSnapshot, fromFiles } = await loadBoth();
    assert.notDeepEqual(fromSnapshot, fromFiles);
  });

  it('refuses a snapshot sealed under the audit key without its domain label: no MAC the key makes for the log or its head passes for a snapshot', async () => {
    await record(0, 60);
    await snapshot();
    await reseal(
      KEY,
      (h, columns) => columns.map((c) => Buffer.from(c)).map((c, k) => (k === 0 ? (c.writeDoubleLE(9999, 0), c) : c)),
      '',
    );
    await assertFullLoad();
  });

  it('refuses a snapshot with a row removed and its MAC recomputed under another key', async () => {
    await record(0, 60);
    await snapshot();
    await reseal(OTHER_KEY, (h, columns) => {
      const width = (c: Buffer): number => c.length / h.count;
      const out = columns.map((c) => Buffer.concat([c.subarray(0, 10 * width(c)), c.subarray(11 * width(c))]));
      h.count -= 1;
      return out;
    });
    await assertFullLoad();
  });

  it('refuses a snapshot with one byte flipped, one from another audit key, another version, cut short, or huge (not read at all)', async () => {
    await record(0, 60);
    await snapshot();
    const good = await readFile(place.path);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length * 0.7)]! ^= 0x01;
    await writeFile(place.path, flipped);
    await assertFullLoad();

    await snapshot(async () => Buffer.from(OTHER_KEY));
    await assertFullLoad();

    await writeFile(place.path, good);
    await reseal(KEY, (h, columns) => ((h.version = SNAPSHOT_VERSION + 1), columns));
    await assertFullLoad();

    await writeFile(place.path, good.subarray(0, good.length - 100));
    await assertFullLoad();

    await writeFile(place.path, good);
    await truncate(place.path, 2 * (await auditBytes()) + 2 * 1024 * 1024);
    const { snapshotRead } = await loadBoth();
    assert.equal(snapshotRead, 0, 'a snapshot longer than the cap is not read');
    await assertFullLoad();
  });

  it('refuses a snapshot when an audit file was replaced by another of the same length', async () => {
    await record(0, 40);
    await snapshot();
    const otherDir = join(root, 'other');
    const otherClock = new FakeClock();
    const other = new AuditLog({ fs, clock: otherClock }, otherDir, KEY, { maxFileBytes: 6000 });
    for (let i = 0; i < 40; i += 1) {
      otherClock.advance(3 * 3600_000);
      // Same lengths, other rows: "dev" and "pro" for "prod"... kept to names of the same length.
      await other.append(input(i, ['dew', 'prud', 'opz'][i % 3]));
    }
    await other.flushed();
    const name = (await readdir(dir)).find((n) => n.endsWith('.jsonl'))!;
    const replacement = await readFile(join(otherDir, name));
    assert.equal(replacement.length, (await stat(join(dir, name))).size, 'the replacement has the same length');
    await writeFile(join(dir, name), replacement);
    await assertFullLoad();
  });

  it('refuses a snapshot when a file is shortened below its offset, renamed, or its boundary line edited', async () => {
    await record(0, 60);
    await snapshot();
    const names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    const first = join(dir, names[0]!);
    const original = await readFile(first);

    // The boundary line's body edited, its MAC kept (verify names it; the index must not show the snapshot's old row).
    const edited = Buffer.from(original);
    const lineStart = edited.lastIndexOf(0x0a, edited.length - 2) + 1;
    const at = edited.indexOf('"profile":"', lineStart) + '"profile":"'.length;
    edited[at] = edited[at] === 0x64 ? 0x65 : 0x64;
    await writeFile(first, edited);
    await assertFullLoad();

    await writeFile(first, original.subarray(0, original.length - 50));
    await assertFullLoad();

    await writeFile(first, original);
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, names[1]!), join(dir, names[1]!.replace(/\d(?=\.jsonl$)/, '9')));
    await assertFullLoad();
  });

  it('saving before the index has loaded keeps the snapshot there (never an empty one in its place)', async () => {
    log = new AuditLog({ fs, clock }, dir, KEY, { maxFileBytes: 40_000 });
    await record(0, 60);
    await snapshot();
    const before = await readFile(place.path);
    await new HistoryIndex({ fs, snapshot: place }, dir).saveSnapshot();
    assert.deepEqual(await readFile(place.path), before);
    const { fromSnapshot, fromFiles, auditRead } = await loadBoth();
    assert.ok(auditRead < (await auditBytes()) / 2, 'the snapshot is still used');
    assert.deepEqual(fromSnapshot, fromFiles);
  });

  it('reads the files as before when no audit key comes (a locked keychain), and writes no snapshot then', async () => {
    await record(0, 30);
    await snapshot();
    place = { ...place, auditKey: () => Promise.reject(new Error('the keychain is locked')) };
    await assertFullLoad();
    await rm(place.path);
    const index = new HistoryIndex({ fs, snapshot: place }, dir);
    await index.refresh();
    await index.saveSnapshot();
    await assert.rejects(stat(place.path));
  });
});

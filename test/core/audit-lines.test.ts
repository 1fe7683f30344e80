/**
 * The one audit line reader (main/core/audit/audit-lines.ts): forwards, backwards and over a
 * buffer it frames hostile bytes the same way; and no other module reads an audit file, which a
 * probe checks at run time (every reader of the log run against a FileSystem that records who
 * reads the audit files) and a scan of the source checks for the reads no test runs.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createSecretKey } from 'node:crypto';
import { isAuditFile } from '../../main/core/audit/audit-codec.ts';
import { blockLines, fileLines, lineEnd, linesForward, linesFromEnd } from '../../main/core/audit/audit-lines.ts';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { queryAuditLog, readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { readTail } from '../../main/core/audit/audit-tail.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { readEntry } from '../../main/core/history/access-story.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { ProgramsSeen } from '../../main/core/history/programs-seen.ts';
import type { FileSystem } from '../../main/core/ports/ports.ts';
import { AuditFollower, endOfLog } from '../../main/node/audit/audit-follower.ts';
import { verifyAuditLogParallel } from '../../main/node/audit/audit-verify-parallel.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { accessInput } from '../fakes/access-history.ts';
import { FakeClock } from '../fakes/fake-clock.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const fs = new NodeFileSystem(process.getuid?.());
const key = Buffer.alloc(32, 4);
const LINE_READER = ['main/core/audit/audit-lines.ts'];

/** Every line of `path` as the whole-file read gives them, the torn last one included. */
async function forwards(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const block of fileLines(fs, path)) lines.push(...blockLines(block));
  return lines.filter(Boolean);
}

async function backwards(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of linesFromEnd(fs, path)) lines.push(line);
  return lines.reverse();
}

describe('the audit line reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-lines-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const bad = Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]);
  const cases: [string, Buffer][] = [
    [
      'bad UTF-8 inside and at the end of lines',
      Buffer.concat([Buffer.from('{"a":"'), bad, Buffer.from('"}\n'), bad, Buffer.from('\nnext\n')]),
    ],
    ['a torn last line', Buffer.from('one\ntwo\n{"seq":3,"tor')],
    ['empty lines', Buffer.from('\n\none\n\n\ntwo\n\n')],
    ['a line longer than a read from the end', Buffer.from(`a\n${'x'.repeat(300_000)}\nb\n`)],
    ['no newline at all', Buffer.from('x'.repeat(70_000))],
    ['nothing', Buffer.alloc(0)],
    // Lines across the 256 KiB reads from the end, with valid and broken multi-byte characters at every offset.
    [
      '1 MB of lines with multi-byte and broken characters',
      Buffer.concat(
        Array.from({ length: 2500 }, (_, i) =>
          Buffer.concat([
            Buffer.from(`${i} é😀 ${'y'.repeat(i % 700)}`),
            bad.subarray(0, i % 6),
            Buffer.from(i % 9 ? '\n' : '\n\n'),
          ]),
        ),
      ),
    ],
  ];
  for (const [name, bytes] of cases) {
    it(`reads ${name} forwards and backwards as the same lines, as splitting the whole text does`, async () => {
      const path = join(dir, 'audit-000000000001.jsonl');
      await writeFile(path, bytes);
      const expected = bytes.toString('utf8').split('\n').filter(Boolean);
      assert.deepEqual(await forwards(path), expected);
      assert.deepEqual(await backwards(path), expected);
    });
  }

  it('reads a range to its last newline, leaving a torn line, and stops at a file cut short since its size was read', async () => {
    const path = join(dir, 'audit-000000000001.jsonl');
    await writeFile(path, 'one\ntwo\nthr');
    const blocks = [];
    for await (const block of linesForward(fs, path, 4, 1_000_000)) blocks.push(block);
    assert.deepEqual(
      blocks.map((b) => [blockLines(b), b.start, b.end, b.torn]),
      [[['two'], 4, 8, false]],
    );
  });

  it('finds where each line of a buffer ends up to its length, taking no newline from the bytes after it', () => {
    const buf = Buffer.from('ab\ncd\nef\n');
    assert.deepEqual(
      [lineEnd(buf, 0, buf.length), lineEnd(buf, 3, buf.length), lineEnd(buf, 6, buf.length)],
      [2, 5, 8],
    );
    assert.equal(
      lineEnd(buf, 6, 7),
      -1,
      'the line cut at the length is torn, though a newline follows it in the buffer',
    );
    assert.equal(lineEnd(Buffer.from('ab'), 0, 2), -1);
  });
});

/** The module (relative to the repository) of the first production frame on the stack. */
function caller(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const m of stack.matchAll(/(?:file:\/\/)?(\/[^\s():]+\.ts):\d+:\d+/g)) {
    const module = relative(ROOT, m[1]!);
    if (module.startsWith('main/')) return module;
  }
  return relative(
    ROOT,
    /(?:file:\/\/)?(\/[^\s():]+\.ts):\d+:\d+/.exec(stack.split('\n').slice(2).join('\n'))?.[1] ?? '?',
  );
}

/** The FileSystem port, noting which module reads each audit file (head.json and other files are not audit files). */
function recording(inner: FileSystem): FileSystem & { readers: Map<string, number> } {
  const wrapped = Object.create(inner) as FileSystem & { readers: Map<string, number> };
  wrapped.readers = new Map();
  const note = (path: string): void => {
    if (!isAuditFile(basename(path))) return;
    const who = caller();
    wrapped.readers.set(who, (wrapped.readers.get(who) ?? 0) + 1);
  };
  wrapped.readFile = (path) => {
    note(path);
    return inner.readFile(path);
  };
  wrapped.readRange = (path, start, length) => {
    note(path);
    return inner.readRange(path, start, length);
  };
  return wrapped;
}

describe('only the line reader reads audit files', () => {
  let dir: string;
  let probe: ReturnType<typeof recording>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-lines-only-'));
    probe = recording(fs);
    const clock = new FakeClock();
    const log = new AuditLog({ fs: probe, clock }, dir, key, { maxFileBytes: 4000 });
    for (let n = 0; n < 40; n += 1) {
      clock.advance(60_000);
      await log.append(accessInput({ profile: n % 2 ? 'dev' : 'prod', decision: 'allowed', exe: '/usr/bin/aws' }));
    }
    await log.flushed();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = async (): Promise<string[]> => (await readdir(dir)).filter(isAuditFile).sort();

  it('sees a read by another module: the probe is not blind', async () => {
    await probe.readRange(join(dir, (await files())[0]!), 0, 10);
    assert.deepEqual([...probe.readers.keys()], ['test/core/audit-lines.test.ts']);
  });

  it('every reader of the log, hostile lines and a torn last line included, reads through the line reader', async () => {
    const [first, last] = [join(dir, (await files())[0]!), join(dir, (await files()).at(-1)!)];
    await appendFile(first, `{"seq":1}\n${'x'.repeat(300_000)}\n`);
    const seq = (await readAuditLog(probe, dir)).at(5)!.seq;
    const readers: [string, () => Promise<unknown>][] = [
      ['readAuditLog', () => readAuditLog(probe, dir)],
      ['queryAuditLog', () => queryAuditLog(probe, dir, { limit: 5 })],
      ['readEntry', () => readEntry(probe, dir, seq)],
      ['ProgramsSeen.load', () => new ProgramsSeen().load(probe, dir, createSecretKey(key), Date.now())],
      [
        'HistoryIndex, its snapshot written and read',
        async () => {
          const snapshot = {
            path: join(dir, '..', `${basename(dir)}.snapshot`),
            auditKey: async () => Buffer.from(key),
          };
          try {
            const index = new HistoryIndex({ fs: probe, snapshot }, dir);
            await index.refresh();
            await index.saveSnapshot();
            await new HistoryIndex({ fs: probe, snapshot }, dir).refresh();
          } finally {
            await rm(snapshot.path, { force: true });
          }
        },
      ],
      [
        'the follower',
        async () => {
          const follower = new AuditFollower(
            { fs: probe, dir, onEntry: () => undefined, onReplaced: () => undefined },
            { file: (await files())[0], offset: 0, seq: 0 },
          );
          await follower.poll();
          await endOfLog(probe, dir);
        },
      ],
      [
        'verify (and parallel verify, which falls back to it here)',
        async () => {
          await appendFile(last, '{"seq":99,"torn');
          await verifyAuditLog(probe, dir, key);
          await verifyAuditLogParallel(probe, dir, key, { threads: 1 });
        },
      ],
      [
        'the writer: its tail, a torn line repaired, a log rotated to an empty file',
        async () => {
          await readTail(probe, dir, undefined);
          await writeFile(join(dir, 'audit-000000001000.jsonl'), '');
          const log = new AuditLog({ fs: probe, clock: new FakeClock() }, dir, key);
          await log.append({ event: 'lock' });
          await log.flushed();
        },
      ],
    ];
    for (const [name, read] of readers) {
      probe.readers.clear();
      await read().catch(() => undefined); // a reader may refuse this log: who read it is what counts here
      assert.ok(probe.readers.size > 0, `${name} read no audit file`);
      assert.deepEqual(
        [...probe.readers.keys()],
        LINE_READER,
        `${name}: audit files read by ${[...probe.readers.keys()].join(', ')}`,
      );
    }
  });
});

/**
 * The file reads the source holds outside the line reader: the FileSystem port's, the audit
 * file cap's, and Node's own. Read calls are matched by name on each line of code.
 */
const READ =
  /\.(readFile|readRange)\(|\breadCapped\(|\b(readFileSync|readSync|openSync|createReadStream|readFile)\(|\bfsp?\.open\(/;
/** The log's folders, where every reader of it lives, and the reads of other files there. */
const LOG_FOLDERS = ['main/core/audit', 'main/core/history', 'main/node/audit'];
const NOT_AUDIT_FILES: Record<string, string[]> = {
  'main/core/audit/audit-head.ts': ['const raw = await fs.readFile(join(dir, HEAD));'],
  'main/core/history/history-snapshot.ts': ['const bytes = await fs.readRange(place.path, 0, size);'],
};

async function sources(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(ROOT, folder), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) out.push(relative(ROOT, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('no other module reads audit files, in the source', () => {
  it("in the log's folders, only the line reader reads a file, but for head.json and the history snapshot", async () => {
    const found: string[] = [];
    for (const folder of LOG_FOLDERS) {
      for (const module of await sources(folder)) {
        if (module === 'main/core/audit/audit-lines.ts' || module === 'main/node/audit/audit-lines-sync.ts') continue;
        for (const line of (await readFile(join(ROOT, module), 'utf8')).split('\n')) {
          if (READ.test(line) && !line.trimStart().startsWith('*') && !NOT_AUDIT_FILES[module]?.includes(line.trim()))
            found.push(`${module}: ${line.trim()}`);
        }
      }
    }
    assert.deepEqual(found, []);
  });

  it('nowhere else in main/ is a file under the audit directory read', async () => {
    const found: string[] = [];
    for (const module of await sources('main')) {
      for (const line of (await readFile(join(ROOT, module), 'utf8')).split('\n')) {
        if (READ.test(line) && /auditDir|audit\.dir|\.jsonl/.test(line)) found.push(`${module}: ${line.trim()}`);
      }
    }
    assert.deepEqual(found, []);
  });
});

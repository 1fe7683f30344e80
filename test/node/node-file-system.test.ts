import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TrayCredError } from '../../main/core/errors.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import { killGroup, spawnGroup } from './processes.ts';

const FS_MODULE = pathToFileURL(join(import.meta.dirname, '../../main/node/platform/node-file-system.ts')).href;
const uid = process.getuid?.();
const fs = new NodeFileSystem(uid);
const NOBODY = 65534;
/** Bound on any child process this file starts. */
const CHILD_MS = 15_000;

let root: string;
let counter = 0;
/** A fresh directory (0700, from mkdtemp) for one test. */
const fresh = async (): Promise<string> => mkdtemp(join(root, `t${counter++}-`));
const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

/** Runs `fn` with a umask that would leave everything open to everyone, then puts the old one back. */
async function withOpenUmask<T>(fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

/** A child Node process running `script` (an ES module); resolves with its stdout once it exits. */
function runChild(script: string, shellPrefix = ''): Promise<{ code: number | null; stdout: string }> {
  const args = ['--input-type=module', '-e', script];
  const child = shellPrefix
    ? spawnGroup('/bin/sh', ['-c', `${shellPrefix}; exec "$0" "$@"`, process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawnGroup(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`child did not finish within ${CHILD_MS / 1000} s`));
    }, CHILD_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tray-cred-fs-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('private modes whatever the umask', () => {
  const files = [
    { name: 'writeFileAtomic creates the file 0600', make: (p: string) => fs.writeFileAtomic(p, 'x') },
    {
      name: 'writeFileAtomic over a 0644 file leaves it 0600',
      make: async (p: string) => {
        await writeFile(p, 'old', { mode: 0o644 });
        await chmod(p, 0o644);
        await fs.writeFileAtomic(p, 'new');
      },
    },
    { name: 'appendDurable creates the file 0600', make: (p: string) => fs.appendDurable(p, 'line\n') },
    { name: 'lock creates its lock file 0600', make: async (p: string) => void (await fs.lock(p)) },
  ];
  for (const { name, make } of files) {
    test(name, async () => {
      const path = join(await fresh(), 'file');
      await withOpenUmask(() => make(path));
      assert.equal((await modeOf(path)).toString(8), '600');
    });
  }

  test('ensurePrivateDir creates the directory and its missing parents 0700', async () => {
    const base = await fresh();
    const dir = join(base, 'a', 'b', 'c');
    await withOpenUmask(() => fs.ensurePrivateDir(dir));
    for (const d of [join(base, 'a'), join(base, 'a', 'b'), dir]) assert.equal((await modeOf(d)).toString(8), '700', d);
    await fs.ensurePrivateDir(dir); // an existing private directory is fine
  });
});

describe('writeFileAtomic', () => {
  test('replaces the contents (string or bytes) and leaves no temp file behind', async () => {
    const dir = await fresh();
    const path = join(dir, 'vault.json');
    await fs.writeFileAtomic(path, 'first version');
    await fs.writeFileAtomic(path, Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(await readFile(path), Buffer.from([0, 1, 2, 255]));
    await fs.writeFileAtomic(path, 'third');
    assert.equal(await readFile(path, 'utf8'), 'third');
    assert.deepEqual(await readdir(dir), ['vault.json']);
  });

  test('a write that fails part-way (file size limit) keeps the old file and removes the temp file', async () => {
    const dir = await fresh();
    const path = join(dir, 'vault.json');
    await writeFile(path, 'old contents');
    // RLIMIT_FSIZE makes the kernel refuse the write with EFBIG, even for root (Node ignores SIGXFSZ).
    const script = `
      import { NodeFileSystem } from ${JSON.stringify(FS_MODULE)};
      try {
        await new NodeFileSystem(process.getuid()).writeFileAtomic(${JSON.stringify(path)}, Buffer.alloc(1024 * 1024, 120));
        console.log('written');
      } catch (error) {
        console.log('failed ' + error.code);
      }
    `;
    const { code, stdout } = await runChild(script, 'ulimit -f 16');
    assert.equal(code, 0);
    assert.equal(stdout.trim(), 'failed EFBIG');
    assert.equal(await readFile(path, 'utf8'), 'old contents');
    assert.deepEqual(await readdir(dir), ['vault.json']);
  });

  const failures = [
    {
      name: 'into a directory that does not exist',
      setup: async (dir: string) => join(dir, 'missing', 'vault.json'),
      code: 'ENOENT',
      left: [],
    },
    {
      name: 'over a directory',
      setup: async (dir: string) => {
        await mkdir(join(dir, 'vault.json'));
        await writeFile(join(dir, 'vault.json', 'keep'), 'kept');
        return join(dir, 'vault.json');
      },
      code: 'EISDIR',
      left: ['vault.json'],
    },
  ];
  for (const { name, setup, code, left } of failures) {
    test(`a write ${name} rejects and leaves nothing behind`, async () => {
      const dir = await fresh();
      const path = await setup(dir);
      await assert.rejects(fs.writeFileAtomic(path, 'new'), { code });
      assert.deepEqual(await readdir(dir), left);
    });
  }
});

describe('reading, appending and cutting', () => {
  test('appendDurable creates the file, then appends', async () => {
    const path = join(await fresh(), 'audit.jsonl');
    await fs.appendDurable(path, '{"n":1}\n');
    await fs.appendDurable(path, Buffer.from('{"n":2}\n'));
    assert.equal(await readFile(path, 'utf8'), '{"n":1}\n{"n":2}\n');
    assert.equal(await fs.size(path), 16);
  });

  test('truncate cuts the file to the length', async () => {
    const path = join(await fresh(), 'audit.jsonl');
    await fs.appendDurable(path, 'line one\nline two\n');
    await fs.truncate(path, 9);
    assert.equal(await readFile(path, 'utf8'), 'line one\n');
    await fs.appendDurable(path, 'line three\n');
    assert.equal(await readFile(path, 'utf8'), 'line one\nline three\n');
  });

  test('readRange reads from an offset and fewer bytes at the end', async () => {
    const path = join(await fresh(), 'f');
    await fs.writeFileAtomic(path, '0123456789');
    assert.equal((await fs.readRange(path, 2, 3)).toString(), '234');
    assert.equal((await fs.readRange(path, 7, 10)).toString(), '789');
    assert.equal((await fs.readRange(path, 20, 5)).length, 0);
  });

  test('a missing file: readFile and size are null, remove is quiet', async () => {
    const path = join(await fresh(), 'nothing');
    assert.equal(await fs.readFile(path), null);
    assert.equal(await fs.size(path), null);
    assert.equal(await fs.stamp(path), null);
    await fs.remove(path);
  });

  test('errors other than "missing" are not swallowed', async () => {
    const file = join(await fresh(), 'plain');
    await writeFile(file, 'x');
    await assert.rejects(fs.readFile(join(file, 'below')), { code: 'ENOTDIR' });
    await assert.rejects(fs.list(file), { code: 'ENOTDIR' });
  });
});

describe('stamp', () => {
  test('stays put while nothing changes and moves with every change', async () => {
    const path = join(await fresh(), 'vault.json');
    const changes = [
      { name: 'created', change: () => fs.writeFileAtomic(path, 'AAAA') },
      { name: 'replaced with other bytes of the same size', change: () => fs.writeFileAtomic(path, 'BBBB') },
      { name: 'replaced with the same bytes', change: () => fs.writeFileAtomic(path, 'BBBB') },
      { name: 'appended to', change: () => fs.appendDurable(path, 'C') },
      { name: 'truncated', change: () => fs.truncate(path, 2) },
    ];
    let previous = await fs.stamp(path);
    assert.equal(previous, null);
    for (const { name, change } of changes) {
      await change();
      const now = await fs.stamp(path);
      assert.ok(now !== null, name);
      assert.notEqual(now, previous, `stamp changes when the file is ${name}`);
      assert.equal(await fs.stamp(path), now, `stamp is stable after the file is ${name}`);
      previous = now;
    }
    await fs.remove(path);
    assert.equal(await fs.stamp(path), null);
  });
});

describe('list', () => {
  test('names sorted, [] for a directory that does not exist', async () => {
    const dir = await fresh();
    for (const name of ['b.jsonl', 'a.jsonl', '2.jsonl', '10.jsonl', 'C.jsonl']) await writeFile(join(dir, name), '');
    assert.deepEqual(await fs.list(dir), ['10.jsonl', '2.jsonl', 'C.jsonl', 'a.jsonl', 'b.jsonl']);
    assert.deepEqual(await fs.list(join(dir, 'missing')), []);
  });
});

describe('ensurePrivateDir refuses a directory others could use', () => {
  for (const mode of [0o755, 0o750, 0o705, 0o777, 0o701]) {
    test(`mode ${mode.toString(8)}: says to chmod 700`, async () => {
      const dir = join(await fresh(), 'data');
      await mkdir(dir);
      await chmod(dir, mode);
      await assert.rejects(fs.ensurePrivateDir(dir), (error: unknown) => {
        assert.ok(error instanceof TrayCredError);
        assert.ok(error.message.includes(`\`chmod 700 ${dir}\``), error.message);
        assert.match(error.message, new RegExp(`mode ${mode.toString(8)}\\b`));
        return true;
      });
      assert.equal(await modeOf(dir), mode, 'the directory is left as it was');
    });
  }

  test('a symbolic link to a private directory', async () => {
    const base = await fresh();
    await mkdir(join(base, 'real'), { mode: 0o700 });
    await symlink(join(base, 'real'), join(base, 'link'));
    await assert.rejects(fs.ensurePrivateDir(join(base, 'link')), (error: unknown) => {
      assert.ok(error instanceof TrayCredError);
      assert.match(error.message, /symbolic link/);
      return true;
    });
    assert.ok((await lstat(join(base, 'link'))).isSymbolicLink());
  });

  test('a directory another user owns', { skip: uid !== 0 && 'needs root to give a directory to nobody' }, async () => {
    const dir = join(await fresh(), 'data');
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, NOBODY, NOBODY);
    await assert.rejects(fs.ensurePrivateDir(dir), (error: unknown) => {
      assert.ok(error instanceof TrayCredError);
      assert.match(error.message, new RegExp(`belongs to uid ${NOBODY}, not to you \\(uid ${uid}\\)`));
      return true;
    });
  });
});

describe('lock', () => {
  test('a second lock waits until the first is released', async () => {
    const path = join(await fresh(), 'vault.lock');
    const release = await fs.lock(path);
    let released = false;
    const second = fs.lock(path, 10_000).then((r) => {
      assert.equal(released, true, 'the second lock was granted while the first was held');
      return r;
    });
    // Give the second lock several rounds of trying while the first is held.
    await new Promise((r) => setTimeout(r, 150));
    released = true;
    await release();
    const releaseSecond = await second;
    assert.equal(await readFile(path, 'utf8'), String(process.pid));
    await releaseSecond();
    assert.equal(await fs.readFile(path), null, 'release removes the lock file');
  });

  test('a lock held by a live process times out with a clear error; once it dies the lock is broken', async () => {
    const path = join(await fresh(), 'vault.lock');
    const script = `
      import { NodeFileSystem } from ${JSON.stringify(FS_MODULE)};
      await new NodeFileSystem(process.getuid()).lock(${JSON.stringify(path)});
      console.log('locked');
      setInterval(() => {}, 1000);
    `;
    const holder = spawnGroup(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: holder.stdout! })[Symbol.asyncIterator]();
      const first = await Promise.race([
        lines.next(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the holder never locked')), CHILD_MS).unref(),
        ),
      ]);
      assert.equal(first.value, 'locked');

      await assert.rejects(fs.lock(path, 200), (error: unknown) => {
        assert.ok(error instanceof TrayCredError);
        assert.ok(error.message.includes(`${path} is held by process ${holder.pid}`), error.message);
        assert.match(error.message, /delete that file and retry/);
        return true;
      });
      assert.equal(await readFile(path, 'utf8'), String(holder.pid), 'a live holder keeps its lock');

      killGroup(holder.pid);
      await waitForExit(holder);
      const release = await fs.lock(path, 5_000);
      assert.equal(await readFile(path, 'utf8'), String(process.pid));
      await release();
    } finally {
      killGroup(holder.pid);
    }
  });

  test('a lock file left by a process that has exited is broken at once', async () => {
    const path = join(await fresh(), 'audit.lock');
    const gone = spawnGroup(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await waitForExit(gone);
    await writeFile(path, String(gone.pid), { mode: 0o600 });
    const release = await fs.lock(path, 1_000);
    assert.equal(await readFile(path, 'utf8'), String(process.pid));
    await release();
  });

  // A lock file without a pid is what a crash between creating and writing it left behind
  // (older builds did that): it must not block every later write.
  for (const [what, content] of [
    ['empty', ''],
    ['not a pid', 'not a pid'],
  ] as const) {
    test(`a lock file whose holder cannot be read (${what}) is broken at once`, async () => {
      const path = join(await fresh(), 'vault.lock');
      await writeFile(path, content, { mode: 0o600 });
      const release = await fs.lock(path, 100);
      assert.equal(await readFile(path, 'utf8'), String(process.pid));
      await release();
      assert.deepEqual(await readdir(dirname(path)), [], 'no temp or stale files are left');
    });
  }

  test('release leaves a lock that is no longer its own', async () => {
    const path = join(await fresh(), 'vault.lock');
    const release = await fs.lock(path);
    await writeFile(path, '999999999');
    await release();
    assert.equal(await readFile(path, 'utf8'), '999999999');
  });
});

import {
  closeSync,
  constants,
  fdatasync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { EnvironmentError } from '../../core/errors.ts';
import type { FileSystem, Release } from '../../core/ports/ports.ts';
import { ensurePrivateDir } from './private-dir.ts';

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/** The FileSystem port on Node's `fs`: private modes whatever the umask, atomic replace, durable appends. */
export class NodeFileSystem implements FileSystem {
  private readonly uid: number | undefined;

  constructor(uid: number | undefined) {
    this.uid = uid;
  }

  async readFile(path: string): Promise<Buffer | null> {
    try {
      return await fsp.readFile(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async readRange(path: string, start: number, length: number): Promise<Buffer> {
    const handle = await fsp.open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async writeFileAtomic(path: string, data: string | Buffer, options: { replaceOnly?: boolean } = {}): Promise<void> {
    const dir = dirname(path);
    const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      try {
        await handle.chmod(0o600);
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, path);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
    if (!options.replaceOnly) await syncDir(dir);
  }

  /**
   * Appends and waits for the data sync, the one step that waits on the device. Opening, writing
   * into the page cache and closing are synchronous: microseconds each, where a round trip through
   * the thread pool costs a waiting request more than the sync itself on a fast disk (issue 16).
   */
  async appendDurable(path: string, data: string | Buffer): Promise<void> {
    let created = false;
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    } catch (error) {
      if (!isMissing(error)) throw error;
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
      created = true;
    }
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      closeSync(fd);
    }
    // fdatasync makes the bytes durable, not the new file's name: without this a power cut could
    // lose a whole new audit file whose appends were acknowledged. Only on creation, so rarely.
    if (created) await syncDir(dirname(path));
  }

  async truncate(path: string, length: number): Promise<void> {
    const handle = await fsp.open(path, 'r+');
    try {
      await handle.truncate(length);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async size(path: string): Promise<number | null> {
    try {
      return (await fsp.stat(path)).size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async stamp(path: string): Promise<string | null> {
    try {
      const s = await fsp.stat(path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(dir)).sort();
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  ensurePrivateDir(dir: string): Promise<void> {
    return ensurePrivateDir(dir, this.uid);
  }

  async remove(path: string): Promise<void> {
    await fsp.rm(path, { force: true });
  }

  async lock(path: string, waitMs = 10_000): Promise<Release> {
    const deadline = Date.now() + waitMs;
    const mine = String(process.pid);
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      if (tryLock(path, mine)) return async () => unlockIfMine(path, mine);
      const seen = (await this.readFile(path))?.toString('utf8');
      if (seen === undefined) continue;
      const holder = /^\d+$/.test(seen) ? Number(seen) : 0;
      // No readable pid (a lock torn by a crash of an older build) or a dead holder: stale.
      if (holder === 0 || !isAlive(holder)) {
        await breakStale(path, seen);
        continue;
      }
      if (Date.now() > deadline) {
        throw new EnvironmentError(
          `${path} is held by process ${holder} for more than ${waitMs / 1000} s: if no tray-cred command or agent is running as that process, delete that file and retry`,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Writes all of `data` at the file's end (a write to a regular file can be short on a full disk: the next call says why). */
function writeAll(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
}

/**
 * One attempt at the lock. The pid is written first and the file linked into place, so a lock
 * file never exists without its owner's pid, even when the process dies half-way. Synchronous
 * on purpose: three system calls in a private local directory take tens of microseconds, where
 * the same steps through the thread pool cost every audit batch (so every access) about a
 * millisecond of round trips (issue 16, measured with strace).
 */
function tryLock(path: string, mine: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Inside the try: on a full disk the file is created and the write fails; it must not stay behind.
    writeFileSync(temp, mine, { mode: 0o600, flag: 'wx' });
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Releases the lock if this process still holds it (a stale-lock breaker may have taken it). */
function unlockIfMine(path: string, mine: string): void {
  let seen: string;
  try {
    seen = readFileSync(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (seen === mine) rmSync(path, { force: true });
}

/**
 * Moves a stale lock aside in one atomic step. When two processes break the same stale lock,
 * only one rename finds it; if what was moved is not the lock that was judged stale (another
 * process took the lock in between), it is put back.
 */
async function breakStale(path: string, seen: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fsp.rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if ((await fsp.readFile(aside, 'utf8')) !== seen) await fsp.link(aside, path).catch(() => undefined);
  } finally {
    await fsp.rm(aside, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

import { lstat } from 'node:fs/promises';

/** What happened to a socket file the agent listens on. */
export type SocketChange = 'deleted' | 'replaced';

/** A running watch: `rearm` takes the file as it is now as the one to keep. */
export interface SocketWatch {
  rearm(): Promise<void>;
  stop(): void;
}

async function inode(path: string): Promise<bigint | null> {
  try {
    return (await lstat(path, { bigint: true })).ino;
  } catch {
    return null;
  }
}

/**
 * Notices a socket file being deleted (a `rm -rf` of the runtime directory, a tmp cleaner) or
 * replaced by another file, by polling its inode: one `lstat` every couple of seconds costs
 * nothing, and unlike fs.watch it behaves the same when the whole directory goes. Reports each
 * change once; `rearm` starts watching again. The timer never keeps the process alive.
 */
export async function watchSocketFile(
  path: string,
  onChange: (what: SocketChange) => void,
  intervalMs = 2000,
): Promise<SocketWatch> {
  let known = await inode(path);
  let armed = known !== null;
  let checking = false;
  const timer = setInterval(() => {
    if (!armed || checking) return;
    checking = true;
    void inode(path).then((now) => {
      checking = false;
      if (!armed || now === known) return;
      armed = false;
      onChange(now === null ? 'deleted' : 'replaced');
    });
  }, intervalMs);
  timer.unref();
  return {
    async rearm() {
      known = await inode(path);
      armed = known !== null;
    },
    stop() {
      armed = false;
      clearInterval(timer);
    },
  };
}

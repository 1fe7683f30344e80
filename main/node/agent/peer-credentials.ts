/**
 * Who is on the other end of an accepted Unix socket, as the kernel says: Linux `SO_PEERCRED`,
 * macOS `LOCAL_PEERPID` with `getpeereid`. Node has no API for it, so the agent calls libc through
 * koffi: an FFI library with prebuilt binaries for Linux, macOS and Windows that loads in Node and
 * in Electron's main process with no compiler and no addon of our own to build and sign.
 */
import type { Socket } from 'node:net';
import type koffiModule from 'koffi';
import type { PeerCredentials } from '../../core/ports/ports.ts';

/**
 * The file descriptor of an accepted Unix socket, or `undefined` when Node does not expose it.
 * Node keeps the libuv handle in the undocumented `_handle`; its `fd` getter
 * (LibuvStreamWrap::GetFD, src/stream_wrap.cc) is the descriptor on Unix and -1 on Windows. No
 * public API gives it, so this is the one place that reaches for it: if Node changes it, peers
 * are reported as unverified and the agent's log says so, never guessed.
 */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 0 ? fd : undefined;
}

/** Reads a connected socket's peer; throws with the call that failed. */
export type PeerReader = (fd: number) => PeerCredentials;

type Koffi = typeof koffiModule;

/** Linux: `struct ucred { pid_t pid; uid_t uid; gid_t gid; }` from getsockopt(SOL_SOCKET, SO_PEERCRED). */
function linuxReader(koffi: Koffi): PeerReader {
  const libc = koffi.load('libc.so.6');
  const getsockopt = libc.func(
    'int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *length)',
  );
  // SOL_SOCKET and SO_PEERCRED as on x86, x86-64, ARM and RISC-V (asm-generic/socket.h); MIPS, PowerPC and SPARC number them otherwise.
  const SOL_SOCKET = 1;
  const SO_PEERCRED = 17;
  return (fd) => {
    const ucred = Buffer.alloc(12);
    const length = [ucred.length];
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) !== 0 || length[0] !== 12)
      throw new Error('getsockopt(SO_PEERCRED) failed');
    return { method: 'SO_PEERCRED', pid: ucred.readInt32LE(0), uid: ucred.readUInt32LE(4) };
  };
}

/**
 * macOS: the pid from getsockopt(SOL_LOCAL, LOCAL_PEERPID) and the uid from getpeereid
 * (sys/un.h: SOL_LOCAL 0, LOCAL_PEERPID 2). Typed and written against the headers; this
 * project's tests run on Linux only, so it has not run here.
 */
function darwinReader(koffi: Koffi): PeerReader {
  const libc = koffi.load('libSystem.B.dylib');
  const getsockopt = libc.func(
    'int getsockopt(int fd, int level, int name, _Out_ void *value, _Inout_ uint32_t *length)',
  );
  const getpeereid = libc.func('int getpeereid(int fd, _Out_ uint32_t *uid, _Out_ uint32_t *gid)');
  const SOL_LOCAL = 0;
  const LOCAL_PEERPID = 2;
  return (fd) => {
    const pid = Buffer.alloc(4);
    const length = [4];
    if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, pid, length) !== 0)
      throw new Error('getsockopt(LOCAL_PEERPID) failed');
    const uid = [0];
    const gid = [0];
    if (getpeereid(fd, uid, gid) !== 0) throw new Error('getpeereid failed');
    return { method: 'LOCAL_PEERPID+getpeereid', pid: pid.readInt32LE(0), uid: uid[0]! };
  };
}

/** The peer reader of this platform, or `undefined` where the kernel cannot be asked (Windows: the claim stays, labelled). */
export async function peerReader(platform: NodeJS.Platform): Promise<PeerReader | undefined> {
  if (platform !== 'linux' && platform !== 'darwin') return undefined;
  const koffi = (await import('koffi')).default;
  return platform === 'linux' ? linuxReader(koffi) : darwinReader(koffi);
}

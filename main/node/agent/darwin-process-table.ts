/**
 * The macOS process table through libproc and sysctl (koffi, as peer-credentials.ts says why):
 * proc_pidpath for the executable, proc_pidinfo(PROC_PIDTBSDINFO) for the parent and the start
 * time, KERN_PROCARGS2 for argv, PROC_PIDVNODEPATHINFO for the working directory, getsid for the
 * session. Typed and written against the SDK headers (sys/proc_info.h, sys/sysctl.h); this
 * project's tests run on Linux only, so it has not run here.
 */
import koffi from 'koffi';
import type { ProcessRecord, ProcessTable } from '../../core/ports/ports.ts';

const PROC_PIDTBSDINFO = 3;
const PROC_PIDTBSDINFO_SIZE = 136;
const PROC_PIDVNODEPATHINFO = 9;
/** struct proc_vnodepathinfo: two vnode_info_path (a 152-byte vnode_info, then a 1024-byte path). */
const VNODE_PATH_INFO_SIZE = 2 * (152 + 1024);
const CTL_KERN = 1;
const KERN_PROCARGS2 = 49;
const ARGS_MAX = 256 * 1024;

/** The NUL-terminated string at `at` in `buf`. */
const cString = (buf: Buffer, at: number, end = buf.length): string => {
  const nul = buf.indexOf(0, at);
  return buf.toString('utf8', at, nul < 0 || nul > end ? end : nul);
};

/** argv from a KERN_PROCARGS2 buffer: argc, the exec path, NUL padding, then argc strings. */
export function parseProcArgs(buf: Buffer, length: number): string[] {
  if (length < 4) return [];
  const argc = buf.readInt32LE(0);
  let at = buf.indexOf(0, 4);
  while (at >= 0 && at < length && buf[at] === 0) at++;
  const argv: string[] = [];
  while (at >= 0 && at < length && argv.length < argc) {
    const arg = cString(buf, at, length);
    argv.push(arg);
    at += Buffer.byteLength(arg) + 1;
  }
  return argv;
}

export function darwinProcessTable(): ProcessTable {
  const lib = koffi.load('libSystem.B.dylib');
  const procPidpath = lib.func('int proc_pidpath(int pid, _Out_ void *buffer, uint32_t size)');
  const procPidinfo = lib.func('int proc_pidinfo(int pid, int flavor, uint64_t arg, _Out_ void *buffer, int size)');
  const sysctl = lib.func(
    'int sysctl(int *name, uint32_t namelen, _Out_ void *old, _Inout_ size_t *oldlen, void *new_, size_t newlen)',
  );
  const getsid = lib.func('int getsid(int pid)');
  const started = (pid: number): { ppid: number; startTime: string } | undefined => {
    const info = Buffer.alloc(PROC_PIDTBSDINFO_SIZE);
    if (procPidinfo(pid, PROC_PIDTBSDINFO, 0, info, info.length) !== info.length) return undefined;
    const micros = info.readBigUInt64LE(120) * 1_000_000n + info.readBigUInt64LE(128);
    return { ppid: info.readUInt32LE(16), startTime: micros.toString() };
  };
  return {
    read(pid) {
      const before = started(pid);
      if (!before) return Promise.resolve(undefined);
      const path = Buffer.alloc(4096);
      const exe = procPidpath(pid, path, path.length) > 0 ? cString(path, 0) : '';
      const args = Buffer.alloc(ARGS_MAX);
      const argsLength = [ARGS_MAX];
      const argv =
        sysctl([CTL_KERN, KERN_PROCARGS2, pid], 3, args, argsLength, null, 0) === 0
          ? parseProcArgs(args, argsLength[0]!)
          : [];
      const vnode = Buffer.alloc(VNODE_PATH_INFO_SIZE);
      const cwd =
        procPidinfo(pid, PROC_PIDVNODEPATHINFO, 0, vnode, vnode.length) === vnode.length
          ? cString(vnode, 152, 152 + 1024)
          : '';
      const after = started(pid);
      if (!after || after.startTime !== before.startTime) return Promise.resolve(undefined);
      const record: ProcessRecord = {
        pid,
        ppid: after.ppid,
        sid: getsid(pid) as number,
        startTime: after.startTime,
        exe,
        argv,
        cwd,
      };
      return Promise.resolve(record);
    },
  };
}

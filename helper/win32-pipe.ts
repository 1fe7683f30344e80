/**
 * Windows: is the process serving the agent's named pipe running as this user? A pipe name is
 * global to the machine, so a process of another user that created `\\.\pipe\tray-cred-<user>`
 * first would be sent the helper's request and could answer with credentials of its choosing
 * (SECURITY.md, "Windows: named-pipe squatting"). Before sending, the helper opens the pipe once
 * more, asks Windows for the server's pid (GetNamedPipeServerProcessId) and compares the user SID
 * of that process's token with its own (OpenProcess, OpenProcessToken,
 * GetTokenInformation(TokenUser), EqualSid).
 *
 * The checks run against the {@link Win32Pipes} port; {@link koffiWin32Pipes} implements it with
 * koffi, loaded only here and only on Windows (the helper's start-up on Linux and macOS never
 * pays for it). Typed against the Win32 signatures; this project's tests run on Linux, where the
 * checks run against a stand-in of the port: the koffi calls themselves have not run here.
 */
import { createRequire } from 'node:module';
import type koffiModule from 'koffi';

/** A Win32 call that failed, with GetLastError's code. */
export class Win32Error extends Error {
  readonly code: number;
  constructor(call: string, code: number) {
    super(`${call} failed (Windows error ${code})`);
    this.code = code;
  }
}

/** The Win32 calls the check needs. Every method throws {@link Win32Error} when its call fails. */
export interface Win32Pipes {
  /** A client handle on the pipe, opened for identification only (the server cannot impersonate us). */
  open(path: string): unknown;
  /** GetNamedPipeServerProcessId. */
  serverPid(handle: unknown): number;
  /** The TokenUser SID of process `pid`, or of this process for `self`, as bytes. */
  userSid(pid: number | 'self'): Buffer;
  /** EqualSid. */
  equalSid(a: Buffer, b: Buffer): boolean;
  close(handle: unknown): void;
}

/** The check's verdict: the server's pid when it runs as this user, else why the request must not be sent. */
export type PipeServerCheck = { ok: true; pid: number } | { ok: false; reason: string };

const ERROR_ACCESS_DENIED = 5;

/** Who serves `path`, checked through `api`; never throws. */
export function checkPipeServer(path: string, api: Win32Pipes): PipeServerCheck {
  let handle: unknown;
  try {
    handle = api.open(path);
  } catch (error) {
    return { ok: false, reason: `cannot open ${path} to check who serves it (${(error as Error).message})` };
  }
  try {
    const pid = api.serverPid(handle);
    let theirs: Buffer;
    try {
      theirs = api.userSid(pid);
    } catch (error) {
      // Another user's process (or an elevated one) cannot be opened by us: that is the answer too.
      const denied = error instanceof Win32Error && error.code === ERROR_ACCESS_DENIED;
      return {
        ok: false,
        reason: denied
          ? `the process serving ${path} (pid ${pid}) belongs to another user`
          : `cannot tell who runs the process serving ${path} (pid ${pid}): ${(error as Error).message}`,
      };
    }
    if (!api.equalSid(theirs, api.userSid('self')))
      return { ok: false, reason: `the process serving ${path} (pid ${pid}) runs as another user` };
    return { ok: true, pid };
  } catch (error) {
    return { ok: false, reason: `cannot check who serves ${path} (${(error as Error).message})` };
  } finally {
    try {
      api.close(handle);
    } catch {
      // the verdict stands; a handle that will not close goes with the process
    }
  }
}

const GENERIC_READ = 0x8000_0000;
/** CreateFileW's disposition for opening an existing pipe. */
export const OPEN_EXISTING = 3;
/** SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION: the server may learn who we are, never act as us. */
export const SQOS_IDENTIFICATION = 0x0010_0000 | 0x0001_0000;
const ERROR_PIPE_BUSY = 231;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const TOKEN_QUERY = 0x0008;
const TOKEN_USER = 1;

type Koffi = typeof koffiModule;

/** The TokenUser SID of a process handle's token, as bytes (OpenProcessToken, GetTokenInformation, GetLengthSid). */
function tokenUserSid(
  koffi: Koffi,
  advapi32: ReturnType<Koffi['load']>,
  CloseHandle: (h: unknown) => unknown,
  fail: (call: string) => never,
): (process: unknown) => Buffer {
  const OpenProcessToken = advapi32.func(
    'bool __stdcall OpenProcessToken(void *process, uint32_t access, _Out_ void **token)',
  );
  const GetTokenInformation = advapi32.func(
    'bool __stdcall GetTokenInformation(void *token, int cls, _Out_ void *info, uint32_t length, _Out_ uint32_t *returned)',
  );
  const GetLengthSid = advapi32.func('uint32_t __stdcall GetLengthSid(void *sid)');
  return (process) => {
    const token: unknown[] = [null];
    if (!OpenProcessToken(process, TOKEN_QUERY, token)) fail('OpenProcessToken');
    try {
      // TOKEN_USER is { SID_AND_ATTRIBUTES { PSID Sid; DWORD Attributes } }: the SID follows in the same buffer.
      const info = Buffer.alloc(256);
      if (!GetTokenInformation(token[0], TOKEN_USER, info, info.length, [0])) fail('GetTokenInformation');
      const sid = koffi.decode(info, 'void *') as unknown;
      return Buffer.from(koffi.decode(sid, 'uint8_t', GetLengthSid(sid) as number) as number[]);
    } finally {
      CloseHandle(token[0]);
    }
  };
}

/** The port through koffi (kernel32, advapi32). `require` resolves koffi beside the helper (node_modules, or the app's resources). */
export function koffiWin32Pipes(
  require: NodeJS.Require = createRequire(typeof __filename === 'string' ? __filename : process.execPath),
): Win32Pipes {
  const koffi = require('koffi') as Koffi;
  const kernel32 = koffi.load('kernel32.dll');
  const advapi32 = koffi.load('advapi32.dll');
  const CreateFileW = kernel32.func(
    'void *__stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *template)',
  );
  const WaitNamedPipeW = kernel32.func('bool __stdcall WaitNamedPipeW(str16 name, uint32_t timeout)');
  const GetNamedPipeServerProcessId = kernel32.func(
    'bool __stdcall GetNamedPipeServerProcessId(void *pipe, _Out_ uint32_t *pid)',
  );
  const OpenProcess = kernel32.func('void *__stdcall OpenProcess(uint32_t access, bool inherit, uint32_t pid)');
  const GetCurrentProcess = kernel32.func('void *__stdcall GetCurrentProcess()');
  const CloseHandle = kernel32.func('bool __stdcall CloseHandle(void *handle)');
  const GetLastError = kernel32.func('uint32_t __stdcall GetLastError()');
  const EqualSid = advapi32.func('bool __stdcall EqualSid(void *a, void *b)');
  const invalid = (h: unknown): boolean =>
    h === null || koffi.address(h) === 0n || koffi.address(h) === 0xffff_ffff_ffff_ffffn;
  const fail = (call: string): never => {
    throw new Win32Error(call, GetLastError() as number);
  };
  const sidOf = tokenUserSid(koffi, advapi32, CloseHandle, fail);
  return {
    open(path) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const handle = CreateFileW(path, GENERIC_READ, 0, null, OPEN_EXISTING, SQOS_IDENTIFICATION, null) as unknown;
        if (!invalid(handle)) return handle;
        const code = GetLastError() as number;
        if (code !== ERROR_PIPE_BUSY) throw new Win32Error('CreateFileW', code);
        WaitNamedPipeW(path, 2000);
      }
      throw new Win32Error('CreateFileW', ERROR_PIPE_BUSY);
    },
    serverPid(handle) {
      const pid = [0];
      if (!GetNamedPipeServerProcessId(handle, pid)) fail('GetNamedPipeServerProcessId');
      return pid[0]!;
    },
    userSid(pid) {
      if (pid === 'self') return sidOf(GetCurrentProcess());
      const process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid) as unknown;
      if (invalid(process)) fail('OpenProcess');
      try {
        return sidOf(process);
      } finally {
        CloseHandle(process);
      }
    },
    equalSid: (a, b) => EqualSid(a, b) as boolean,
    close(handle) {
      CloseHandle(handle);
    },
  };
}

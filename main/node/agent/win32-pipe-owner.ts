/**
 * Windows: the agent owns its pipe name or does not start, and the pipe admits only its user.
 * Node's net cannot set a pipe's security descriptor, so around Node's own listen:
 * - before: a probe (helper/win32-pipe.ts's port) opens the name as a client; if anyone serves it
 *   the agent refuses to start and says who (another agent of this user, or another user's
 *   process squatting the name). libuv's bind then creates the first instance with
 *   FILE_FLAG_FIRST_PIPE_INSTANCE, so a squatter arriving between the probe and the bind makes it
 *   fail with EADDRINUSE rather than share the name;
 * - after: through a client handle opened with WRITE_DAC, the pipe gets a protected DACL that
 *   grants access to this user's SID only (SetSecurityInfo), replacing libuv's default, which
 *   lets everyone read and so connect.
 * Typed against the Win32 signatures with koffi; this project's tests run on Linux, where the
 * probe's decision is tested through the port: none of this has run on Windows here.
 */
import { createRequire } from 'node:module';
import type koffiModule from 'koffi';
import {
  OPEN_EXISTING,
  SQOS_IDENTIFICATION,
  Win32Error,
  checkPipeServer,
  koffiWin32Pipes,
  type Win32Pipes,
} from '../../../helper/win32-pipe.ts';
import { EnvironmentError } from '../../core/errors.ts';

const ERROR_FILE_NOT_FOUND = 2;

/** Throws EnvironmentError when something already serves `path`, naming whose it is; returns when the name is free. */
export function claimPipeName(path: string, api: Win32Pipes): void {
  try {
    api.close(api.open(path));
  } catch (error) {
    if (error instanceof Win32Error && error.code === ERROR_FILE_NOT_FOUND) return;
    throw new EnvironmentError(
      `cannot tell whether the pipe ${path} is free (${(error as Error).message}): the agent does not start on a pipe it cannot check`,
    );
  }
  const check = checkPipeServer(path, api);
  if (check.ok)
    throw new EnvironmentError(
      `another tray-cred agent already listens on ${path} (pid ${check.pid}): stop it first (\`tray-cred status\` shows its pid)`,
    );
  throw new EnvironmentError(
    `${check.reason}: it holds tray-cred's pipe name, perhaps to receive requests meant for tray-cred, so the agent does not start; end that process (Task Manager shows its pid), then start tray-cred`,
  );
}

const READ_CONTROL = 0x0002_0000;
const WRITE_DAC = 0x0004_0000;
const SE_KERNEL_OBJECT = 6;
const DACL_SECURITY_INFORMATION = 0x4;
const PROTECTED_DACL_SECURITY_INFORMATION = 0x8000_0000;
const SDDL_REVISION_1 = 1;

/** Gives the pipe at `path` a protected DACL granting GENERIC_ALL to this user's SID alone. Throws Win32Error. */
function restrictPipeToUser(path: string, require: NodeJS.Require = createRequire(import.meta.url)): void {
  const koffi = require('koffi') as typeof koffiModule;
  const kernel32 = koffi.load('kernel32.dll');
  const advapi32 = koffi.load('advapi32.dll');
  const CreateFileW = kernel32.func(
    'void *__stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, void *template)',
  );
  const CloseHandle = kernel32.func('bool __stdcall CloseHandle(void *handle)');
  const LocalFree = kernel32.func('void *__stdcall LocalFree(void *mem)');
  const GetLastError = kernel32.func('uint32_t __stdcall GetLastError()');
  const ConvertSidToStringSidW = advapi32.func('bool __stdcall ConvertSidToStringSidW(void *sid, _Out_ void **text)');
  const ConvertSddl = advapi32.func(
    'bool __stdcall ConvertStringSecurityDescriptorToSecurityDescriptorW(str16 sddl, uint32_t revision, _Out_ void **sd, void *size)',
  );
  const GetSecurityDescriptorDacl = advapi32.func(
    'bool __stdcall GetSecurityDescriptorDacl(void *sd, _Out_ int32_t *present, _Out_ void **dacl, _Out_ int32_t *defaulted)',
  );
  const SetSecurityInfo = advapi32.func(
    'uint32_t __stdcall SetSecurityInfo(void *handle, int type, uint32_t info, void *owner, void *group, void *dacl, void *sacl)',
  );
  const check = (ok: unknown, call: string): void => {
    if (!ok) throw new Win32Error(call, GetLastError() as number);
  };
  const text: unknown[] = [null];
  check(ConvertSidToStringSidW(koffiWin32Pipes(require).userSid('self'), text), 'ConvertSidToStringSidW');
  const sid = koffi.decode(text[0], 'str16') as string;
  LocalFree(text[0]);
  const sd: unknown[] = [null];
  check(
    ConvertSddl(`D:P(A;;GA;;;${sid})`, SDDL_REVISION_1, sd, null),
    'ConvertStringSecurityDescriptorToSecurityDescriptorW',
  );
  try {
    const dacl: unknown[] = [null];
    check(GetSecurityDescriptorDacl(sd[0], [0], dacl, [0]), 'GetSecurityDescriptorDacl');
    const handle = CreateFileW(
      path,
      READ_CONTROL | WRITE_DAC,
      0,
      null,
      OPEN_EXISTING,
      SQOS_IDENTIFICATION,
      null,
    ) as unknown;
    const address = handle === null ? 0n : koffi.address(handle);
    if (address === 0n || address === 0xffff_ffff_ffff_ffffn)
      throw new Win32Error('CreateFileW', GetLastError() as number);
    try {
      const error = SetSecurityInfo(
        handle,
        SE_KERNEL_OBJECT,
        DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
        null,
        null,
        dacl[0],
        null,
      ) as number;
      if (error !== 0) throw new Win32Error('SetSecurityInfo', error);
    } finally {
      CloseHandle(handle);
    }
  } finally {
    LocalFree(sd[0]);
  }
}

/** The Windows guard the socket server runs around its listen; `undefined` elsewhere. */
export function windowsPipeGuard(
  platform: NodeJS.Platform,
): { beforeListen(path: string): void; afterListen(path: string): void } | undefined {
  if (platform !== 'win32') return undefined;
  const require = createRequire(import.meta.url);
  return {
    beforeListen: (path) => claimPipeName(path, koffiWin32Pipes(require)),
    afterListen: (path) => restrictPipeToUser(path, require),
  };
}

/**
 * `tray-cred-helper <profile>`: the credential_process command. It holds nothing: it gathers
 * what it can claim about its caller, sends one request to the agent and prints the answer.
 * stdout carries only the credential_process JSON; every failure is one stderr line and an
 * exit status from EXIT_STATUS.
 *
 * Its start-up is paid before every `aws` command, so it loads no module it does not use on
 * this platform (child_process alone costs several ms) and writes with fs.writeSync: touching
 * process.stdout would build a stream over fd 1 just to print one line.
 */
import { lstatSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT_STATUS, type ErrorCode } from '../common/errors.ts';
import { PROFILE_NAME } from '../common/names.ts';
import { nodeVersionProblem } from '../common/node-version.ts';
import { PROTOCOL_VERSION, ProtocolError, parseCredentialsResult, type CallerClaim } from './wire.ts';
import { AgentUnreachableError, sendRequest } from './client.ts';
import { callerClaim, type ClaimFacts } from './caller-claim.ts';
import { socketPath } from './paths.ts';

declare const TRAY_CRED_VERSION: string | undefined;
const VERSION = typeof TRAY_CRED_VERSION === 'string' ? TRAY_CRED_VERSION : 'dev';

const USAGE = `usage: tray-cred-helper [--timeout <seconds>] <profile>

Prints AWS credentials for <profile> from the running tray-cred agent, as credential_process JSON.
In ~/.aws/config:  credential_process = tray-cred-helper <profile>`;

/** Writes all of `text` to fd 1 or 2 synchronously, so that exiting right after loses nothing. */
function print(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (error) {
      // A descriptor a parent left non-blocking can be full for a moment; anything else is final.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

function fail(status: number, message: string): never {
  print(2, `tray-cred-helper: ${message}\n`);
  process.exit(status);
}

/** The NUL-separated arguments of a cmdline. */
function splitCmdline(cmdline: string): string[] {
  const args = cmdline.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

/**
 * What the helper can tell about the process that ran it. Claims, not proof: where the agent
 * verifies (Linux, macOS) it records them beside what the kernel says, and shows them only when
 * they name another process. On Linux they cost three /proc reads: 0.10 ms of a ~29 ms run
 * (median of 40 in-process timings, issue 16), below what the benchmark can resolve, so they
 * stay: an agent of an older release still shows them, and the audit's `caller` field, the
 * approver's TRAY_CRED_CALLER and `sessions`' mintedFor keep their meaning. On macOS
 * they cost loading child_process and running `ps` (about 18 ms on this project's Linux machine;
 * not measured on a Mac), which the agent's own LOCAL_PEERPID check makes redundant, so only the
 * parent's pid is claimed there, as on
 * Windows (where the claim is all the agent has: reading another process's command line there
 * needs more than the helper should load before every `aws` command).
 */
function callerOf(pid: number): CallerClaim {
  const facts: ClaimFacts = { pid, ppid: 0, cwd: '' };
  try {
    if (process.platform === 'linux') {
      facts.argv = splitCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      facts.cwd = readlinkSync(`/proc/${pid}/cwd`);
      // Field 4 of stat; the command name in field 2 may hold spaces, so count from its ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      facts.ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
    }
  } catch {
    // Best effort: a caller we cannot read is sent as what we know (its pid).
  }
  return callerClaim(facts);
}

const HINT: Partial<Record<ErrorCode, string>> = {
  VERSION: 'tray-cred-helper and the app come from different releases',
};

/** The default --timeout, in seconds: long enough to answer an approval prompt. */
const DEFAULT_SECONDS = 120;

/**
 * The profile and time-out to ask with, or `undefined` when --help or --version was answered.
 * `credential_process = tray-cred-helper <profile>` passes exactly one argument, a profile name,
 * which can never start with '-' (PROFILE_NAME): util.parseArgs would return it as the only
 * positional and no option, so that line is taken as it is. Anything else goes to parseArgs,
 * whose loading and first call cost 0.7 ms of the helper's ~29 ms (measured for issue 16; git log -p docs/performance.md).
 */
function commandLine(
  argv: readonly string[] = process.argv.slice(2),
): { profile: string; seconds: number } | undefined {
  const [only] = argv;
  if (argv.length === 1 && only !== undefined && PROFILE_NAME.test(only))
    return { profile: only, seconds: DEFAULT_SECONDS };
  let parsed;
  try {
    const { parseArgs } = process.getBuiltinModule('node:util');
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        timeout: { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(EXIT_STATUS.USAGE, `${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    print(1, `${USAGE}\n`);
    return undefined;
  }
  if (values.version) {
    print(1, `tray-cred-helper ${VERSION} (protocol ${PROTOCOL_VERSION})\n`);
    return undefined;
  }
  const profile = positionals[0];
  if (positionals.length !== 1 || profile === undefined)
    fail(EXIT_STATUS.USAGE, `expected exactly one profile name\n${USAGE}`);
  if (!PROFILE_NAME.test(profile)) fail(EXIT_STATUS.USAGE, `"${profile}" is not a valid profile name`);
  const seconds = values.timeout === undefined ? DEFAULT_SECONDS : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    fail(EXIT_STATUS.USAGE, '--timeout takes seconds from 1 to 3600');
  return { profile, seconds };
}

/**
 * The agent refuses a socket directory that is not private; so does the helper, or anyone who
 * made /tmp/tray-cred-<uid> first could pose as the agent and be sent the caller's command line.
 */
function checkSocketDirectory(path: string): void {
  if (process.platform === 'win32') return;
  let dir;
  try {
    dir = lstatSync(dirname(path));
  } catch {
    return; // nothing there: connecting reports that no agent runs
  }
  if (!dir.isDirectory() || dir.uid !== process.getuid?.() || (dir.mode & 0o077) !== 0) {
    fail(
      EXIT_STATUS.NOT_RUNNING,
      `${dirname(path)} is not a private directory of yours (owner uid ${dir.uid}, mode ${(dir.mode & 0o777).toString(8)}), so whatever listens there is not trusted: remove it, then start the agent`,
    );
  }
}

/** A pipe whose server is not this user's: nothing was sent to it. */
class UntrustedServerError extends Error {}

/**
 * Windows: a check, run once connected, that the pipe's server runs as this user (helper/win32-pipe.ts,
 * loaded only here so that Linux and macOS never load koffi). A check that cannot be loaded fails closed.
 */
async function pipeGuard(path: string): Promise<(() => Error | undefined) | undefined> {
  if (process.platform !== 'win32') return undefined;
  const { checkPipeServer, koffiWin32Pipes } = await import('./win32-pipe.ts');
  let api: ReturnType<typeof koffiWin32Pipes>;
  try {
    api = koffiWin32Pipes();
  } catch (error) {
    fail(
      EXIT_STATUS.NOT_RUNNING,
      `cannot check who serves ${path}, so nothing was sent (${(error as Error).message}): reinstall tray-cred, whose helper needs the koffi module beside it`,
    );
  }
  return () => {
    const check = checkPipeServer(path, api);
    return check.ok
      ? undefined
      : new UntrustedServerError(
          `${check.reason}, so nothing was sent to it: close the program holding the pipe name, then start the tray-cred app`,
        );
  };
}

/**
 * This process's terminal, opened for writing, or `undefined` without one (a desktop app, cron, a
 * service). The AWS CLI and the SDKs show the helper's stderr only after it fails, so what the
 * person must see while a request waits goes here, as aws-vault's MFA prompt does; stderr keeps
 * only the final line. It is the requester's own terminal: the helper runs in its process tree.
 */
function ownTerminal(): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return openSync('/dev/tty', 'w');
  } catch {
    return undefined; // no controlling terminal (ENXIO): the agent says it on the desktop instead
  }
}

/** Writes a notice of the agent's to the terminal, one line, control characters shown as '?'. */
function showNotice(tty: number, notice: string): void {
  try {
    const shown = Array.from(notice, (ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code < 0x20 || (code >= 0x7f && code < 0xa0) ? '?' : ch;
    });
    writeSync(tty, `${shown.join('')}\n`);
  } catch {
    // the terminal went away: nothing to show it on
  }
}

/** The agent's answer to one credentials request; every failure ends the process with its status. */
async function ask(path: string, profile: string, seconds: number): Promise<unknown> {
  const id = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const tty = ownTerminal();
  let response;
  try {
    response = await sendRequest(
      path,
      {
        v: PROTOCOL_VERSION,
        id,
        op: 'credentials',
        profile,
        caller: callerOf(process.ppid),
        ...(tty === undefined ? {} : { notices: true as const }),
      },
      seconds * 1000,
      await pipeGuard(path),
      tty === undefined ? undefined : (notice) => showNotice(tty, notice),
    );
  } catch (error) {
    if (error instanceof UntrustedServerError) fail(EXIT_STATUS.NOT_RUNNING, error.message);
    if (error instanceof AgentUnreachableError) {
      fail(
        EXIT_STATUS.NOT_RUNNING,
        `${error.message}: start the tray-cred app (or \`tray-cred agent\` on a server); set TRAY_CRED_SOCKET if it listens elsewhere`,
      );
    }
    if (error instanceof ProtocolError) {
      fail(
        EXIT_STATUS[error.code],
        error.code === 'TIMEOUT'
          ? `${error.message}: answer the approval prompt sooner, or raise --timeout`
          : error.message,
      );
    }
    fail(EXIT_STATUS.INTERNAL, `unexpected failure: ${(error as Error)?.message ?? String(error)}`);
  }
  if (!response.ok) {
    const hint = HINT[response.error.code];
    fail(EXIT_STATUS[response.error.code], hint ? `${response.error.message} (${hint})` : response.error.message);
  }
  return response.result;
}

async function main(): Promise<void> {
  const old = nodeVersionProblem(process.version, process.execPath);
  if (old) fail(EXIT_STATUS.ENVIRONMENT, old);
  const args = commandLine();
  if (!args) return;
  const path = socketPath({
    env: process.env,
    platform: process.platform,
    uid: process.getuid?.() ?? 0,
    // node:os only where the path is made from it (0.2 ms to load): Linux uses the environment alone.
    username: process.platform === 'win32' ? process.getBuiltinModule('node:os').userInfo().username : '',
    homedir: process.platform === 'linux' ? '' : process.getBuiltinModule('node:os').homedir(),
  });
  checkSocketDirectory(path);
  const result = await ask(path, args.profile, args.seconds);
  let credentials;
  try {
    credentials = parseCredentialsResult(result);
  } catch (error) {
    fail(EXIT_STATUS.BAD_REQUEST, (error as Error).message);
  }
  print(1, `${JSON.stringify(credentials)}\n`);
  // The answer is written and the socket destroyed: nothing left to wait for but handle teardown.
  process.exit(0);
}

void main();

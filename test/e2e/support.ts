/**
 * Shared pieces of the end-to-end tests: a sandbox per test (data dir, short socket path, AWS
 * config files, an environment that reaches nothing of the user's), a way to run the built
 * commands from dist/ without a shell, and a headless agent that is always stopped.
 *
 * The tests run the bundles in dist/ (build/test.sh builds them first) against the real
 * gnome-keyring of the D-Bus session they inherit.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { auditAnchorAccount } from '../../main/core/audit/audit-anchor.ts';
import type { AuditEntry } from '../../main/core/audit/audit-codec.ts';
import { queryAuditLog } from '../../main/core/audit/audit-reader.ts';
import { generationAccount } from '../../main/core/vault/vault-generation.ts';
import { auditKeyAccount, masterKeyAccount, stagedKeyAccount } from '../../main/core/vault/key-accounts.ts';
import { KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { NodeFileSystem } from '../../main/node/platform/node-file-system.ts';
import type { ProfileRecord } from '../../main/core/profiles/profile.ts';
import type { VaultData } from '../../main/core/vault/vault-codec.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DIST_BIN = join(ROOT, 'dist', 'bin');
/** node_modules/.bin holds Node 24, which the bundles' `#!/usr/bin/env node` must find first. */
export const NODE_BIN = join(ROOT, 'node_modules', '.bin');
export const TRAY_CRED = join(DIST_BIN, 'tray-cred');
export const HELPER = join(DIST_BIN, 'tray-cred-helper');
/** Debian's AWS CLI v2, by full path: another `aws` may come first on PATH. */
export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';

/** What a finished process left behind. */
export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is an empty pipe (not a TTY). */
  input?: string;
  cwd?: string;
  /** A guard against a hung process, not an assertion: its whole process group is killed and the result shows the signal. */
  killAfterMs?: number;
}

/**
 * Runs a command with an argument vector (never through a shell) and collects its output. The
 * command leads its own process group, killed when it exits: nothing it started outlives it.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnGroup(command, args, {
      env: options.env,
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const guard = setTimeout(() => killGroup(child.pid), options.killAfterMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(guard);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      resolvePromise({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin!.on('error', () => {
      // a command that exits without reading stdin closes the pipe; its result says what happened
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** Fails the test when the bundles are missing, with the command that makes them. */
export function requireBuild(): void {
  for (const file of [TRAY_CRED, HELPER]) {
    if (!existsSync(file))
      throw new Error(
        `${file} is missing: run \`node build/bundle.ts\` with Node 24 (build/test.sh does) before the e2e tests`,
      );
  }
}

/**
 * The `aws` on a sandbox's PATH: the real AWS CLI v2, exec'd with every argument, except that its
 * answer to `aws --version` alone is asked once per test run and kept. doctor, configure-aws and
 * setup each ask it (the AWS CLI v1 check), and each answer costs ~0.8 s of CPU (Python importing
 * awscli) for the same line: the tests ran it about 70 times. The answer is the real CLI's own,
 * from this run; a failed answer is not kept. build/run-tests.ts gives the run its TEST_RUN_DIR;
 * a file run on its own keeps the answer for its own process.
 */
function awsOnPath(): string {
  const q = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
  const kept = join(runDir(), 'aws-version');
  return [
    '#!/bin/sh',
    'if [ "$#" -eq 1 ] && [ "$1" = --version ]; then',
    `  if [ ! -s ${q(kept)} ]; then`,
    `    ${q(AWS_CLI)} --version >${q(kept)}.$$ 2>&1 || { rm -f ${q(kept)}.$$; exec ${q(AWS_CLI)} --version; }`,
    `    mv -f ${q(kept)}.$$ ${q(kept)}`,
    '  fi',
    `  exec cat ${q(kept)}`,
    'fi',
    `exec ${q(AWS_CLI)} "$@"`,
    '',
  ].join('\n');
}

let ownRunDir: string | undefined;
/** TEST_RUN_DIR, or a directory of this process's own, removed when it exits. */
function runDir(): string {
  if (process.env.TEST_RUN_DIR) return process.env.TEST_RUN_DIR;
  if (!ownRunDir) {
    const dir = mkdtempSync('/tmp/tc-run-');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    ownRunDir = dir;
  }
  return ownRunDir;
}

/**
 * The inherited environment without anything that would steer the AWS tools, tray-cred or node:test children
 * (NODE_COMPILE_CACHE is the test run's, build/run-tests.ts: tray-cred runs here as it runs for a user, without it).
 */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(AWS_|TRAY_CRED_|NODE_TEST_|NODE_OPTIONS$|NODE_COMPILE_CACHE$|BOTO_)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

/**
 * Deletes the keychain entries of every vault made under `root` (a vault.json at any depth: the
 * data dir, a HomeSandbox's ~/.config/tray-cred). The tests share one gnome-keyring, which rewrites
 * its whole keyring file on every change: left behind, each sandbox's five entries made every
 * keychain write of the run slower than the last (with 600 entries a write cost the daemon 20 ms of
 * CPU, against under 5 ms on an empty keyring). Entries of a private keychain (a test's own D-Bus
 * session) are not in this one and end with it; an unreachable keychain leaves nothing to delete.
 */
export async function forgetVaults(root: string): Promise<void> {
  const keychain = new KeyringKeychain(process.platform, 5_000);
  const files = await readdir(root, { recursive: true }).catch(() => []);
  for (const file of files.filter((f) => basename(f) === 'vault.json')) {
    const vaultId = await readFile(join(root, file), 'utf8').then(
      (text) => (JSON.parse(text) as { vaultId?: unknown }).vaultId,
      () => undefined,
    );
    if (typeof vaultId !== 'string') continue;
    for (const account of [masterKeyAccount, stagedKeyAccount, auditKeyAccount, auditAnchorAccount, generationAccount])
      await keychain.delete(account(vaultId)).catch(() => false);
  }
}

/** One test's world on disk. `cleanup()` removes all of it. */
export interface Sandbox {
  /** The mkdtemp root under /tmp; everything below lives in it. */
  root: string;
  /** TRAY_CRED_HOME (created by `tray-cred init`). */
  home: string;
  /** TRAY_CRED_SOCKET, short enough for sun_path. */
  socket: string;
  awsConfig: string;
  awsCredentials: string;
  env: NodeJS.ProcessEnv;
  /** Runs the built `tray-cred` with this sandbox's environment. */
  trayCred(args: readonly string[], input?: string): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  requireBuild();
  // /tmp explicitly, not os.tmpdir(): a long TMPDIR would push the socket past sun_path's limit.
  const root = await mkdtemp('/tmp/tc-e2e-');
  const home = join(root, 'data');
  const socket = join(root, 's', 'agent.sock');
  if (Buffer.byteLength(socket) >= 100) throw new Error(`socket path ${socket} is too long for a Unix socket`);
  const awsConfig = join(root, 'aws-config');
  const awsCredentials = join(root, 'aws-credentials');
  await writeFile(awsCredentials, '');
  await writeFile(awsConfig, '');
  // The real AWS CLI v2 is the `aws` the commands find, whatever comes first on this machine's PATH
  // (an AWS CLI v1 would make doctor and configure-aws say so).
  const awsBin = join(root, 'aws-bin');
  await mkdir(awsBin);
  await writeFile(join(awsBin, 'aws'), awsOnPath(), { mode: 0o755 });
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    PATH: [DIST_BIN, NODE_BIN, awsBin, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    TRAY_CRED_HOME: home,
    TRAY_CRED_SOCKET: socket,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return {
    root,
    home,
    socket,
    awsConfig,
    awsCredentials,
    env,
    trayCred: (args, input) => run(TRAY_CRED, args, { env, ...(input === undefined ? {} : { input }) }),
    cleanup: async () => {
      await forgetVaults(root);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Writes an AWS config file whose profiles get their keys from `tray-cred-helper <name>`. */
export async function writeAwsConfig(sandbox: Sandbox, profiles: readonly string[]): Promise<void> {
  const text = profiles
    .map((p) => `[profile ${p}]\ncredential_process = tray-cred-helper ${p}\nregion = us-east-1\n`)
    .join('\n');
  await writeFile(sandbox.awsConfig, text);
}

/** An `~/.aws/credentials`-format file. */
export function credentialsFile(profiles: Record<string, { accessKeyId: string; secretAccessKey: string }>): string {
  return Object.entries(profiles)
    .map(
      ([name, k]) => `[${name}]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`,
    )
    .join('\n');
}

/** A headless agent started by a test. */
export interface Agent {
  pid: number;
  /** Everything it has written to stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit; SIGKILL to its process group only if it does not stop. Safe to call twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `tray-cred agent` and resolves once it says it is listening. It leads its own process
 * group, killed when it exits and at the latest when the test file's process does.
 */
export async function startAgent(sandbox: Sandbox, args: readonly string[] = []): Promise<Agent> {
  const child: ChildProcess = spawnGroup(TRAY_CRED, ['agent', ...args], {
    env: sandbox.env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  await new Promise<void>((resolvePromise, reject) => {
    const guard = setTimeout(
      () => reject(new Error(`the agent did not say it was listening within 30 s; stderr:\n${stderr}`)),
      30_000,
    );
    const onData = (): void => {
      if (/listening on /.test(stderr)) {
        clearTimeout(guard);
        child.stderr!.off('data', onData);
        resolvePromise();
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((how) => {
      clearTimeout(guard);
      reject(new Error(`the agent exited (${how.code ?? how.signal}) before listening; stderr:\n${stderr}`));
    });
  }).catch((error: unknown) => {
    killGroup(child.pid);
    throw error;
  });
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    pid: child.pid!,
    stderr: () => stderr,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const guard = setTimeout(() => killGroup(child.pid), 15_000);
        try {
          return await exited;
        } finally {
          clearTimeout(guard);
        }
      })();
      return stopping;
    },
  };
}

/**
 * A sandbox for one test, removed when the test ends; agents started through it are stopped
 * first, so none outlives its test.
 */
export async function testSandbox(
  t: TestContext,
): Promise<{ sandbox: Sandbox; startAgent(args?: readonly string[]): Promise<Agent> }> {
  const sandbox = await makeSandbox();
  const agents: Agent[] = [];
  t.after(async () => {
    for (const a of agents) await a.stop();
    await sandbox.cleanup();
  });
  return {
    sandbox,
    async startAgent(args = []) {
      const a = await startAgent(sandbox, args);
      agents.push(a);
      return a;
    },
  };
}

/**
 * Every audit entry, oldest first, as `tray-cred audit --json` prints them: read here with the
 * reader that command runs (queryAuditLog), without starting a `tray-cred` for each look at the
 * log. The command itself still runs in cli.test.ts, aws-cli.test.ts and caller-redaction.test.ts.
 */
export async function auditEntries(sandbox: Pick<Sandbox, 'home'>): Promise<AuditEntry[]> {
  return queryAuditLog(new NodeFileSystem(process.getuid?.()), join(sandbox.home, 'audit'));
}

/** `tray-cred audit verify`, in its text form (cli.test.ts checks `--json` on its own). */
export function auditVerify(sandbox: Sandbox): Promise<RunResult> {
  return sandbox.trayCred(['audit', 'verify']);
}

/** Texts that must never appear in any output but a credential_process document. */
export function findSecrets(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}

// --- the vault-crash test's counter vault, shared by the test and its writer child ---

const FIXED_TIME = '2026-01-01T00:00:00.000Z';

function record(accessKeyId: string, secretAccessKey: string): ProfileRecord {
  return {
    accessKeyId,
    secretAccessKey,
    policy: 'allow',
    rememberMinutes: 0,
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
  };
}

/**
 * The whole profile set of version `n` of the counter vault: `counter` holds n in its key id,
 * `gen-<n>` is renamed every version and `extra-<i>` come and go, so a mix of two versions
 * cannot pass for either. Version 0 is the empty vault `tray-cred init` writes.
 */
export function counterProfiles(n: number): VaultData['profiles'] {
  if (n === 0) return {};
  const profiles: VaultData['profiles'] = {
    counter: record(`AKIA${String(n).padStart(16, '0')}`, `counter-secret-${n}`),
    [`gen-${n}`]: record('AKIAGENERATIONEXAMPLE', `generation-${n}`),
  };
  for (let i = 0; i < n % 5; i += 1)
    profiles[`extra-${i}`] = record(`AKIAEXTRA${String(i).padStart(11, '0')}`, `extra-${i}-of-${n}`);
  return profiles;
}

/** The version number of a counter vault's contents (0 for the empty vault). */
export function counterOf(data: VaultData): number {
  const id = data.profiles.counter?.accessKeyId;
  return id === undefined ? 0 : Number(id.slice(4));
}

/**
 * The benchmark's world: a data directory, a socket and an AWS config of its own, the built
 * commands from dist/, and a headless agent that is always stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DIST_BIN = join(ROOT, 'dist', 'bin');
export const NODE_BIN = join(ROOT, 'node_modules', '.bin');
export const TRAY_CRED = join(DIST_BIN, 'tray-cred');
export const HELPER = join(DIST_BIN, 'tray-cred-helper');
/** The Node the helper's `#!/usr/bin/env node` finds first on PATH: the floor it is compared with. */
export const NODE = join(NODE_BIN, 'node');

/** A made-up key pair in the AWS documentation's format; it opens nothing. */
export const BENCH_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command by argument vector, never through a shell. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<RunResult> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) =>
      done({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    // A command that reads no input may exit before its stdin is closed: EPIPE then says nothing about the command.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(input);
  });
}

/** `run` for a command that must succeed. */
export async function runOk(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<RunResult> {
  const r = await run(command, args, env, input);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r;
}

export interface World {
  root: string;
  /** TRAY_CRED_HOME */
  home: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  trayCred(args: readonly string[], input?: string): Promise<RunResult>;
  cleanup(): Promise<void>;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|TRAY_CRED_|NODE_OPTIONS$|NODE_DEBUG$|BOTO_)/.test(name)) env[name] = value;
  }
  return env;
}

/** A fresh data directory with `tray-cred init` run in it. */
export async function makeWorld(name: string): Promise<World> {
  for (const file of [TRAY_CRED, HELPER]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: run \`node build/bundle.ts\` first (npm run bench does)`);
  }
  // /tmp explicitly: a long TMPDIR would push the socket past sun_path's limit.
  const root = await mkdtemp(`/tmp/tc-bench-${name}-`);
  const home = join(root, 'data');
  const socket = join(root, 's', 'agent.sock');
  await mkdir(join(root, 'aws'), { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    PATH: [DIST_BIN, NODE_BIN, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    TRAY_CRED_HOME: home,
    TRAY_CRED_SOCKET: socket,
    AWS_CONFIG_FILE: join(root, 'aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const trayCred = (args: readonly string[], input = ''): Promise<RunResult> => run(TRAY_CRED, args, env, input);
  const world = { root, home, socket, env, trayCred, cleanup: () => rm(root, { recursive: true, force: true }) };
  try {
    await runOk(TRAY_CRED, ['init'], env);
  } catch (error) {
    await world.cleanup();
    throw error;
  }
  return world;
}

/** Stores the benchmark's key pair as `profile` with the given policy. */
export async function addProfile(
  world: World,
  profile: string,
  policy: 'allow' | 'ask' | 'deny' = 'allow',
): Promise<void> {
  await runOk(
    TRAY_CRED,
    ['add', profile, '--access-key-id', BENCH_KEYS.accessKeyId],
    world.env,
    `${BENCH_KEYS.secretAccessKey}\n`,
  );
  await runOk(TRAY_CRED, ['policy', profile, policy], world.env);
}

/** A running headless agent. */
export interface Agent {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `tray-cred agent` and resolves once it says it listens. */
export async function startAgent(world: World): Promise<Agent> {
  const child: ChildProcess = spawn(TRAY_CRED, ['agent'], { env: world.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((ready, reject) => {
    const guard = setTimeout(() => reject(new Error(`the agent did not start within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (/listening on /.test(stderr)) {
        clearTimeout(guard);
        ready();
      }
    });
    void exited.then(() => {
      clearTimeout(guard);
      reject(new Error(`the agent exited before listening:\n${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(guard);
    },
  };
}

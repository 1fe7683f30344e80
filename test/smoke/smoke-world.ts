/**
 * The smoke test's world, the same on every system the release workflow runs it on (Linux,
 * macOS, Windows): a fresh data directory and socket, the checkout's CLI (dist/tray-cred.mjs on
 * this Node) to set the vault up and read the audit log, and the helper the app under test
 * ships: the packaged one (a single executable in the app's resources) when TRAY_CRED_APP names
 * a packaged app, the bundle in dist/ otherwise. Nothing here is Linux-only: no process groups,
 * no /proc, no /usr/bin/aws.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { forgetVaults } from '../e2e/support.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'tray-cred.mjs');
const HELPER_BUNDLE = join(ROOT, 'dist', 'tray-cred-helper.cjs');

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument vector (no shell), killed after `limitMs`. */
function runProgram(file: string, args: readonly string[], env: NodeJS.ProcessEnv, limitMs = 60_000): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(file, args, { env, timeout: limitMs, windowsHide: true }, (error, stdout, stderr) =>
      done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/**
 * The helper inside a packaged app, from the path of its executable: resources/bin beside the
 * executable (Linux, Windows), Contents/Resources/bin in a macOS bundle (electron-builder's
 * extraResources, electron-builder.config.cjs).
 */
function packagedHelper(executable: string): string {
  const name = process.platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper';
  const macBundle = /^(.*\.app)[\\/]Contents[\\/]MacOS[\\/][^\\/]+$/.exec(executable);
  return macBundle
    ? join(macBundle[1]!, 'Contents', 'Resources', 'bin', name)
    : join(dirname(executable), 'resources', 'bin', name);
}

export interface SmokeWorld {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The checkout's CLI, on this Node. */
  trayCred(args: readonly string[]): Promise<Ran>;
  /** `tray-cred-helper <profile>` as the AWS CLI runs it for credential_process. */
  helper(profile: string): Promise<Ran>;
  cleanup(): Promise<void>;
}

/** A fresh data directory and socket; `packagedApp` is the app's executable, or undefined for the checkout's bundles. */
export async function makeSmokeWorld(packagedApp: string | undefined): Promise<SmokeWorld> {
  for (const file of [CLI, HELPER_BUNDLE])
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`node build/bundle.ts\` (npm test does) first`);
  // /tmp, not os.tmpdir(), where there is one: macOS's long TMPDIR would push the socket past sun_path's limit.
  const root = await mkdtemp(join(process.platform === 'win32' ? tmpdir() : '/tmp', 'tc-smoke-'));
  const home = join(root, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, TRAY_CRED_HOME: home };
  for (const name of Object.keys(env)) if (/^(AWS_|NODE_OPTIONS$|NODE_TEST_)/.test(name)) delete env[name];
  // Windows: the agent's named pipe is per user (helper/paths.ts); elsewhere a socket of this run's own.
  if (process.platform !== 'win32') env.TRAY_CRED_SOCKET = join(root, 'agent.sock');
  env.AWS_CONFIG_FILE = join(root, 'aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(root, 'aws-credentials');
  await writeFile(env.AWS_CONFIG_FILE, '');
  await writeFile(env.AWS_SHARED_CREDENTIALS_FILE, '');
  const helper = packagedApp ? packagedHelper(packagedApp) : undefined;
  if (helper && !existsSync(helper)) throw new Error(`the packaged app has no helper at ${helper}`);
  return {
    env,
    home,
    trayCred: (args) => runProgram(process.execPath, [CLI, ...args], env),
    helper: (profile) =>
      helper ? runProgram(helper, [profile], env) : runProgram(process.execPath, [HELPER_BUNDLE, profile], env),
    cleanup: async () => {
      // The vault's keychain entries too: the test run's keychain (or a CI runner's login keychain) keeps no leftovers.
      await forgetVaults(root);
      await rm(root, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** What the app shows a person, as far as the runtime lets a test see it. */
export interface Shown {
  /** The pages of the open windows (`control.html`, `history.html`, ...). */
  windows: string[];
  /** The tray menu's labels; undefined where the runtime gives no view of the tray (Electron's Tray has no list of instances). */
  trayMenu: string[] | undefined;
}

/**
 * The tray app started in one runtime: Electron's (the packaged app, through Playwright's Electron
 * launcher) or the stand-in `electron` under Node (test/fakes/app-driver.ts). The smoke test's
 * steps are written against this alone, so the same steps run in both.
 */
export interface AppUnderTest {
  /** Which runtime, for the test's name. */
  readonly runtime: string;
  /** Its windows and tray once it has started. */
  shown(): Promise<Shown>;
  /** Waits for the approval window to ask about `profile`, and answers Allow once as the person would. */
  allowOnce(profile: string): Promise<void>;
  /** Starts the app a second time (the single-instance lock hands over) and waits for its History window; its rows where they can be read. */
  openHistory(): Promise<{ windows: string[]; rows: string[] | undefined }>;
  /** Quits as the tray's Quit does (app.quit()) and resolves the exit status. */
  quit(): Promise<number | null>;
  /** What the app wrote to stderr, for failure messages. */
  log(): string;
  /** Ends the app if a step failed before quit. */
  kill(): void;
}

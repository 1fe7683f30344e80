/**
 * What the migration tests add to support.ts: a sandbox with a HOME of its own (the recipe and
 * `tray-cred doctor` look in ~/.aws and ~/.secrets), a second private keychain for "a new
 * machine", and a scan of a directory tree for secrets in the forms they would leak in.
 */
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { ROOT, TRAY_CRED, credentialsFile, makeSandbox, run, type RunResult, type Sandbox } from './support.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

/** get_creds.sh (Step 2) and config (Step 3), copied byte for byte from the recipe's post. */
export const RECIPE = join(ROOT, 'test', 'e2e', 'fixtures', 'recipe');

/** A sandbox whose HOME is its own: ~/.aws is where the AWS CLI, the recipe and tray-cred look. */
export interface HomeSandbox extends Sandbox {
  /** HOME for every process of the test. */
  userHome: string;
  /** ~/.aws */
  awsDir: string;
}

/**
 * Like makeSandbox(), but the AWS files are found through HOME (no AWS_CONFIG_FILE or
 * AWS_SHARED_CREDENTIALS_FILE), and the data dir is where a user's would be, ~/.config/tray-cred,
 * still named by TRAY_CRED_HOME so nothing depends on XDG variables of the machine.
 */
export async function makeHomeSandbox(): Promise<HomeSandbox> {
  const base = await makeSandbox();
  const userHome = join(base.root, 'home');
  const awsDir = join(userHome, '.aws');
  await mkdir(userHome, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = {
    ...base.env,
    HOME: userHome,
    TRAY_CRED_HOME: join(userHome, '.config', 'tray-cred'),
  };
  delete env.AWS_CONFIG_FILE;
  delete env.AWS_SHARED_CREDENTIALS_FILE;
  delete env.XDG_CONFIG_HOME;
  return {
    ...base,
    home: env.TRAY_CRED_HOME!,
    awsConfig: join(awsDir, 'config'),
    awsCredentials: join(awsDir, 'credentials'),
    env,
    userHome,
    awsDir,
    trayCred: (args, input) => run(TRAY_CRED, args, { env, ...(input === undefined ? {} : { input }) }),
  };
}

/** A D-Bus session of its own with a fresh, unlocked gnome-keyring: another machine's keychain. */
export interface PrivateKeychain {
  /** Merge into a process's environment to reach this keychain and no other. */
  env: NodeJS.ProcessEnv;
  /** Ends the session (the bus, and with it the keyring daemon) and removes its HOME. */
  stop(): Promise<void>;
}

/**
 * The shell part is fixed text (no data in it): it starts the keyring the way build/test.sh
 * does, reports the bus address, and keeps the session open until its stdin is closed.
 */
const KEYRING_SESSION = [
  'eval "$(printf "\\n" | gnome-keyring-daemon --unlock --components=secrets --daemonize)"',
  'printf "bus=%s\\n" "$DBUS_SESSION_BUS_ADDRESS"',
  'printf "control=%s\\n" "$GNOME_KEYRING_CONTROL"',
  'printf "ready\\n"',
  'exec cat >/dev/null',
].join('\n');

export async function startPrivateKeychain(baseEnv: NodeJS.ProcessEnv): Promise<PrivateKeychain> {
  const home = await mkdtemp('/tmp/tc-kr-');
  const runtime = join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...baseEnv, HOME: home, XDG_RUNTIME_DIR: runtime };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  // Stopped by closing its stdin (stop()); its group is killed then, or when the test file's process exits.
  const child = spawnGroup(
    'dbus-run-session',
    ['--', 'sh', '-c', KEYRING_SESSION],
    { env, stdio: ['pipe', 'pipe', 'pipe'] },
    { outliveLeader: true },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const stop = async (): Promise<void> => {
    child.stdin!.end();
    const guard = setTimeout(() => killGroup(child.pid), 10_000);
    await exited;
    clearTimeout(guard);
    killGroup(child.pid);
    await rm(home, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(
        () => reject(new Error(`the private keyring did not start within 20 s:\n${err}`)),
        20_000,
      );
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('ready\n')) {
          clearTimeout(guard);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(guard);
        reject(new Error(`the private D-Bus session ended before it was ready:\n${err}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const bus = /^bus=(.+)$/m.exec(out)?.[1];
  const control = /^control=(.*)$/m.exec(out)?.[1];
  if (!bus) {
    await stop();
    throw new Error(`the private D-Bus session gave no address:\n${out}\n${err}`);
  }
  return { env: { DBUS_SESSION_BUS_ADDRESS: bus, GNOME_KEYRING_CONTROL: control ?? '' }, stop };
}

/**
 * Every way a secret would show up in a file: as is, hex (either case) and base64 at each of
 * the three byte alignments it can have inside a longer base64 text (the partial groups at the
 * edges depend on the neighbours, so only the whole groups are searched for).
 */
function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let shift = 0; shift < 3; shift += 1) {
    const aligned = bytes.subarray(shift);
    const whole = aligned.subarray(0, aligned.length - (aligned.length % 3));
    forms.push(whole.toString('base64'), whole.toString('base64url'));
  }
  return [...new Set(forms)];
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** The files under `dir` holding any of `secrets` in any of its forms, with the secret found. */
export async function filesWithSecrets(dir: string, secrets: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) {
    const text = (await readFile(file)).toString('latin1');
    for (const secret of secrets) {
      const form = secretForms(secret).find((f) => text.includes(f));
      if (form !== undefined) found.push(`${file}: ${secret.slice(0, 4)}… as ${form === secret ? 'plain text' : form}`);
    }
  }
  return found;
}

/** `run` for a command expected to succeed: fails with its output otherwise. */
export async function runOk(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<RunResult> {
  const r = await run(command, args, { env, ...(input === undefined ? {} : { input }) });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return r;
}

export interface RecipeFiles {
  keyFile: string;
  enc: string;
  script: string;
  config: string;
}

/**
 * The recipe's steps 1 to 3 as its reader runs them, each command by argument vector: the
 * plain credentials file, the key from `openssl rand -base64 32`, `openssl enc -aes-256-cbc
 * -pbkdf2 ... -pass file:KEY`, `rm` of the plain file, get_creds.sh (verbatim, made executable
 * the way `chmod +x` does under umask 022) and the config of step 3.
 */
export async function followRecipe(s: HomeSandbox): Promise<RecipeFiles> {
  const secrets = join(s.userHome, '.secrets');
  const keyFile = join(secrets, 'aws-creds.key');
  const enc = join(s.awsDir, 'static_credentials.enc');
  const script = join(s.awsDir, 'get_creds.sh');
  await mkdir(s.awsDir, { mode: 0o755 });
  await writeFile(s.awsCredentials, credentialsFile({ dev: DEV_KEYS, prod: PROD_KEYS }), { mode: 0o644 });

  await runOk('mkdir', ['-p', secrets], s.env);
  const key = await runOk('openssl', ['rand', '-base64', '32'], s.env);
  assert.match(key.stdout, /^[A-Za-z0-9+/]{43}=\n$/, 'openssl rand -base64 32 prints one line of base64');
  await writeFile(keyFile, key.stdout); // the recipe's `> ~/.secrets/aws-creds.key`
  await runOk('chmod', ['600', keyFile], s.env);
  await runOk(
    'openssl',
    ['enc', '-aes-256-cbc', '-pbkdf2', '-in', s.awsCredentials, '-out', enc, '-pass', `file:${keyFile}`],
    s.env,
  );
  await runOk('rm', [s.awsCredentials], s.env);

  await copyFile(join(RECIPE, 'get_creds.sh'), script);
  await chmod(script, 0o755);
  await copyFile(join(RECIPE, 'config'), s.awsConfig);
  await chmod(s.awsConfig, 0o644);
  await chmod(enc, 0o644);
  return { keyFile, enc, script, config: s.awsConfig };
}

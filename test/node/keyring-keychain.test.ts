/**
 * KeyringKeychain against a real Secret Service (gnome-keyring): the one build/test.sh starts
 * for the whole run, and private D-Bus sessions this file starts and stops itself to see the
 * keyring absent, going away, coming back and locked.
 */
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { KEYCHAIN_SERVICE, KeyringKeychain } from '../../main/node/platform/keyring-keychain.ts';
import { bounded, eventually, isRunning, killGroup, spawnGroup, waitForExit } from './processes.ts';
import { startBusDaemon } from './private-bus.ts';

const execFileAsync = promisify(execFile);
/** execFile with a time limit: a D-Bus call that never answers fails the test instead of holding it. */
const run = (file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
  execFileAsync(file, args, { ...options, timeout: 30_000, killSignal: 'SIGKILL' });
const KEYCHAIN_MODULE = pathToFileURL(join(import.meta.dirname, '../../main/node/platform/keyring-keychain.ts')).href;
const ERRORS_MODULE = pathToFileURL(join(import.meta.dirname, '../../main/core/errors.ts')).href;
/** How long a child may take before the test calls it hung. Far below KeyringKeychain's 30 s default. */
const HANG_MS = 15_000;
const FIX = 'gnome-keyring-daemon --unlock --components=secrets';

const uniqueAccount = (what: string): string => `test-${what}-${randomBytes(6).toString('hex')}`;

/** What `secret-tool` (libsecret) finds for the account: proof the entry is in the Secret Service. */
async function secretToolLookup(account: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  try {
    const { stdout } = await run('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', account], { env });
    return stdout;
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) return null;
    throw error;
  }
}

async function secretToolCount(account: string): Promise<number> {
  const { stdout, stderr } = await run('secret-tool', [
    'search',
    '--all',
    'service',
    KEYCHAIN_SERVICE,
    'username',
    account,
  ]);
  return (stdout + stderr).split('\n').filter((line) => /^\[\/.*\]$/.test(line)).length;
}

function assertActionableError(message: string, secret: string): void {
  assert.match(message, /Secret Service/, 'names the backend');
  assert.ok(message.includes(FIX), `says how to fix it: ${message}`);
  assert.match(message, /then retry$/);
  assert.ok(!message.includes(secret), 'never contains the secret');
  assert.ok(!message.includes('\n'), 'one line');
}

describe('KeyringKeychain on the session Secret Service', () => {
  const keychain = new KeyringKeychain('linux');
  const used: string[] = [];
  const account = (what: string): string => {
    const name = uniqueAccount(what);
    used.push(name);
    return name;
  };

  before(() => {
    assert.ok(
      process.env.DBUS_SESSION_BUS_ADDRESS,
      'no D-Bus session: run these tests through `npm test` (build/test.sh starts gnome-keyring in a private D-Bus session)',
    );
  });

  after(async () => {
    for (const name of used) await keychain.delete(name).catch(() => undefined);
  });

  const secrets = [
    { name: 'a base64 master key', secret: randomBytes(32).toString('base64') },
    { name: 'non-ASCII text', secret: 'pässwörd-🔑-秘密' },
    { name: '4 KiB', secret: randomBytes(2048).toString('hex') },
    { name: 'shell and JSON metacharacters', secret: `a"b'c$(d)\`e\\f\n{"g":1}` },
  ];
  for (const { name, secret } of secrets) {
    test(`set then get returns ${name}, and the entry is in the Secret Service`, async () => {
      const acct = account('roundtrip');
      await keychain.set(acct, secret);
      assert.equal(await keychain.get(acct), secret);
      assert.equal(await secretToolLookup(acct), secret);
      assert.deepEqual(
        await keychain.getBytes(acct),
        Buffer.from(secret, 'utf8'),
        'the binary read gives the same secret as bytes',
      );
    });
  }

  test('getBytes of an entry stored by another program (secret-tool) is its bytes, and null for none', async () => {
    const acct = account('bytes');
    const secret = randomBytes(32).toString('base64');
    await run('sh', [
      '-c',
      `printf %s "$1" | secret-tool store --label=test service ${KEYCHAIN_SERVICE} username ${acct}`,
      'sh',
      secret,
    ]);
    assert.deepEqual(await keychain.getBytes(acct), Buffer.from(secret));
    assert.equal(await keychain.getBytes(uniqueAccount('missing')), null);
  });

  test('set replaces the secret instead of adding a second entry', async () => {
    const acct = account('replace');
    await keychain.set(acct, 'first');
    await keychain.set(acct, 'second');
    assert.equal(await keychain.get(acct), 'second');
    assert.equal(await secretToolLookup(acct), 'second');
    assert.equal(await secretToolCount(acct), 1);
  });

  test('get of an account that was never stored is null', async () => {
    assert.equal(await keychain.get(uniqueAccount('missing')), null);
  });

  test('delete removes the entry: true, then false, and get is null', async () => {
    const acct = account('delete');
    await keychain.set(acct, 'doomed');
    assert.equal(await keychain.delete(acct), true);
    assert.equal(await keychain.delete(acct), false);
    assert.equal(await keychain.get(acct), null);
    assert.equal(await secretToolLookup(acct), null);
  });

  test('accounts are separate entries', async () => {
    const a = account('sep-a');
    const b = account('sep-b');
    await keychain.set(a, 'alpha');
    await keychain.set(b, 'beta');
    assert.equal(await keychain.delete(a), true);
    assert.equal(await keychain.get(a), null);
    assert.equal(await keychain.get(b), 'beta');
  });
});

/** A child Node process holding one KeyringKeychain; it answers one JSON line per command. */
class KeychainProcess {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;
  private readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    const script = `
      import { createInterface } from 'node:readline';
      import { KeyringKeychain } from ${JSON.stringify(KEYCHAIN_MODULE)};
      import { KeychainError } from ${JSON.stringify(ERRORS_MODULE)};
      const keychain = new KeyringKeychain('linux');
      for await (const line of createInterface({ input: process.stdin })) {
        const { op, account, secret } = JSON.parse(line);
        let answer;
        try {
          const value = op === 'get' ? await keychain.get(account) : op === 'set' ? await keychain.set(account, secret) : await keychain.delete(account);
          answer = { ok: true, value: value ?? null };
        } catch (error) {
          answer = { ok: false, keychainError: error instanceof KeychainError, name: error.name, code: error.code, message: error.message };
        }
        process.stdout.write(JSON.stringify(answer) + '\\n');
      }
    `;
    this.child = spawnGroup(process.execPath, ['--input-type=module', '-e', script], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  async call(op: 'get' | 'set' | 'delete', account: string, secret?: string): Promise<Answer> {
    this.child.stdin!.write(`${JSON.stringify({ op, account, secret })}\n`);
    const next = await bounded(`keychain ${op}`, this.lines.next(), HANG_MS);
    if (next.done) assert.fail(`the keychain process exited (${await this.exited})`);
    return JSON.parse(next.value) as Answer;
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    const timer = setTimeout(() => killGroup(this.child.pid), HANG_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

type Answer =
  | { ok: true; value: string | boolean | null }
  | { ok: false; keychainError: boolean; name: string; code: string; message: string };

function assertKeychainFailure(answer: Answer, secret: string): string {
  assert.equal(answer.ok, false, `expected a failure, got ${JSON.stringify(answer)}`);
  if (answer.ok) throw new Error('unreachable');
  assert.equal(answer.keychainError, true, `rejects with KeychainError, got ${answer.name}`);
  assert.equal(answer.code, 'KEYCHAIN');
  assertActionableError(answer.message, secret);
  return answer.message;
}

/** Environment for a process that must see only the D-Bus session (or none) the test chose. */
function isolatedEnv(home: string, runtimeDir: string, busAddress: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtimeDir };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  if (busAddress) env.DBUS_SESSION_BUS_ADDRESS = busAddress;
  return env;
}

/**
 * A private session bus at a fixed socket path, optionally with an unlocked gnome-keyring on it.
 * Stopping and starting again at the same path and HOME is a keyring that went away and came back.
 */
class PrivateSession {
  readonly address: string;
  readonly env: NodeJS.ProcessEnv;
  private bus: ChildProcess | undefined;
  private keyring: ChildProcess | undefined;

  constructor(busPath: string, home: string, runtimeDir: string) {
    this.address = `unix:path=${busPath}`;
    this.env = isolatedEnv(home, runtimeDir, this.address);
  }

  async start(withKeyring: boolean): Promise<void> {
    // The bus and the keyring stop in order (stop()); their groups are killed only when this file's process exits.
    this.bus = await startBusDaemon(['--session', `--address=${this.address}`], this.env, { outliveLeader: true });
    if (!withKeyring) return;
    const keyring = spawnGroup(
      'gnome-keyring-daemon',
      ['--unlock', '--components=secrets', '--foreground'],
      {
        env: this.env,
        stdio: ['pipe', 'ignore', 'ignore'],
      },
      { outliveLeader: true },
    );
    this.keyring = keyring;
    keyring.stdin!.end('\n');
    // Calling the service before gnome-keyring owns its name would make the bus start a second, locked one.
    await eventually('gnome-keyring on the bus', () => this.hasOwner('org.freedesktop.secrets'), HANG_MS);
  }

  private async hasOwner(name: string): Promise<boolean> {
    const { stdout } = await run('dbus-send', [
      `--bus=${this.address}`,
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      `string:${name}`,
    ]);
    return /boolean true/.test(stdout);
  }

  /** pid of whatever owns the Secret Service name now (the one the bus started on demand, too). */
  async secretServicePid(): Promise<number | undefined> {
    try {
      const { stdout } = await run('dbus-send', [
        `--bus=${this.address}`,
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:org.freedesktop.secrets',
      ]);
      const pid = /uint32 (\d+)/.exec(stdout)?.[1];
      return pid ? Number(pid) : undefined;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    const activated = this.keyring ? undefined : await this.secretServicePid();
    for (const child of [this.keyring, this.bus]) {
      if (!child) continue;
      child.kill('SIGTERM');
      await bounded('session process exit', waitForExit(child), HANG_MS);
    }
    // gnome-keyring started by the bus on demand is ours too: end it by its pid.
    if (activated) {
      await eventually(
        'on-demand gnome-keyring exit',
        () => {
          if (!isRunning(activated)) return true;
          try {
            process.kill(activated, 'SIGTERM');
          } catch {
            // gone between the check and the signal
          }
          return false;
        },
        HANG_MS,
      );
    }
    this.keyring = undefined;
    this.bus = undefined;
  }
}

describe('KeyringKeychain when the Secret Service is not there', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-keychain-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    { name: 'the bus socket does not exist', bus: (d: string) => `unix:path=${join(d, 'no-such-bus')}` },
    { name: 'there is no D-Bus session at all', bus: () => undefined },
  ];
  for (const { name, bus } of cases) {
    test(`${name}: every call rejects promptly with an actionable KeychainError and nothing falls back`, async () => {
      const home = await mkdtemp(join(dir, 'home-'));
      const runtime = await mkdtemp(join(dir, 'run-'));
      const proc = new KeychainProcess(isolatedEnv(home, runtime, bus(dir)));
      try {
        const secret = `s3cret-${randomBytes(8).toString('hex')}`;
        const acct = uniqueAccount('absent');
        assert.match(
          assertKeychainFailure(await proc.call('get', acct), secret),
          new RegExp(`could not read "${acct}" in the Secret Service`),
        );
        assert.match(assertKeychainFailure(await proc.call('set', acct, secret), secret), /could not store/);
        // Pinned to the Secret Service: no silent fallback to the kernel keyring, which forgets at reboot.
        assertKeychainFailure(await proc.call('get', acct), secret);
        assert.match(assertKeychainFailure(await proc.call('delete', acct), secret), /could not delete/);
      } finally {
        await proc.close();
      }
    });
  }
});

describe('KeyringKeychain when the keyring goes away and comes back', () => {
  let dir: string;
  let session: PrivateSession;
  let proc: KeychainProcess | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-keychain-'));
    const home = join(dir, 'home');
    const runtime = join(dir, 'run');
    await mkdir(home, { mode: 0o700 });
    await mkdir(runtime, { mode: 0o700 });
    session = new PrivateSession(join(dir, 'bus'), home, runtime);
  });
  after(async () => {
    await proc?.close();
    await session.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('one running process fails while the keyring is gone, recovers when it returns, and fails on a locked keyring', async () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`;
    const acct = uniqueAccount('restart');

    await session.start(true);
    proc = new KeychainProcess(session.env);
    assert.deepEqual(await proc.call('set', acct, secret), { ok: true, value: null });
    assert.deepEqual(await proc.call('get', acct), { ok: true, value: secret });
    assert.equal(await secretToolLookup(acct, session.env), secret);

    // Gone and back between two calls: the entry the process keeps for the account (made once, as
    // its constructor blocks the event loop) is not stuck to the keyring that went away.
    await session.stop();
    await session.start(true);
    assert.deepEqual(await proc.call('get', acct), { ok: true, value: secret }, 'a kept entry reads after a restart');
    assert.deepEqual(await proc.call('set', acct, secret), { ok: true, value: null }, 'and writes');

    await session.stop();
    assertKeychainFailure(await proc.call('get', acct), secret);
    assertKeychainFailure(await proc.call('set', acct, 'replacement'), secret);

    await session.start(true);
    assert.deepEqual(
      await proc.call('get', acct),
      { ok: true, value: secret },
      'the same process reads the entry again',
    );

    // The bus alone starts gnome-keyring on demand, locked; nobody can answer its unlock prompt.
    await session.stop();
    await session.start(false);
    assertKeychainFailure(await proc.call('get', acct), secret);
    await session.stop();

    await session.start(true);
    assert.deepEqual(await proc.call('delete', acct), { ok: true, value: true });
    assert.deepEqual(await proc.call('get', acct), { ok: true, value: null });
  });
});

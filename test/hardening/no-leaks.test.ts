/**
 * Plants fresh random secrets (long-term keys, a session token, an openssl-recipe import, a
 * recovery passphrase, and the master and audit keys the keychain holds), drives a realistic
 * session through every command, the helper and the real AWS CLI, then scans everything the
 * system wrote or printed for each secret in raw, base64 (at every byte alignment), base64url
 * and hex form: zero hits. Only the helper's and the AWS CLI's credential documents may carry
 * keys, and only their own profile's.
 *
 * A second test does the same for what the tray's windows are sent: the windows' services' (main/node/app)
 * results (profiles, history pages, the chain status, exported history files, error messages).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PROTOCOL_VERSION } from '../../helper/wire.ts';
import { MAX_PAGE } from '../../preload/api.ts';
import { windowServices } from '../fakes/window-services.ts';
import { makeWorld } from '../fakes/world.ts';
import { AWS_CLI, HELPER, TRAY_CRED, run, writeAwsConfig, type RunResult } from '../e2e/support.ts';
import { seededSandbox } from './support.ts';

const execFileAsync = promisify(execFile);
/** execFile with a time limit: a command that never returns fails the test instead of holding it. */
const execFileP = (file: string, args: readonly string[]) =>
  execFileAsync(file, args, { timeout: 60_000, killSignal: 'SIGKILL' });

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** A secret access key shaped like AWS's: 40 characters of base64's alphabet, fresh per run. */
const secretKey = (): string => Array.from(randomBytes(40), (byte) => B64[byte % 64]).join('');
const keyId = (): string => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

/**
 * The forms a secret could take in a file or a log. Base64 is byte-aligned in threes, so an
 * encoding of a longer buffer holds the secret in one of three shifted forms; each is cut to the
 * characters only the secret's bytes decide.
 */
function forms(name: string, bytes: Buffer): { name: string; needle: Buffer }[] {
  const out = [
    { name: `${name} raw`, needle: bytes },
    { name: `${name} hex`, needle: Buffer.from(bytes.toString('hex')) },
    { name: `${name} HEX`, needle: Buffer.from(bytes.toString('hex').toUpperCase()) },
  ];
  for (const shift of [0, 1, 2]) {
    for (const enc of ['base64', 'base64url'] as const) {
      const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString(enc);
      const start = shift === 0 ? 0 : 4;
      const end = Math.floor((shift + bytes.length) / 3) * 4;
      out.push({ name: `${name} ${enc}+${shift}`, needle: Buffer.from(text.slice(start, end)) });
    }
  }
  return out;
}

async function walk(dir: string, skip: Set<string>, files: string[] = []): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (skip.has(path)) continue;
    const s = await lstat(path).catch(() => undefined);
    if (!s) continue;
    if (s.isDirectory()) await walk(path, skip, files);
    else if (s.isFile() && s.size < 16 * 1024 * 1024) files.push(path);
  }
  return files;
}

test('known secrets appear nowhere the system writes: outputs, logs, audit, vault, HOME, data dir, /tmp', {
  timeout: 300_000,
}, async (t) => {
  const { sandbox, startAgent } = await seededSandbox(t, {});
  const home = join(sandbox.root, 'home');
  await mkdir(home, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...sandbox.env, HOME: home };
  const tmpBefore = new Set(await readdir('/tmp'));

  const dev = { accessKeyId: keyId(), secretAccessKey: secretKey() };
  const prod = { accessKeyId: keyId(), secretAccessKey: secretKey() };
  const temp = {
    accessKeyId: keyId(),
    secretAccessKey: secretKey(),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
  };
  const legacy = { accessKeyId: keyId(), secretAccessKey: secretKey() };
  const opensslPass = randomBytes(24).toString('base64');
  const kitPass = `correct horse ${randomBytes(9).toString('base64')} battery staple`;

  // The sources the user had before: planted by the test, so not scanned.
  const planted = join(sandbox.root, 'planted');
  await mkdir(planted);
  const plain = join(planted, 'credentials');
  await writeFile(
    plain,
    `[dev]\naws_access_key_id = ${dev.accessKeyId}\naws_secret_access_key = ${dev.secretAccessKey}\n\n[prod]\naws_access_key_id = ${prod.accessKeyId}\naws_secret_access_key = ${prod.secretAccessKey}\n\n` +
      `[temp]\naws_access_key_id = ${temp.accessKeyId}\naws_secret_access_key = ${temp.secretAccessKey}\naws_session_token = ${temp.sessionToken}\n`,
  );
  const legacyPlain = join(planted, 'legacy');
  await writeFile(
    legacyPlain,
    `[legacy]\naws_access_key_id = ${legacy.accessKeyId}\naws_secret_access_key = ${legacy.secretAccessKey}\n`,
  );
  const keyFile = join(planted, 'aws-creds.key');
  await writeFile(keyFile, `${opensslPass}\n`);
  const enc = join(planted, 'static_credentials.enc');
  await execFileP('openssl', [
    'enc',
    '-aes-256-cbc',
    '-pbkdf2',
    '-salt',
    '-in',
    legacyPlain,
    '-out',
    enc,
    '-pass',
    `file:${keyFile}`,
  ]);

  const outputs: { what: string; text: string }[] = [];
  const cli = async (args: string[], input?: string, expectStatus: number | null = 0): Promise<RunResult> => {
    const r = await run(TRAY_CRED, args, { env, ...(input === undefined ? {} : { input }) });
    outputs.push(
      { what: `tray-cred ${args.join(' ')} stdout`, text: r.stdout },
      { what: `tray-cred ${args.join(' ')} stderr`, text: r.stderr },
    );
    if (expectStatus !== null) assert.equal(r.status, expectStatus, `tray-cred ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const served: { what: string; profile: string; text: string }[] = [];
  const client = async (what: 'helper' | 'aws', profile: string): Promise<RunResult> => {
    const r =
      what === 'helper'
        ? await run(HELPER, [profile], { env })
        : await run(AWS_CLI, ['configure', 'export-credentials', '--profile', profile], { env });
    outputs.push({ what: `${what} ${profile} stderr`, text: r.stderr });
    // A credential document is the one place keys belong, and only its own profile's.
    if (r.status === 0) served.push({ what: `${what} ${profile} stdout`, profile, text: r.stdout });
    else outputs.push({ what: `${what} ${profile} stdout`, text: r.stdout });
    return r;
  };

  await cli(['import', plain]);
  await cli(['import', enc, '--pass-file', keyFile]);
  await writeAwsConfig(sandbox, ['dev', 'prod', 'temp', 'legacy']);
  // No approver: a request for an `ask` profile waits for one to connect, here for 5 s (the shortest), then times out.
  const agent = await startAgent(['--approval-timeout', '5']);
  // Independent steps at once: the machine has two cores and each step is a process start.
  await Promise.all([
    ...['dev', 'temp', 'legacy']
      .flatMap((p) => [client('helper', p), client('aws', p)])
      .map(async (r) => assert.equal((await r).status, 0)),
    client('helper', 'prod').then((r) =>
      assert.equal(r.status, 6, 'prod asks, and no approver connects to the headless agent in time'),
    ),
    client('aws', 'prod').then((r) => assert.notEqual(r.status, 0)),
    cli(['list']),
    cli(['list', '--json']),
    cli(['status']),
    cli(['configure-aws', '--dry-run']),
    cli(['doctor'], undefined, null),
    cli(['recovery', 'export', join(sandbox.root, 'kit.json')], `${kitPass}\n`),
  ]);
  await cli(['lock']);
  assert.equal((await client('helper', 'dev')).status, 4, 'locked');
  await cli(['unlock']);
  await Promise.all([cli(['audit']), cli(['audit', '--json']), cli(['audit', 'verify']), cli(['sessions'])]);
  await agent.stop();

  assert.equal(served.length, 6, 'every allowed client got its credentials');
  const keysOf: Record<string, string[]> = {
    dev: [dev.secretAccessKey],
    temp: [temp.secretAccessKey, temp.sessionToken],
    legacy: [legacy.secretAccessKey],
  };
  for (const s of served)
    for (const k of keysOf[s.profile]!) assert.ok(s.text.includes(k), `${s.what} carries its own credentials`);

  // The keychain's secrets for this vault: the master key and the audit key.
  const vaultId = JSON.parse(await readFile(join(sandbox.home, 'vault.json'), 'utf8')) as {
    vaultId?: string;
    id?: string;
    header?: { vaultId?: string };
  };
  const id = vaultId.vaultId ?? vaultId.header?.vaultId ?? vaultId.id;
  assert.ok(id, 'vault.json names its vault id');
  const keychainSecrets: { name: string; value: string }[] = [];
  for (const account of [`master-key:${id}`, `audit-key:${id}`]) {
    const { stdout } = await execFileP('secret-tool', ['lookup', 'service', 'tray-cred', 'username', account]);
    assert.ok(stdout.length > 0, `${account} is in the keychain`);
    keychainSecrets.push({ name: account, value: stdout });
  }

  const secrets: { name: string; bytes: Buffer }[] = [
    ...Object.entries({
      dev: dev.secretAccessKey,
      prod: prod.secretAccessKey,
      temp: temp.secretAccessKey,
      'temp session token': temp.sessionToken,
      legacy: legacy.secretAccessKey,
      'openssl passphrase': opensslPass,
      'kit passphrase': kitPass,
    }).map(([name, value]) => ({ name, bytes: Buffer.from(value) })),
    ...keychainSecrets.flatMap((k) => [
      { name: k.name, bytes: Buffer.from(k.value) },
      ...(/^[A-Za-z0-9+/]+=*$/.test(k.value)
        ? [{ name: `${k.name} decoded`, bytes: Buffer.from(k.value, 'base64') }]
        : []),
    ]),
  ];
  const needles = secrets.flatMap((s) => forms(s.name, s.bytes));

  const texts: { what: string; data: Buffer }[] = [
    ...outputs.map((o) => ({ what: o.what, data: Buffer.from(o.text) })),
    { what: 'agent log', data: Buffer.from(agent.stderr()) },
    // Another profile's keys in a credential document would be a leak too: scan what is left without its own.
    ...served.map((s) => ({
      what: s.what,
      data: Buffer.from(keysOf[s.profile]!.reduce((text, k) => text.split(k).join(''), s.text)),
    })),
  ];
  const files = await walk(sandbox.root, new Set([planted]));
  const tmpNew = (await readdir('/tmp')).filter((n) => !tmpBefore.has(n)).map((n) => join('/tmp', n));
  for (const dir of tmpNew) files.push(...(await walk(dir, new Set()).catch(() => [])));
  for (const tmp of tmpNew) if ((await lstat(tmp).catch(() => undefined))?.isFile()) files.push(tmp);
  for (const file of files) {
    const data = await readFile(file).catch(() => undefined);
    if (data) texts.push({ what: file, data });
  }
  const awsCache = join(home, '.aws', 'cli', 'cache');
  t.diagnostic(
    `scanned ${texts.length} outputs and files (${files.length} files, AWS CLI cache ${(await readdir(awsCache).catch(() => [])).length} file(s)) for ${secrets.length} secrets in ${needles.length} forms`,
  );
  assert.ok(
    files.some((f) => f.endsWith('vault.json')) &&
      files.some((f) => /audit-\d+\.jsonl$/.test(f)) &&
      files.some((f) => f.endsWith('kit.json')),
    'the vault, the audit log and the kit were scanned',
  );

  // The scanner itself: each encoding of a secret inside other bytes is found.
  for (const enc of ['base64', 'base64url', 'hex'] as const) {
    for (const shift of [0, 1, 2]) {
      const encoded = Buffer.from(Buffer.from(`${'ab'.slice(0, shift)}${temp.sessionToken}yz`).toString(enc));
      assert.ok(
        forms('probe', Buffer.from(temp.sessionToken)).some((n) => encoded.includes(n.needle)),
        `the scan finds a ${enc} secret at shift ${shift}`,
      );
    }
  }
  const hits = texts.flatMap((x) =>
    needles.filter((n) => x.data.includes(n.needle)).map((n) => `${n.name} in ${x.what}`),
  );
  assert.deepEqual(hits, []);
});

test('what the tray windows are sent (app-service results, exported history, errors) holds no secret', async (t) => {
  const w = await makeWorld({
    approver: { ask: (r) => Promise.resolve({ allow: r.profile === 'prod', rememberMinutes: 0 }) },
  });
  t.after(() => w.close());
  const service = windowServices(w, { unlock: () => w.broker.unlock().then(() => undefined) });
  const dev = { accessKeyId: keyId(), secretAccessKey: secretKey() };
  const prod = {
    accessKeyId: keyId(),
    secretAccessKey: secretKey(),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
  };
  const ops = { accessKeyId: keyId(), secretAccessKey: secretKey() };

  const sent: { what: string; value: unknown }[] = [];
  const keep = async <T>(what: string, call: Promise<T>): Promise<void> => {
    try {
      sent.push({ what, value: await call });
    } catch (error) {
      sent.push({ what: `${what} (error)`, value: (error as Error).message });
    }
  };
  await keep('unlock', service.control.unlock());
  const base = { rememberMinutes: 0, notify: false, replace: false };
  await keep('save dev', service.profiles.save({ name: 'dev', ...dev, policy: 'allow', ...base }));
  await keep('save prod', service.profiles.save({ name: 'prod', ...prod, policy: 'ask', ...base }));
  await keep('save ops', service.profiles.save({ name: 'ops', ...ops, policy: 'ask', ...base }));
  await keep('save dev again', service.profiles.save({ name: 'dev', ...dev, policy: 'allow', ...base }));
  await keep(
    'save bad key id',
    service.profiles.save({
      name: 'bad',
      accessKeyId: dev.secretAccessKey,
      secretAccessKey: dev.secretAccessKey,
      policy: 'allow',
      ...base,
    }),
  );
  const served = [];
  for (const [i, profile] of ['dev', 'prod', 'ops', 'nope'].entries()) {
    served.push(
      await w.handle({
        v: PROTOCOL_VERSION,
        id: `app-${i}`,
        op: 'credentials',
        profile,
        caller: { pid: 1, ppid: 1, command: `aws sts get-caller-identity --profile ${profile}`, cwd: '/' },
      }),
    );
  }
  assert.deepEqual(
    served.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'ok', 'DENIED', 'UNKNOWN_PROFILE'],
    'the world served as its policies say',
  );
  await keep('state', Promise.resolve(service.control.state()));
  await keep('profiles', service.profiles.list());
  await keep('policy', service.profiles.setPolicy({ name: 'ops', policy: 'deny', rememberMinutes: 0, notify: false }));
  await keep('history', service.history.query({ events: 'all' }, 0, MAX_PAGE));
  await keep('verify', service.history.verify());
  const exported = [join(w.dir, 'history.json'), join(w.dir, 'history.csv')];
  await keep('export json', service.history.export({ events: 'all' }, 'json', exported[0]!));
  await keep('export csv', service.history.export({ events: 'all' }, 'csv', exported[1]!));
  await service.history
    .export({ events: 'all' }, 'json', join(w.dir, 'no-such-dir', 'x.json'))
    .catch((e: Error) => sent.push({ what: 'export error', value: e.message }));

  const history = sent.find((s) => s.what === 'history')?.value as { rows?: unknown[] } | undefined;
  assert.ok((history?.rows?.length ?? 0) >= 8, 'the history shows the accesses and changes');
  const texts = [
    ...sent.map((s) => ({ what: s.what, data: Buffer.from(JSON.stringify(s.value)) })),
    ...(await Promise.all(exported.map(async (f) => ({ what: f, data: await readFile(f) })))),
  ];
  const needles = Object.entries({
    dev: dev.secretAccessKey,
    prod: prod.secretAccessKey,
    'prod session token': prod.sessionToken,
    ops: ops.secretAccessKey,
  }).flatMap(([name, v]) => forms(name, Buffer.from(v)));
  const hits = texts.flatMap((x) =>
    needles.filter((n) => x.data.includes(n.needle)).map((n) => `${n.name} in ${x.what}`),
  );
  t.diagnostic(`scanned ${texts.length} renderer-bound results and exports`);
  assert.deepEqual(hits, []);
});

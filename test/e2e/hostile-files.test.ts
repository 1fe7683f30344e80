/**
 * Hostile files through the built `tray-cred`: each refusal names the file and what is wrong,
 * exits with its status, keeps memory bounded and leaves the vault as it was (issue 12, item 5).
 */
import assert from 'node:assert/strict';
import {
  appendFile,
  chmod,
  chown,
  lchown,
  mkdir,
  readFile,
  readdir,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import {
  AWS_CLI,
  HELPER,
  TRAY_CRED,
  credentialsFile,
  makeSandbox,
  run,
  type RunResult,
  type Sandbox,
} from './support.ts';

const PASSPHRASE = 'correct horse battery staple zebra';
const NOBODY = 65534;

/** Runs `tray-cred` under /usr/bin/time and returns its result with the process's max RSS in KiB. */
async function measured(s: Sandbox, args: string[], input = ''): Promise<RunResult & { maxRssKiB: number }> {
  const r = await run('/usr/bin/time', ['-q', '-f', 'maxrss=%M', TRAY_CRED, ...args], { env: s.env, input });
  const m = /maxrss=(\d+)\n?$/.exec(r.stderr);
  assert.ok(m, `no RSS figure in: ${r.stderr}`);
  return { ...r, stderr: r.stderr.slice(0, m.index), maxRssKiB: Number(m[1]) };
}

describe('hostile files given to tray-cred', () => {
  let s: Sandbox;
  let vault: Buffer;

  before(async () => {
    s = await makeSandbox();
    const init = await s.trayCred(['init']);
    assert.equal(init.status, 0, init.stderr);
    const creds = join(s.root, 'creds');
    await writeFile(creds, credentialsFile({ dev: DEV_KEYS }));
    const imported = await s.trayCred(['import', creds]);
    assert.equal(imported.status, 0, imported.stderr);
    vault = await readFile(join(s.home, 'vault.json'));
  });
  after(() => s?.cleanup());

  const vaultUntouched = async (): Promise<void> => assert.deepEqual(await readFile(join(s.home, 'vault.json')), vault);

  for (const [name, head] of [
    ['credentials file', ''],
    ['openssl-encrypted file', 'Salted__12345678'],
  ] as const) {
    test(`a sparse 400 MB ${name} is refused by its size, in bounded memory`, async () => {
      const big = join(s.root, `big-${head ? 'enc' : 'creds'}`);
      await writeFile(big, head);
      await truncate(big, 400 * 1024 * 1024);
      const r = await measured(s, ['import', big, '--pass-file', '/dev/null']);
      const cap = head ? '2 MiB' : '1 MiB';
      const what = head ? 'an openssl-encrypted credentials file' : 'an AWS credentials file';
      assert.equal(
        r.stderr,
        `tray-cred: ${big} is 400 MiB (419430400 bytes), more than ${what} can be (${cap}): check the path; nothing was read\n`,
      );
      assert.equal(r.status, EXIT_STATUS.USAGE);
      // Node itself takes ~60 MB here; reading the file would take over 400 MB. Not a timing assertion.
      assert.ok(r.maxRssKiB < 200 * 1024, `max RSS ${r.maxRssKiB} KiB`);
      process.stdout.write(`# import of a 400 MB ${name}: max RSS ${Math.round(r.maxRssKiB / 1024)} MB\n`);
      await vaultUntouched();
    });
  }

  test('a recovery kit over 64 KiB is refused by its size', async () => {
    const big = join(s.root, 'big-kit.json');
    await writeFile(big, ' '.repeat(100 * 1024));
    const r = await s.trayCred(['recovery', 'import', big], `${PASSPHRASE}\n`);
    assert.equal(
      r.stderr,
      `tray-cred: ${big} is 100 KiB (102400 bytes), more than a tray-cred recovery kit can be (64 KiB): check the path; nothing was read\n`,
    );
    assert.equal(r.status, EXIT_STATUS.USAGE);
  });

  test('a kit asking scrypt for 16 GiB (N = 2^22, r = 32) is refused before deriving, in bounded memory', async () => {
    const kit = join(s.root, 'kit.json');
    const exported = await s.trayCred(['recovery', 'export', kit], `${PASSPHRASE}\n`);
    assert.equal(exported.status, 0, exported.stderr);
    const doc = JSON.parse(await readFile(kit, 'utf8')) as { kdf: Record<string, unknown> };
    doc.kdf.N = 2 ** 22;
    doc.kdf.r = 32;
    const hostile = join(s.root, 'hostile-kit.json');
    await writeFile(hostile, JSON.stringify(doc));
    const r = await measured(s, ['recovery', 'import', hostile, '--replace'], `${PASSPHRASE}\n`);
    assert.match(
      r.stderr,
      /^tray-cred: the kit's scrypt parameter N is outside what tray-cred's kits use \(N from 16384 to 131072, r up to 8, p 1\): it was not made by tray-cred, so nothing was derived; use the kit `tray-cred recovery export` wrote\n$/,
    );
    assert.equal(r.status, EXIT_STATUS.USAGE);
    assert.ok(r.maxRssKiB < 200 * 1024, `max RSS ${r.maxRssKiB} KiB`);
    const list = await s.trayCred(['list']);
    assert.equal(list.status, 0, list.stderr);
    await vaultUntouched();
  });

  test('one valid-JSON junk line: `audit` shows the rest, `audit verify` names the file and line', async () => {
    const dir = join(s.home, 'audit');
    const file = join(dir, (await readdir(dir)).find((n) => n.endsWith('.jsonl'))!);
    const lines = (await readFile(file, 'utf8')).split('\n').length - 1;
    await appendFile(file, '{"seq":1}\n');
    const shown = await s.trayCred(['audit']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /import/);
    const verify = await s.trayCred(['audit', 'verify']);
    assert.equal(verify.status, EXIT_STATUS.TAMPERED);
    assert.match(
      verify.stderr,
      new RegExp(
        `audit-000000000001\\.jsonl line ${lines + 1} \\(entry 1\\): not an audit entry: the line was edited or damaged`,
      ),
    );
  });
});

describe('TRAY_CRED_HOME is checked like the socket directory', () => {
  let s: Sandbox;
  before(async () => {
    s = await makeSandbox();
  });
  after(() => s?.cleanup());

  const listWith = (home: string): Promise<RunResult> =>
    run(TRAY_CRED, ['list'], { env: { ...s.env, TRAY_CRED_HOME: home } });

  test('a link of yours to a private directory of yours (a dotfiles checkout) is followed', async () => {
    const real = join(s.root, 'dotfiles-tray-cred');
    await mkdir(real, { mode: 0o700 });
    const link = join(s.root, 'linked-home');
    await symlink(real, link);
    const init = await run(TRAY_CRED, ['init'], { env: { ...s.env, TRAY_CRED_HOME: link } });
    assert.equal(init.status, 0, init.stderr);
    assert.ok((await readdir(real)).includes('vault.json'));
    assert.equal((await listWith(link)).status, 0);
  });

  const cases: { name: string; make: (at: string) => Promise<string>; says: RegExp }[] = [
    {
      name: 'a link made by another user',
      make: async (at) => {
        await mkdir(`${at}-real`, { mode: 0o700 });
        await symlink(`${at}-real`, at);
        await lchown(at, NOBODY, NOBODY);
        return at;
      },
      says: /is a symbolic link made by uid 65534, not by you \(uid 0\): tray-cred will not follow it; point TRAY_CRED_HOME at a directory of your own$/,
    },
    {
      name: 'a link of yours into a directory another user owns',
      make: async (at) => {
        await mkdir(`${at}-real`, { mode: 0o700 });
        await chown(`${at}-real`, NOBODY, NOBODY);
        await symlink(`${at}-real`, at);
        return at;
      },
      says: /\(a link to .*-real\) belongs to uid 65534, not to you \(uid 0\): tray-cred will not keep secrets there; point TRAY_CRED_HOME at a directory of your own$/,
    },
    {
      name: 'a directory another user owns',
      make: async (at) => {
        await mkdir(at, { mode: 0o700 });
        await chown(at, NOBODY, NOBODY);
        return at;
      },
      says: /belongs to uid 65534, not to you \(uid 0\)/,
    },
    {
      name: 'a directory others can open',
      make: async (at) => {
        await mkdir(at);
        await chmod(at, 0o755);
        return at;
      },
      says: /can be opened by other users \(mode 755\): run `chmod 700 .*` and retry$/,
    },
  ];
  for (const c of cases) {
    test(`${c.name} is refused with the fix (exit ${EXIT_STATUS.ENVIRONMENT})`, async () => {
      const home = await c.make(join(s.root, c.name.replace(/\W+/g, '-')));
      const r = await listWith(home);
      assert.equal(r.status, EXIT_STATUS.ENVIRONMENT, r.stderr);
      assert.match(r.stderr.trimEnd(), c.says);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    });
  }
});

test('configure-aws replaces Credential_Process, and the AWS CLI v2 reads the result', async () => {
  const s = await makeSandbox();
  try {
    assert.equal((await s.trayCred(['init'])).status, 0);
    const creds = join(s.root, 'creds');
    await writeFile(creds, credentialsFile({ dev: DEV_KEYS }));
    assert.equal((await s.trayCred(['import', creds])).status, 0);
    await writeFile(s.awsConfig, '[profile dev]\nregion = eu-west-1\nCredential_Process = old-tool dev\n');
    const r = await s.trayCred(['configure-aws']);
    assert.equal(r.status, 0, r.stderr);
    const config = await readFile(s.awsConfig, 'utf8');
    assert.equal(config, `[profile dev]\nregion = eu-west-1\ncredential_process = ${HELPER} dev\n`);
    const aws = await run(AWS_CLI, ['configure', 'get', 'region', '--profile', 'dev'], { env: s.env });
    assert.equal(aws.status, 0, aws.stderr);
    assert.equal(aws.stdout, 'eu-west-1\n');
  } finally {
    await s.cleanup();
  }
});

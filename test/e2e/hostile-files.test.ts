/**
 * Hostile files through the built `tray-cred`: each refusal names the file and what is wrong,
 * exits with its status, keeps memory bounded and leaves the vault as it was (issue 12, item 5).
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXIT_STATUS } from '../../common/errors.ts';
import { DEV_KEYS } from '../fakes/world.ts';
import { TRAY_CRED, credentialsFile, makeSandbox, run, type RunResult, type Sandbox } from './support.ts';

const PASSPHRASE = 'correct horse battery staple zebra';

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

  for (const [name, head] of [['credentials file', ''], ['openssl-encrypted file', 'Salted__12345678']] as const) {
    test(`a sparse 400 MB ${name} is refused by its size, in bounded memory`, async () => {
      const big = join(s.root, `big-${head ? 'enc' : 'creds'}`);
      await writeFile(big, head);
      await truncate(big, 400 * 1024 * 1024);
      const r = await measured(s, ['import', big, '--pass-file', '/dev/null']);
      const cap = head ? '2 MiB' : '1 MiB';
      const what = head ? 'an openssl-encrypted credentials file' : 'an AWS credentials file';
      assert.equal(r.stderr, `tray-cred: ${big} is 400 MiB (419430400 bytes), more than ${what} can be (${cap}): check the path; nothing was read\n`);
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
    assert.equal(r.stderr, `tray-cred: ${big} is 100 KiB (102400 bytes), more than a tray-cred recovery kit can be (64 KiB): check the path; nothing was read\n`);
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
    assert.match(r.stderr, /^tray-cred: the kit's scrypt parameter N is outside what tray-cred's kits use \(N from 16384 to 131072, r up to 8, p 1\): it was not made by tray-cred, so nothing was derived; use the kit `tray-cred recovery export` wrote\n$/);
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
    assert.match(verify.stderr, new RegExp(`audit-000000000001\\.jsonl line ${lines + 1} \\(entry 1\\): not an audit entry: the line was edited or damaged`));
  });
});

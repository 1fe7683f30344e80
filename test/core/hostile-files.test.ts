/**
 * Files an attacker (or an accident) can put where tray-cred reads: each reader names the
 * problem and where, and leaves the file as it was (issue 12, "bad files break readers").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { MAX_LINE_CHARS, parseLine, parseRecord } from '../../main/core/audit/audit-codec.ts';
import { queryAuditLog, readAuditLog } from '../../main/core/audit/audit-reader.ts';
import { readTail } from '../../main/core/audit/audit-tail.ts';
import { verifyAuditLog } from '../../main/core/audit/audit-verify.ts';
import { TamperedError, UsageError, VaultFileError } from '../../main/core/errors.ts';
import { LIMITS, readCapped } from '../../main/core/file-limits.ts';
import { checkProfileName } from '../../main/core/profiles/profile.ts';
import { openKit, sealKit } from '../../main/core/vault/recovery-kit.ts';
import { decryptVault, encryptVault, type VaultData } from '../../main/core/vault/vault-codec.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;
const ask = (profile: string): Request => ({
  v: 1,
  id: 'r1',
  op: 'credentials',
  profile,
  caller: { pid: 3, ppid: 2, command: 'aws s3 ls', cwd: '/' },
});

describe('hostile audit lines', () => {
  let w: World;
  let file: string;
  beforeEach(async () => {
    w = await makeWorld();
    await w.audit.append({ event: 'unlock' });
    await w.audit.append({ event: 'lock' });
    file = join(w.audit.dir, (await readdir(w.audit.dir)).find((n) => n.endsWith('.jsonl'))!);
  });
  afterEach(() => w.close());

  for (const { name, line, reason } of [
    {
      name: 'valid JSON of another shape ({"seq":1})',
      line: '{"seq":1}',
      reason: /line 3 .*not an audit entry: the line was edited or damaged/,
    },
    {
      name: 'a line over the cap',
      line: `{"seq":3,"pad":"${'x'.repeat(MAX_LINE_CHARS)}"}`,
      reason: /line 3 .*longer than 64 KiB, which tray-cred never writes/,
    },
  ]) {
    it(`${name}: the readers skip it, verify names its file and line, nothing is changed`, async () => {
      await appendFile(file, `${line}\n`);
      const before = await readFile(file);
      const read = await readAuditLog(w.fs, w.audit.dir);
      assert.deepEqual(
        read.map((e) => e.event),
        ['unlock', 'lock'],
      );
      assert.deepEqual(
        (await queryAuditLog(w.fs, w.audit.dir, { limit: 50 })).map((e) => e.event),
        ['unlock', 'lock'],
      );
      const report = await verifyAuditLog(w.fs, w.audit.dir, await w.auditKey());
      assert.equal(report.ok, false);
      const p = report.problem!;
      assert.match(`${p.file} line ${p.line} ${p.reason}`, new RegExp(`^audit-000000000001\\.jsonl ${reason.source}`));
      assert.deepEqual(await readFile(file), before);
    });
  }

  it('refuses an over-long line before parsing it, in both parsers', () => {
    const long = `{"seq":1,"x":"${'y'.repeat(MAX_LINE_CHARS)}"}`;
    assert.deepEqual(parseRecord(long), {
      ok: false,
      reason: 'it is longer than 64 KiB, which tray-cred never writes',
    });
    assert.equal(parseLine(long).ok, false);
  });

  it('the writer refuses to go on from a last line over the cap, without reading it whole, and cuts nothing', async () => {
    await appendFile(file, `{"seq":3,"pad":"${'x'.repeat(200 * 1024)}"}\n`);
    const before = await readFile(file);
    await assert.rejects(
      readTail(w.fs, w.audit.dir, undefined),
      (e: unknown) =>
        e instanceof TamperedError && /last line of audit-000000000001\.jsonl is longer than 64 KiB/.test(e.message),
    );
    assert.deepEqual(await readFile(file), before);
  });
});

describe('hostile recovery kits', () => {
  const keys = { vaultId: 'a'.repeat(32), masterKey: randomBytes(32), auditKey: randomBytes(32) };
  const PASS = 'correct horse battery staple zebra';

  // The schema used to allow N = 2^22, r = 32: 16 GiB before any check could fail.
  for (const [field, value] of [
    ['N', 2 ** 18],
    ['N', 2 ** 22],
    ['r', 9],
    ['r', 32],
    ['p', 2],
    ['p', 16],
  ] as const) {
    it(`refuses scrypt ${field} = ${value} before deriving anything`, async () => {
      const kit = JSON.parse(await sealKit(keys, PASS, randomBytes)) as { kdf: Record<string, unknown> };
      kit.kdf[field] = value;
      const started = process.memoryUsage().rss;
      await assert.rejects(
        openKit(JSON.stringify(kit), PASS),
        (e: unknown) =>
          e instanceof UsageError &&
          new RegExp(`scrypt parameter ${field} is outside what tray-cred's kits use .*nothing was derived`).test(
            e.message,
          ),
      );
      assert.ok(process.memoryUsage().rss - started < 64 * 1024 * 1024, 'no scrypt buffer was allocated');
    });
  }

  it("opens a kit at the writer's own parameters", async () => {
    assert.deepEqual(await openKit(await sealKit(keys, PASS, randomBytes), PASS), keys);
  });

  it('names the field that is wrong in a kit of another shape', async () => {
    const kit = JSON.parse(await sealKit(keys, PASS, randomBytes)) as Record<string, unknown>;
    await assert.rejects(
      openKit(JSON.stringify({ ...kit, vaultId: 'nope' }), PASS),
      /not a tray-cred recovery kit of a version this build reads \(vaultId is not valid\)/,
    );
  });

  it('refuses a kit file over 64 KiB by its size, naming the file, its size and the cap', async () => {
    const w = await makeWorld();
    try {
      const path = join(w.dir, 'kit.json');
      await writeFile(path, ' '.repeat(LIMITS.kit.bytes + 1));
      await assert.rejects(
        readCapped(w.fs, path, LIMITS.kit),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message ===
            `${path} is 64 KiB (65537 bytes), more than a tray-cred recovery kit can be (64 KiB): check the path; nothing was read`,
      );
      assert.equal(await readCapped(w.fs, join(w.dir, 'missing'), LIMITS.kit), null);
    } finally {
      await w.close();
    }
  });
});

describe('a vault whose decrypted contents are wrong', () => {
  it('names the profile and the field', () => {
    const key = randomBytes(32);
    const data = {
      profiles: { dev: { policy: 'sometimes', rememberMinutes: 0, createdAt: 'x', updatedAt: 'x' } },
    } as unknown as VaultData;
    const file = Buffer.from(encryptVault(key, 'a'.repeat(32), randomBytes(12), data));
    assert.throws(
      () => decryptVault(key, file),
      (e: unknown) =>
        e instanceof VaultFileError && /profile "dev" has an invalid policy: restore vault.json/.test(e.message),
    );
  });

  it('names the header field that is wrong', () => {
    const key = randomBytes(32);
    const header = JSON.parse(encryptVault(key, 'a'.repeat(32), randomBytes(12), { profiles: {} })) as Record<
      string,
      unknown
    >;
    assert.throws(
      () => decryptVault(key, Buffer.from(JSON.stringify({ ...header, keyId: 'zz' }))),
      /not a tray-cred vault of a version this build reads \(keyId is not valid\)/,
    );
  });
});

describe('profile names that are also Object.prototype names', () => {
  let w: World;
  beforeEach(async () => {
    w = await makeWorld();
    await new ProfileAdmin(w.vault, w.audit).import(await w.vault.loadMasterKey(), new Map([['dev', DEV_KEYS]]), {
      replace: false,
      source: 'test',
    });
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`"${name}" is an unknown profile when absent, recorded as such`, async () => {
      const r = await w.handle(ask(name));
      assert.equal(r.ok ? undefined : r.error.code, 'UNKNOWN_PROFILE');
      const access = (await w.entries()).filter((e) => e.event === 'access').at(-1)!;
      assert.equal(access.decision, 'unknown-profile');
    });
  }

  for (const name of ['constructor', 'toString']) {
    it(`"${name}" is served like any profile when present, and survives a reread of the vault`, async () => {
      const key = await w.vault.loadMasterKey();
      await new ProfileAdmin(w.vault, w.audit).import(key, new Map([[name, DEV_KEYS]]), {
        replace: false,
        source: 'test',
      });
      const r = await w.handle(ask(name));
      assert.deepEqual(r.ok && r.result, {
        Version: 1,
        AccessKeyId: DEV_KEYS.accessKeyId,
        SecretAccessKey: DEV_KEYS.secretAccessKey,
      });
      const { data } = await w.vault.read(key);
      assert.deepEqual(Object.keys(data.profiles).sort(), [name, 'dev'].sort());
      assert.equal(Object.getPrototypeOf(data.profiles), null);
    });
  }

  it('"__proto__" is refused at the door with a clear message (no build could ever store it)', () => {
    assert.throws(
      () => checkProfileName('__proto__'),
      (e: unknown) =>
        e instanceof UsageError && e.message === '"__proto__" is not a usable profile name: choose another name',
    );
    assert.equal(checkProfileName('constructor'), 'constructor');
  });
});

describe('whole-file reads of what tray-cred wrote are capped too', () => {
  let w: World;
  beforeEach(async () => {
    w = await makeWorld();
  });
  afterEach(() => w.close());

  /** A sparse file of `bytes`: its size says 1 GiB, and reading it would take that much memory. */
  async function sparse(path: string, bytes: number): Promise<void> {
    await writeFile(path, '');
    await truncate(path, bytes);
  }

  it('refuses a vault.json far past any real vault before reading a byte, naming the fix', async () => {
    await sparse(w.vault.path, 1024 ** 3);
    const before = process.memoryUsage().rss;
    for (const read of [() => w.vault.vaultId(), () => w.vault.loadMasterKey(), () => w.broker.unlock()]) {
      await assert.rejects(read(), (e: unknown) => {
        assert.ok(e instanceof VaultFileError);
        assert.equal(
          e.message,
          `${w.vault.path} is 1024 MiB (1073741824 bytes), more than a tray-cred vault can be (16 MiB): it is not the vault tray-cred wrote; restore vault.json from your backup; nothing was read`,
        );
        return true;
      });
    }
    assert.ok(process.memoryUsage().rss - before < LIMITS.vault.bytes, 'nothing near the file size was read');
  });

  it('refuses an audit file far past the rotation size in every whole-file reader, as tampering', async () => {
    await w.audit.append({ event: 'lock' });
    const planted = join(w.audit.dir, 'audit-000000000002.jsonl');
    await sparse(planted, 1024 ** 3);
    const message = `${planted} is 1024 MiB (1073741824 bytes), more than a tray-cred audit file (they rotate at 8 MiB) can be (64 MiB): tray-cred did not write it; move it out of the audit directory and run \`tray-cred audit verify\`; nothing was read`;
    const key = await w.auditKey();
    for (const read of [
      () => readAuditLog(w.fs, w.audit.dir),
      () => queryAuditLog(w.fs, w.audit.dir, { limit: 5 }),
      () => verifyAuditLog(w.fs, w.audit.dir, key),
    ]) {
      await assert.rejects(read(), (e: unknown) => e instanceof TamperedError && e.message === message);
    }
  });

  it('takes a head.json that is not one short line as edited, without reading it', async () => {
    await w.audit.append({ event: 'lock' });
    await sparse(join(w.audit.dir, 'head.json'), 1024 ** 3);
    const report = await verifyAuditLog(w.fs, w.audit.dir, await w.auditKey());
    assert.equal(report.ok, false);
    assert.match(JSON.stringify(report.problem), /head/);
  });
});

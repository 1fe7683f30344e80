import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../main/core/audit/audit-log.ts';
import { TrayCredError } from '../../main/core/errors.ts';
import type { HistoryIndex } from '../../main/core/history/history-index.ts';
import type { ProfileInput } from '../../preload/api.ts';
import { windowServices } from '../fakes/window-services.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;

const SECRETS = [DEV_KEYS.secretAccessKey, PROD_KEYS.secretAccessKey];
/** A profile view shows the last four characters of the key id, never all of it. */
const KEY_IDS = [DEV_KEYS.accessKeyId, PROD_KEYS.accessKeyId];

function assertNoSecret(value: unknown, keyIdsToo = false): void {
  const text = JSON.stringify(value);
  for (const s of keyIdsToo ? [...SECRETS, ...KEY_IDS] : SECRETS)
    assert.ok(!text.includes(s), `no key or secret in ${text.slice(0, 200)}`);
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TrayCredError, `a TrayCredError, not ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assertNoSecret(error.message, true);
    return true;
  });
}

const input = (over: Partial<ProfileInput> = {}): ProfileInput => ({
  name: 'dev',
  ...DEV_KEYS,
  policy: 'allow',
  rememberMinutes: 0,
  notify: false,
  replace: false,
  ...over,
});

describe("the windows' services", () => {
  let w: World;
  let service: ReturnType<typeof windowServices>;
  let unlocks = 0;
  const stored = async () => {
    const key = await w.vault.loadMasterKey();
    try {
      return (await w.vault.read(key)).data.profiles;
    } finally {
      key.fill(0);
    }
  };
  const events = async () => (await w.entries()).map((e) => [e.event, e.profile ?? null, e.reason ?? null]);

  before(async () => {
    w = await makeWorld();
    service = windowServices(w, {
      unlock: async () => {
        unlocks += 1;
        await w.broker.unlock();
      },
    });
  });
  after(() => w.close());

  it('while locked, refuses profile changes with LOCKED and says how to unlock', async () => {
    assert.deepEqual(service.control.state(), { locked: true, pending: 0, profiles: 0 });
    await rejectsWith(service.profiles.list(), 'LOCKED', /Unlock/);
    await rejectsWith(service.profiles.save(input()), 'LOCKED', /locked/);
    await rejectsWith(service.profiles.remove('dev'), 'LOCKED', /locked/);
    assert.deepEqual({ ...(await stored()) }, {}, 'nothing was written');
  });

  it('unlocks through the front end and reports the new state', async () => {
    assert.deepEqual(await service.control.unlock(), { locked: false, pending: 0, profiles: 0 });
    assert.equal(unlocks, 1);
  });

  it('adds a profile with its settings, lists it without a key or secret, and audits it', async () => {
    const view = await service.profiles.save(input({ name: 'dev', notify: true }));
    assert.equal(view.name, 'dev');
    assert.equal(view.accessKeyIdSuffix, 'MPLE');
    assert.equal(view.notify, true);
    assertNoSecret(view, true);
    const p = (await stored()).dev!;
    assert.equal(p.secretAccessKey, DEV_KEYS.secretAccessKey);
    assert.equal(p.notify, true);
    await service.profiles.save(input({ name: 'prod', ...PROD_KEYS, policy: 'ask', rememberMinutes: 15 }));
    const list = await service.profiles.list();
    assert.deepEqual(
      list.map((v) => [v.name, v.policy, v.rememberMinutes, v.notify, v.kind]),
      [
        ['dev', 'allow', 0, true, 'keys'],
        ['prod', 'ask', 15, false, 'keys'],
      ],
    );
    assertNoSecret(list, true);
    assert.deepEqual(Object.keys(list[0]!).sort(), [
      'accessKeyIdSuffix',
      'createdAt',
      'keyCreatedAt',
      'kind',
      'lastUsedAt',
      'mfa',
      'name',
      'notify',
      'policy',
      'rememberMinutes',
      'roleArn',
      'rotateAfterDays',
      'sessionMode',
      'sourceProfile',
      'updatedAt',
    ]);
    assert.equal(service.control.state().profiles, 2);
    const log = await events();
    assert.deepEqual(log.slice(-3), [
      ['policy', 'dev', 'allow, notify'],
      ['add', 'prod', 'policy ask'],
      ['policy', 'prod', 'ask, remember 15 min'],
    ]);
    assertNoSecret(await w.entries());
  });

  it('starts a profile saved as ask in session mode, whatever its name', async () => {
    await service.profiles.save(input({ name: 'billing', ...PROD_KEYS, policy: 'ask', rememberMinutes: 0 }));
    const view = (await service.profiles.list()).find((v) => v.name === 'billing')!;
    assert.deepEqual([view.policy, view.sessionMode], ['ask', true]);
    assert.deepEqual((await events()).at(-1), ['add', 'billing', 'policy ask']);
  });

  it('refuses a duplicate, rotates keys with replace, and refuses to rotate a missing profile', async () => {
    await rejectsWith(service.profiles.save(input()), 'BAD_REQUEST', /exists already/);
    await service.profiles.save(input({ ...PROD_KEYS, replace: true, notify: true }));
    const p = (await stored()).dev!;
    assert.equal(p.accessKeyId, PROD_KEYS.accessKeyId);
    assert.equal(p.secretAccessKey, PROD_KEYS.secretAccessKey);
    assert.equal(p.notify, true, 'rotation keeps the notify setting');
    assert.deepEqual((await events()).at(-1), ['add', 'dev', 'keys rotated']);
    await rejectsWith(
      service.profiles.save(input({ name: 'ghost', replace: true })),
      'UNKNOWN_PROFILE',
      /no profile "ghost"/,
    );
    assert.equal((await stored()).ghost, undefined);
  });

  it('checks keys and names with the core checks, without repeating the secret', async () => {
    await rejectsWith(
      service.profiles.save(input({ name: 'x', accessKeyId: 'not-a-key' })),
      'BAD_REQUEST',
      /aws_access_key_id must be/,
    );
    await rejectsWith(
      service.profiles.save(input({ name: 'x', secretAccessKey: 'has spaces in it' })),
      'BAD_REQUEST',
      /aws_secret_access_key/,
    );
    await rejectsWith(service.profiles.save(input({ name: '-bad' })), 'BAD_REQUEST', /not a usable profile name/);
    await rejectsWith(service.profiles.save(input({ name: 'x', rememberMinutes: 5000 })), 'BAD_REQUEST', /0 to 1440/);
    assert.equal((await stored()).x, undefined);
  });

  it('sets policy, remember time and notify, and removes', async () => {
    const view = await service.profiles.setPolicy({ name: 'dev', policy: 'deny', rememberMinutes: 0, notify: false });
    assert.deepEqual([view.policy, view.notify], ['deny', false]);
    assert.equal((await stored()).dev!.policy, 'deny');
    assert.deepEqual((await events()).at(-1), ['policy', 'dev', 'deny']);
    await rejectsWith(
      service.profiles.setPolicy({ name: 'ghost', policy: 'ask', rememberMinutes: 1, notify: false }),
      'UNKNOWN_PROFILE',
      /ghost/,
    );
    await service.profiles.remove('dev');
    assert.equal((await stored()).dev, undefined);
    assert.deepEqual((await events()).at(-1), ['remove', 'dev', null]);
    await rejectsWith(service.profiles.remove('dev'), 'UNKNOWN_PROFILE', /no profile "dev"/);
  });

  it('imports an AWS credentials file, keeping existing profiles, and returns only names', async () => {
    const file = join(w.dir, 'credentials');
    await writeFile(
      file,
      `[prod]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n\n` +
        `[ci]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n\n[region-only]\nregion = eu-west-1\n`,
    );
    const result = await service.profiles.importFile(file);
    assert.deepEqual(result, { canceled: false, file, imported: ['ci'], skipped: ['prod', 'region-only'] });
    assertNoSecret(result, true);
    const profiles = await stored();
    assert.equal(profiles.ci!.secretAccessKey, DEV_KEYS.secretAccessKey);
    assert.equal(profiles.prod!.accessKeyId, PROD_KEYS.accessKeyId, 'the existing profile kept its keys');
    const [event, , reason] = (await events()).at(-1)!;
    assert.equal(event, 'import');
    assert.match(String(reason), /added ci; replaced none; skipped prod/);
    await rejectsWith(service.profiles.importFile(join(w.dir, 'missing')), 'BAD_REQUEST', /no file at/);
    await rejectsWith(service.profiles.importFile(w.dir), 'BAD_REQUEST', /cannot be read \(EISDIR\)/);
    await writeFile(join(w.dir, 'junk'), `aws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n`);
    await rejectsWith(service.profiles.importFile(join(w.dir, 'junk')), 'BAD_REQUEST', /not an AWS credentials file/);
  });

  it('shows accesses in the history and exports exactly the filtered rows', async () => {
    for (const [profile, command] of [
      ['ci', 'aws s3 ls'],
      ['ci', 'aws s3 cp a b'],
      ['ghost', 'aws s3 ls'],
      ['ci', 'terraform plan'],
    ]) {
      await w.handle({
        v: 1,
        id: `r-${command}`,
        op: 'credentials',
        profile: profile!,
        caller: { pid: 9, ppid: 1, command: command!, cwd: '/w, "quoted"' },
      });
    }
    const page = await service.history.query({ profile: 'ci' }, 0, 10);
    assert.deepEqual(
      page.rows.map((r) => [r.command, r.decision]),
      [
        ['terraform plan', 'allowed'],
        ['aws s3 cp a b', 'allowed'],
        ['aws s3 ls', 'allowed'],
      ],
    );
    assertNoSecret(page);
    const filter = { profile: 'ci', text: 'AWS S3' };
    const csvPath = join(w.dir, 'out', 'history.csv');
    await mkdir(join(w.dir, 'out'));
    assert.deepEqual(await service.history.export(filter, 'csv', csvPath), { saved: true, rows: 2, path: csvPath });
    const csv = (await readFile(csvPath, 'utf8')).split('\r\n');
    assert.equal(
      csv[0],
      'seq,time,event,profile,decision,command,cwd,pid,ppid,durationMs,reason,served,credentialId,program,firstUse,verified,claimed',
    );
    assert.deepEqual(
      csv.slice(1, -1).map((l) => l.split(',').slice(3, 6)),
      [
        ['ci', 'allowed', 'aws s3 cp a b'],
        ['ci', 'allowed', 'aws s3 ls'],
      ],
    );
    assert.match(csv[1]!, /,"\/w, ""quoted""",/);
    const jsonPath = join(w.dir, 'out', 'history.json');
    assert.equal((await service.history.export({ events: 'all' }, 'json', jsonPath)).rows, (await w.entries()).length);
    const exported = JSON.parse(await readFile(jsonPath, 'utf8')) as { seq: number }[];
    assert.deepEqual(
      exported.map((r) => r.seq),
      (await w.entries()).map((e) => e.seq).reverse(),
    );
    assertNoSecret(exported);
    await rejectsWith(service.history.query({}, 0, 501), 'BAD_REQUEST', /at most 500/);
    await rejectsWith(
      service.history.export({}, 'csv', join(w.dir, 'no-such-dir', 'h.csv')),
      'BAD_REQUEST',
      /could not be saved .*ENOENT/,
    );
  });

  it('counts the timeline, tells one entry in full and sums each profile, from the same history', async () => {
    const ci = (await service.history.query({ profile: 'ci' }, 0, 10)).rows;
    assert.ok(ci.length >= 3, 'the accesses of the test before');
    const t = await service.history.timeline({ profile: 'ci' }, 100);
    assert.equal(t.total, ci.length);
    assert.deepEqual(
      t.series.map((x) => [x.decision, x.counts.reduce((a, b) => a + b, 0)]),
      [['allowed', ci.length]],
    );
    await rejectsWith(service.history.timeline({}, 5000), 'BAD_REQUEST', /at most 1000 buckets/);
    const story = await service.history.entry(ci[0]!.seq);
    assert.deepEqual(
      [story.seq, story.profile, story.decision, story.claimed?.command, story.verified],
      [ci[0]!.seq, 'ci', 'allowed', ci[0]!.command, null],
    );
    assert.equal(story.anchored, ((await w.audit.readAnchor())?.seq ?? 0) >= story.seq);
    assertNoSecret(story);
    await rejectsWith(
      service.history.entry(987_654),
      'BAD_REQUEST',
      /entry 987654 is not in the audit log any more: refresh the history/,
    );
    const activity = await windowServices(w).profiles.activity();
    assert.deepEqual(activity.find((a) => a.profile === 'ci')?.byDecision, { allowed: ci.length });
    assertNoSecret(activity);
  });
  it('verifies the chain, and names the entry after a line of the log is edited', async () => {
    const ok = await service.history.verify();
    assert.equal(ok.state, 'verified');
    assert.equal(ok.state === 'verified' && ok.entries, (await w.entries()).length);
    const name = (await readdir(w.audit.dir)).find((n) => n.endsWith('.jsonl'))!;
    const path = join(w.audit.dir, name);
    const lines = (await readFile(path, 'utf8')).split('\n');
    const i = lines.findIndex((l) => l.includes('"terraform plan"'));
    lines[i] = lines[i]!.replace('"allowed"', '"denied"');
    await writeFile(path, lines.join('\n'));
    const status = await service.history.verify();
    assert.equal(status.state, 'tampered');
    if (status.state !== 'tampered') return;
    assert.equal(status.file, name);
    assert.equal(status.line, i + 1);
    assert.equal(status.seq, JSON.parse(lines[i]!).seq);
    assert.match(status.reason, /MAC does not match/);
  });

  it('reports verify as unavailable when the keychain holds no audit key', async () => {
    const id = await w.vault.vaultId();
    const saved = await w.keychain.get(`audit-key:${id}`);
    await w.keychain.delete(`audit-key:${id}`);
    try {
      const status = await service.history.verify();
      assert.equal(status.state, 'unavailable');
      assert.match(status.state === 'unavailable' ? status.reason : '', /no audit key/);
    } finally {
      await w.keychain.set(`audit-key:${id}`, saved!);
    }
  });

  it('turns an unexpected failure into INTERNAL with no detail of it', async () => {
    const broken = windowServices(w, {
      history: { refresh: () => Promise.reject(new Error('EIO at /secret/path')) } as unknown as HistoryIndex,
    });
    await rejectsWith(broken.history.query({}, 0, 10), 'INTERNAL', /internal error/);
    await assert.rejects(broken.history.query({}, 0, 10), (e: Error) => !e.message.includes('EIO'));
  });
});

describe("the History window's verify against the keychain's anchor", () => {
  it('reports a wiped log, and after a restart the tamper entry the writer recorded instead of a new chain', async () => {
    const w = await makeWorld();
    try {
      const service = windowServices(w, { history: {} as unknown as HistoryIndex });
      await w.audit.append({ event: 'lock' });
      assert.equal((await service.history.verify()).state, 'verified');
      for (const name of await readdir(w.audit.dir)) await rm(join(w.audit.dir, name));
      const wiped = await service.history.verify();
      assert.equal(wiped.state, 'tampered');
      assert.match(
        wiped.state === 'tampered' ? wiped.reason : '',
        /the keychain anchored entry 1: the log was deleted|the audit log is empty/,
      );
      const restarted = new AuditLog(
        { fs: w.fs, clock: w.clock, anchor: { keychain: w.keychain, vaultId: await w.vault.vaultId() } },
        w.audit.dir,
        await w.auditKey(),
      );
      await restarted.append({ event: 'agent-start' });
      const after = await service.history.verify();
      assert.equal(after.state, 'tampered', 'the red banner stays');
      assert.match(
        after.state === 'tampered' ? after.reason : '',
        /tampering was detected and recorded here: the audit log was deleted/,
      );
    } finally {
      await w.close();
    }
  });
});

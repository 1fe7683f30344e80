import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { requestHandler } from '../../main/node/agent/request-handler.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { startAccessNotifier } = await import('../../main/electron/notifier.ts');
const { HistoryIndex } = await import('../../main/core/history/history-index.ts');
const { accessInput } = await import('../fakes/access-history.ts');

const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/home/ann' };

describe('access notifications', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let enabled: boolean;
  let stop: () => void;
  const request = (profile: string) => w.handle({ v: 1, id: 'r', op: 'credentials', profile, caller });
  const settle = () => new Promise((r) => setTimeout(r, 30));

  beforeEach(async () => {
    electron.reset();
    w = await makeWorld();
    const key = await w.vault.loadMasterKey();
    const admin = new ProfileAdmin(w.vault, w.audit);
    await admin.import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['quiet', DEV_KEYS],
        ['prod', PROD_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    await admin.setPolicy(key, 'dev', 'allow', 0, true);
    await admin.setPolicy(key, 'prod', 'ask', 0, true);
    await w.broker.unlock();
    enabled = true;
    stop = startAccessNotifier({
      audit: w.audit,
      profiles: () => w.broker.profiles(),
      enabled: () => enabled,
      warn: (m) => assert.fail(m),
    });
  });
  afterEach(async () => {
    stop();
    await w.close();
  });

  it('tells of an allow-policy access of a profile set to notify, with names and claims only', async () => {
    assert.ok((await request('dev')).ok);
    await settle();
    assert.equal(electron.Notification.shown.length, 1);
    const [shown] = electron.Notification.shown;
    assert.equal(shown!.title, 'tray-cred: dev was used');
    assert.equal(shown!.body, 'by aws s3 ls (as claimed), in /home/ann');
    assert.ok(!JSON.stringify(shown).includes(DEV_KEYS.secretAccessKey));
  });

  it('says when a verified program uses the profile for the first time in 90 days, from the history, and not the next time', async () => {
    stop();
    const history = new HistoryIndex({ fs: w.fs }, w.audit.dir);
    stop = startAccessNotifier({
      audit: w.audit,
      profiles: () => w.broker.profiles(),
      enabled: () => enabled,
      warn: (m) => assert.fail(m),
      firstUse: async (seq) => (await history.refresh(), history.isFirstUse(seq) ?? false),
    });
    const tf = '/usr/local/bin/terraform';
    for (const exe of [tf, tf, '/usr/bin/aws']) {
      await w.audit.append(
        accessInput({ profile: 'dev', decision: 'allowed', exe, served: 'vault', command: 'terraform plan' }),
      );
      await settle();
    }
    assert.deepEqual(
      electron.Notification.shown.map((n) => n.body),
      [
        `First time ${tf} asks for dev. by ${tf} plan (verified), in /home/ann/infra`,
        `by ${tf} plan (verified), in /home/ann/infra`,
        'First time /usr/bin/aws asks for dev. by /usr/bin/aws plan (verified), in /home/ann/infra',
      ],
    );
  });

  it('names a verified caller as verified', async () => {
    const verified = {
      method: 'SO_PEERCRED',
      peer: { pid: 9, uid: 0 },
      requester: { pid: 8, startTime: '1', exe: '/usr/bin/node', argv: ['node', 'deploy.js'], cwd: '/srv/app' },
      ancestry: [],
    };
    const handle = requestHandler(w.broker, () => undefined);
    assert.ok((await handle({ v: 1, id: 'r', op: 'credentials', profile: 'dev', caller }, verified)).ok);
    await settle();
    const [shown] = electron.Notification.shown;
    assert.equal(shown!.body, 'by node deploy.js (verified), in /srv/app');
  });

  it('shows a right-to-left override and an ESC sequence in the claims as escapes', async () => {
    const hostile = { pid: 300, ppid: 200, command: 'ls \u202Eexe.xl \u001b[2J', cwd: '/tmp/\u001b]0;x\u0007' };
    assert.ok((await w.handle({ v: 1, id: 'r', op: 'credentials', profile: 'dev', caller: hostile })).ok);
    await settle();
    const [shown] = electron.Notification.shown;
    assert.equal(shown!.body, 'by ls \\u202eexe.xl \\x1b[2J (as claimed), in /tmp/\\x1b]0;x\\x07');
  });

  it('says nothing for a profile not set to notify, for an approved (asked) access, or when turned off', async () => {
    assert.ok((await request('quiet')).ok);
    const asked = request('prod');
    await w.approver.untilOpen();
    w.approver.answer({ allow: true });
    assert.ok((await asked).ok);
    enabled = false;
    assert.ok((await request('dev')).ok);
    await settle();
    assert.deepEqual(electron.Notification.shown, []);
  });

  it('says nothing where the system has no notifications', async () => {
    electron.Notification.supported = false;
    assert.ok((await request('dev')).ok);
    await settle();
    assert.deepEqual(electron.Notification.shown, []);
  });
});

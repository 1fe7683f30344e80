/**
 * The tray's "Use a profile" submenu in action, under the Electron stand-in with the real broker,
 * vault and audit log: the export lines reach the clipboard only through the broker (policy,
 * prompt, audit) and leave it after 60 s; the console URL goes to shell.openExternal and nowhere
 * else; a terminal runs the app's own `tray-cred exec` by its full path; "Rotate now" replaces the key in a loopback IAM stand-in
 * and a denied prompt changes nothing.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import type { Clock } from '../../main/core/ports/ports.ts';
import { findTerminal, terminalArgs, terminalScript } from '../../main/node/app/profile-actions.ts';
import { AwsAccessKeys } from '../../main/node/aws/aws-access-keys.ts';
import { SystemClock } from '../../main/node/platform/system-clock.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { StsStandIn } from '../fakes/sts-stand-in.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { CLIPBOARD_CLEAR_MS, trayProfileActions } = await import('../../main/electron/tray/tray-profile-actions.ts');

/** The CLI the app ships, as app.ts names it (a terminal's PATH need not find it). */
const CLI = '/opt/tray-cred/resources/bin/tray-cred';
const TEMP = {
  accessKeyId: 'ASIATEMPORARYEXAMPLE',
  secretAccessKey: 'TeMpSeCrEtKeY/0123456789abcdefghijKLMNOP',
  sessionToken: 'FwoGZXIvYXdzTEMPORARYsessionTOKENexample0123456789',
};
const ANN = 'arn:aws:iam::123456789012:user/ann';
/** IAM through the AWS SDK, pointed at the stand-in by AWS_ENDPOINT_URL_IAM, as the tray app's root builds it. */
const accessKeys = new AwsAccessKeys();
const BOB = 'arn:aws:iam::123456789012:user/bob';

describe('the tray profile actions with the real broker', () => {
  const aws = new StsStandIn();
  let w: Awaited<ReturnType<typeof makeWorld>>;
  const warnings: string[] = [];
  const env = { PATH: '', HOME: '/nonexistent-home' };
  let actions: ReturnType<typeof trayProfileActions>;
  const saved = { iam: process.env.AWS_ENDPOINT_URL_IAM, sts: process.env.AWS_ENDPOINT_URL_STS };

  before(async () => {
    await aws.start();
    aws.addUser(DEV_KEYS.accessKeyId, DEV_KEYS.secretAccessKey, ANN);
    aws.addUser(PROD_KEYS.accessKeyId, PROD_KEYS.secretAccessKey, BOB);
    aws.addSession(TEMP.accessKeyId, TEMP.secretAccessKey, TEMP.sessionToken, Date.now() + 3600_000);
    aws.unsettledUses = 1;
    process.env.AWS_ENDPOINT_URL_IAM = aws.url;
    process.env.AWS_ENDPOINT_URL_STS = aws.url;
    w = await makeWorld();
    await w.broker.unlock();
    await w.broker.withKey(async (key) => {
      const admin = new ProfileAdmin(w.vault, w.audit);
      await admin.add(key, 'temp', TEMP, false, 'allow');
      await admin.add(key, 'svc', DEV_KEYS, false, 'allow');
      await admin.add(key, 'prod', PROD_KEYS, false, 'ask');
      await admin.add(key, 'blocked', { ...TEMP }, false, 'deny');
    });
  });
  after(async () => {
    process.env.AWS_ENDPOINT_URL_IAM = saved.iam;
    process.env.AWS_ENDPOINT_URL_STS = saved.sts;
    if (saved.iam === undefined) delete process.env.AWS_ENDPOINT_URL_IAM;
    if (saved.sts === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
    await w?.close();
    await aws.stop();
  });
  const make = (clock: Clock = w.clock) =>
    trayProfileActions({
      broker: w.broker,
      env,
      fs: w.fs,
      platform: 'linux',
      vault: w.vault,
      audit: w.audit,
      clock,
      keys: accessKeys,
      terminal: undefined,
      cli: CLI,
      warn: (m) => warnings.push(m),
      signinUrl: `${aws.url}/federation`,
    });
  const lastAccess = async () => (await w.entries()).filter((e) => e.event === 'access').at(-1);
  const everythingLogged = async () => JSON.stringify([warnings, await w.entries(), electron.Notification.shown]);

  it('copies the export lines of `tray-cred export` through the broker, audited with the app as the caller, and clears them after 60 s', async () => {
    electron.reset({ platform: 'linux' });
    actions = make();
    await actions.copyExport('temp');
    const text = electron.clipboard.text;
    assert.equal(
      text,
      [
        `export AWS_ACCESS_KEY_ID='${TEMP.accessKeyId}'`,
        `export AWS_SECRET_ACCESS_KEY='${TEMP.secretAccessKey}'`,
        `export AWS_SESSION_TOKEN='${TEMP.sessionToken}'`,
        `export TRAY_CRED_EXEC_PROFILE='temp'`,
        '',
      ].join('\n'),
    );
    const entry = await lastAccess();
    assert.equal(entry?.profile, 'temp');
    assert.equal(entry?.decision, 'allowed');
    assert.equal(entry?.caller?.command, 'tray-cred app: Copy export lines (temp)');
    assert.match(String(electron.Notification.shown.at(-1)?.body), /cleared in 60 s/);
    w.clock.advance(CLIPBOARD_CLEAR_MS - 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(electron.clipboard.text, text, 'still there just before 60 s');
    w.clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(electron.clipboard.text, '', 'cleared at 60 s');
    assert.ok(
      !(await everythingLogged()).includes(TEMP.secretAccessKey),
      'no secret in the log, the audit log or a notification',
    );
  });

  it('leaves the clipboard alone at 60 s when the person copied something else since', async () => {
    electron.reset({ platform: 'linux' });
    actions = make();
    await actions.copyExport('temp');
    await electron.clipboard.writeText('my own notes');
    w.clock.advance(CLIPBOARD_CLEAR_MS);
    await new Promise((r) => setImmediate(r));
    assert.equal(electron.clipboard.text, 'my own notes');
    assert.equal(electron.clipboard.clears, 0);
  });

  it('copies nothing for a long-term key (as export without --long-term-key) or a denied profile, and says why', async () => {
    electron.reset({ platform: 'linux' });
    actions = make();
    await actions.copyExport('svc');
    await actions.copyExport('blocked');
    assert.deepEqual(electron.clipboard.writes, []);
    const bodies = electron.Notification.shown.map((n) => String(n.body));
    assert.match(bodies[0]!, /long-term key.*session mode/);
    assert.match(bodies[1]!, /denied|deny/i);
    assert.equal((await lastAccess())?.decision, 'denied');
    assert.ok(!(await everythingLogged()).includes(DEV_KEYS.secretAccessKey));
  });

  it('refuses while locked: nothing copied, nothing opened', async () => {
    electron.reset({ platform: 'linux' });
    const locked = await makeWorld();
    try {
      await locked.broker.lock('test');
      const a = trayProfileActions({
        broker: locked.broker,
        env,
        fs: locked.fs,
        platform: 'linux',
        vault: locked.vault,
        audit: locked.audit,
        clock: locked.clock,
        keys: accessKeys,
        terminal: undefined,
        cli: CLI,
        warn: (m) => warnings.push(m),
      });
      await a.copyExport('temp');
      await a.openConsole('temp');
      assert.deepEqual(electron.clipboard.writes, []);
      assert.deepEqual(electron.shell.opened, []);
      assert.equal(electron.Notification.shown.length, 2);
    } finally {
      await locked.close();
    }
  });

  it('opens the console signed in as the profile with shell.openExternal; the URL is in no log, no notification, no audit entry', async () => {
    electron.reset({ platform: 'linux' });
    actions = make();
    const before = warnings.length;
    await actions.openConsole('temp');
    assert.equal(electron.shell.opened.length, 1, JSON.stringify(warnings.slice(before)));
    const url = new URL(electron.shell.opened[0]!);
    assert.equal(url.searchParams.get('Action'), 'login');
    assert.equal(url.searchParams.get('SigninToken'), aws.signins.at(-1)!.signinToken);
    assert.equal((await lastAccess())?.caller?.command, 'tray-cred app: Open console (temp)');
    const token = aws.signins.at(-1)!.signinToken;
    assert.ok(!(await everythingLogged()).includes(token), 'the sign-in token is nowhere but the browser');
    // A browser that cannot be opened: the failure is told without the URL.
    electron.shell.openExternalError = new Error(`Failed to open ${electron.shell.opened[0]}`);
    await actions.openConsole('temp');
    assert.match(
      String(electron.Notification.shown.at(-1)?.body),
      /browser could not be opened: run `tray-cred login temp --stdout`/,
    );
    assert.ok(!(await everythingLogged()).includes(aws.signins.at(-1)!.signinToken));
  });

  it('Rotate now replaces the key in IAM and the vault, as `tray-cred rotate` does, and audits it', async () => {
    electron.reset({ platform: 'linux' });
    const rotating = make(new SystemClock());
    await rotating.rotateNow('svc');
    const keys = aws.userKeys(ANN);
    assert.equal(keys.length, 1, 'the old key is deleted in IAM');
    assert.notEqual(keys[0]!.accessKeyId, DEV_KEYS.accessKeyId);
    const stored = await w.broker.withKey(async (key) => (await w.vault.read(key)).data.profiles.svc);
    assert.equal(stored?.accessKeyId, keys[0]!.accessKeyId, 'the vault holds the new key');
    const rotate = (await w.entries()).filter((e) => e.event === 'rotate' && e.profile === 'svc');
    assert.match(
      rotate.at(-1)?.reason ?? '',
      /^rotated the key of "svc": …\w{4} is stored and works, …MPLE is deleted in IAM$/,
    );
    assert.equal(
      (await w.entries()).filter((e) => e.event === 'access' && e.profile === 'svc').at(-1)?.caller?.command,
      'tray-cred app: Rotate now (svc)',
    );
    assert.match(String(electron.Notification.shown.at(-1)?.title), /rotated “svc”/);
    assert.ok(!(await everythingLogged()).includes(keys[0]!.secretAccessKey), 'the new secret is in no log');
  });

  it('Rotate now of an ask profile asks first; a denied prompt changes nothing in IAM or the vault', async () => {
    electron.reset({ platform: 'linux' });
    const rotating = make(new SystemClock());
    const done = rotating.rotateNow('prod');
    await w.approver.untilOpen();
    assert.equal(w.approver.requests.at(-1)?.caller?.command, 'tray-cred app: Rotate now (prod)');
    w.approver.answer({ allow: false });
    await done;
    assert.deepEqual(
      aws.userKeys(BOB).map((k) => k.accessKeyId),
      [PROD_KEYS.accessKeyId],
    );
    const stored = await w.broker.withKey(async (key) => (await w.vault.read(key)).data.profiles.prod);
    assert.equal(stored?.accessKeyId, PROD_KEYS.accessKeyId);
    assert.match(String(electron.Notification.shown.at(-1)?.title), /rotating the key failed/);
  });
});

describe('the terminal of "Run a terminal with this profile"', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-terminal-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('Linux: x-terminal-emulator first, then gnome-terminal; none on PATH means no item', async () => {
    assert.equal(await findTerminal({ PATH: dir }, 'linux'), undefined);
    await writeFile(join(dir, 'gnome-terminal'), '#!/bin/sh\n');
    await chmod(join(dir, 'gnome-terminal'), 0o755);
    assert.deepEqual(await findTerminal({ PATH: dir }, 'linux'), {
      kind: 'gnome-terminal',
      file: join(dir, 'gnome-terminal'),
    });
    await writeFile(join(dir, 'x-terminal-emulator'), '#!/bin/sh\n');
    assert.equal(
      (await findTerminal({ PATH: dir }, 'linux'))?.kind,
      'gnome-terminal',
      'a file that is not executable does not count',
    );
    await chmod(join(dir, 'x-terminal-emulator'), 0o755);
    const t = (await findTerminal({ PATH: dir }, 'linux'))!;
    assert.equal(t.kind, 'x-terminal-emulator');
    assert.deepEqual(terminalArgs(t, CLI, 'prod'), ['-e', CLI, 'exec', 'prod']);
    assert.deepEqual(terminalArgs({ kind: 'gnome-terminal', file: 'g' }, CLI, 'prod'), ['--', CLI, 'exec', 'prod']);
  });

  it('macOS: Terminal through open -a with a .command script; Windows: wt, else cmd', async () => {
    const mac = (await findTerminal({}, 'darwin'))!;
    assert.deepEqual(
      [mac.file, ...terminalArgs(mac, CLI, 'prod', '/tmp/x/tray-cred-prod.command')],
      ['/usr/bin/open', '-a', 'Terminal', '/tmp/x/tray-cred-prod.command'],
    );
    assert.equal(terminalScript(CLI, 'prod'), `#!/bin/sh\nexec '${CLI}' exec 'prod'\n`);
    assert.deepEqual(await findTerminal({ PATH: dir, ComSpec: 'C:\\Windows\\system32\\cmd.exe' }, 'win32'), {
      kind: 'cmd',
      file: 'C:\\Windows\\system32\\cmd.exe',
    });
    await writeFile(join(dir, 'wt.exe'), '');
    assert.deepEqual(await findTerminal({ PATH: dir }, 'win32'), { kind: 'wt', file: join(dir, 'wt.exe') });
    const win = 'C:\\Program Files\\tray-cred\\resources\\bin\\tray-cred.cmd';
    assert.deepEqual(terminalArgs({ kind: 'wt', file: 'wt.exe' }, win, 'prod'), ['new-tab', win, 'exec', 'prod']);
    assert.deepEqual(terminalArgs({ kind: 'cmd', file: 'cmd.exe' }, win, 'prod'), ['/k', win, 'exec', 'prod']);
  });

  it("macOS's .command script runs the CLI by its path, quoted, whatever the folder's name", async () => {
    const app = join(dir, "Bob's apps", 'tray-cred.app', 'bin');
    await mkdir(app, { recursive: true });
    await writeFile(join(app, 'tray-cred'), '#!/bin/sh\nprintf \'%s\\n\' "$0" "$@"\n', { mode: 0o755 });
    await writeFile(join(dir, 'run.command'), terminalScript(join(app, 'tray-cred'), 'prod'));
    const ran = await promisify(execFile)('/bin/sh', [join(dir, 'run.command')], { env: { PATH: '/usr/bin:/bin' } });
    assert.equal(ran.stdout, `${join(app, 'tray-cred')}\nexec\nprod\n`);
  });

  it('a hostile profile name never reaches a terminal or a script', () => {
    for (const name of ["x'; rm -rf ~; '", '-e', 'a b', '$(id)']) {
      assert.throws(
        () => terminalArgs({ kind: 'x-terminal-emulator', file: 'x' }, CLI, name),
        /not a usable profile name/,
      );
      assert.throws(() => terminalScript(CLI, name), /not a usable profile name/);
    }
  });

  it("starts the terminal, which runs the app's `tray-cred exec <profile>` though its PATH does not find it", async () => {
    electron.reset({ platform: 'linux' });
    const out = join(dir, 'ran');
    // A terminal that runs its command, as x-terminal-emulator -e does; the CLI's folder is not on its PATH.
    await writeFile(join(dir, 'x-terminal-emulator'), `#!/bin/sh\nshift\n"$@" > '${out}' 2>&1\n`);
    await chmod(join(dir, 'x-terminal-emulator'), 0o755);
    const cli = join(dir, 'app', 'resources', 'bin', 'tray-cred');
    await mkdir(join(dir, 'app', 'resources', 'bin'), { recursive: true });
    await writeFile(cli, '#!/bin/sh\nprintf \'%s\\n\' "$0" "$@"\n', { mode: 0o755 });
    const w = await makeWorld();
    try {
      const env = { PATH: `${dir}:/usr/bin:/bin` };
      const warnings: string[] = [];
      const actions = trayProfileActions({
        broker: w.broker,
        env,
        fs: w.fs,
        platform: 'linux',
        vault: w.vault,
        audit: w.audit,
        clock: w.clock,
        keys: accessKeys,
        terminal: await findTerminal(env, 'linux'),
        cli,
        warn: (m) => warnings.push(m),
      });
      await actions.openTerminal('prod');
      let ran = '';
      for (let i = 0; i < 400 && !ran; i++) {
        await new Promise((r) => setTimeout(r, 10));
        ran = await readFile(out, 'utf8').catch(() => '');
      }
      assert.equal(ran, `${cli}\nexec\nprod\n`);
      assert.equal(warnings.length, 0, warnings.join('\n'));
      // None found: the action says how to do it by hand.
      await trayProfileActions({
        broker: w.broker,
        env,
        fs: w.fs,
        platform: 'linux',
        vault: w.vault,
        audit: w.audit,
        clock: w.clock,
        keys: accessKeys,
        terminal: undefined,
        cli: CLI,
        warn: (m) => warnings.push(m),
      }).openTerminal('prod');
      assert.match(warnings[0]!, /no terminal to open on this system: run `tray-cred exec prod`/);
    } finally {
      await w.close();
    }
  });
});

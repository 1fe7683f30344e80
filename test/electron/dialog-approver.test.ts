import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Request, Response } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/admin.ts';
import type { ApprovalRequest } from '../../main/core/ports.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { DEV_KEYS, PROD_KEYS, makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { DialogApprover } = await import('../../main/electron/dialog-approver.ts');
const { openPromptHost, showMessageBox } = await import('../../main/electron/prompt-host.ts');

const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/home/ann/infra' };
const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({ profile: 'prod', caller, unlock: false, ...over });
const tick = () => new Promise((r) => setImmediate(r));

describe('DialogApprover', () => {
  beforeEach(() => electron.reset());

  it('asks "Allow prod for aws s3 ls?" with the claims labelled, Deny as default and cancel', async () => {
    const answer = new DialogApprover().ask(request(), new AbortController().signal);
    const box = await electron.dialog.untilShown();
    assert.equal(box.options.message, 'Allow “prod” for “aws s3 ls”?');
    assert.deepEqual(box.options.buttons, ['Deny', 'Allow once']);
    assert.equal(box.options.defaultId, 0);
    assert.equal(box.options.cancelId, 0);
    assert.equal(box.options.noLink, true);
    assert.equal(box.options.checkboxLabel, undefined, 'no remember checkbox for a profile that does not remember');
    assert.match(box.options.detail!, /claimed by tray-cred-helper \(not verified\)/);
    assert.match(box.options.detail!, /Command: aws s3 ls\n/);
    assert.match(box.options.detail!, /Working directory: \/home\/ann\/infra\n/);
    assert.match(box.options.detail!, /pid 300, parent pid 200/);
    assert.ok(box.options.signal instanceof AbortSignal);
    box.click('Allow once');
    assert.deepEqual(await answer, { allow: true });
  });

  const cases = [
    { button: 'Deny', checked: false, expected: { allow: false } },
    { button: 'Deny', checked: true, expected: { allow: false } },
    { button: 'Allow once', checked: false, expected: { allow: true } },
    { button: 'Allow once', checked: true, expected: { allow: true, scope: { kind: 'run', minutes: 15 } } },
  ];
  for (const c of cases) {
    it(`maps ${c.button}${c.checked ? ' with "Remember" ticked' : ''} to ${JSON.stringify(c.expected)}`, async () => {
      const answer = new DialogApprover().ask(request({ offer: { kinds: ['once', 'run'], minutes: 15 } }), new AbortController().signal);
      const box = await electron.dialog.untilShown();
      assert.equal(box.options.checkboxLabel, 'Allow this run (this program instance, 15 minutes at most)');
      box.click(c.button, c.checked);
      assert.deepEqual(await answer, c.expected);
    });
  }

  it('words an unlock request as "Unlock tray-cred and allow"', async () => {
    const answer = new DialogApprover().ask(request({ unlock: true }), new AbortController().signal);
    const box = await electron.dialog.untilShown();
    assert.equal(box.options.message, 'Unlock tray-cred and allow “prod” for “aws s3 ls”?');
    assert.deepEqual(box.options.buttons, ['Deny', 'Unlock and allow']);
    box.click('Unlock and allow');
    assert.deepEqual(await answer, { allow: true });
  });

  it('shows one prompt at a time and the next after the first is answered', async () => {
    const approver = new DialogApprover();
    const first = approver.ask(request(), new AbortController().signal);
    const second = approver.ask(request({ profile: 'billing', caller: { ...caller, command: 'aws ce get-cost-and-usage' } }), new AbortController().signal);
    await electron.dialog.untilShown(1);
    await tick();
    assert.equal(electron.dialog.boxes.length, 1, 'the second waits');
    assert.deepEqual(approver.pending().map((r) => r.profile), ['prod', 'billing']);
    electron.dialog.boxes[0]!.click('Deny');
    assert.deepEqual(await first, { allow: false });
    const box = await electron.dialog.untilShown(2);
    assert.match(box.options.message, /billing/);
    box.click('Allow once');
    assert.deepEqual(await second, { allow: true });
    await tick();
    assert.deepEqual(approver.pending(), []);
  });

  it('on macOS hangs each prompt as a sheet from its own empty host window, closed after the answer or the abort', async () => {
    const approver = new DialogApprover({ host: openPromptHost as never });
    const answered = approver.ask(request(), new AbortController().signal);
    const box = await electron.dialog.untilShown(1);
    const host = box.parent as InstanceType<typeof electron.BrowserWindow>;
    assert.ok(host instanceof electron.BrowserWindow, 'the box was given a parent window');
    assert.equal(host.webContents.mainFrame.url, '', 'the host loads nothing');
    assert.deepEqual([host.shown, host.centered, host.options.alwaysOnTop, host.options.webPreferences?.javascript, host.options.webPreferences?.sandbox], [1, true, true, false, true]);
    box.click('Allow once');
    assert.deepEqual(await answered, { allow: true });
    assert.equal(host.destroyed, true);

    const timeout = new AbortController();
    const aborted = approver.ask(request(), timeout.signal);
    const second = await electron.dialog.untilShown(2);
    timeout.abort(new Error('no answer within 60 s'));
    await assert.rejects(aborted, /60 s/);
    await tick();
    assert.equal(second.closed, true, 'signal closes a sheet');
    assert.equal((second.parent as { destroyed: boolean }).destroyed, true);
  });

  it('every other box the tray shows is a sheet on its own host on macOS too, and a plain box elsewhere', async () => {
    const mac = showMessageBox({ message: 'Install the command-line helper?', buttons: ['Cancel', 'Install'] }, 'darwin');
    const box = await electron.dialog.untilShown(1);
    const host = box.parent as InstanceType<typeof electron.BrowserWindow>;
    assert.ok(host instanceof electron.BrowserWindow);
    box.click('Install');
    assert.equal((await mac).response, 1);
    assert.equal(host.destroyed, true);
    const linux = showMessageBox({ message: 'Done', buttons: ['OK'] }, 'linux');
    const plain = await electron.dialog.untilShown(2);
    assert.equal(plain.parent, undefined);
    plain.click('OK');
    await linux;
  });

  it('closes the prompt when its signal aborts, and a queued prompt whose signal aborts never shows', async () => {
    const approver = new DialogApprover();
    const timeout = new AbortController();
    const queued = new AbortController();
    const first = approver.ask(request(), timeout.signal);
    const second = approver.ask(request({ profile: 'billing' }), queued.signal);
    const third = approver.ask(request({ profile: 'audit' }), new AbortController().signal);
    const box = await electron.dialog.untilShown(1);
    queued.abort(new Error('locked'));
    await assert.rejects(second, /locked/);
    timeout.abort(new Error('no answer within 60 s'));
    await assert.rejects(first, /no answer within 60 s/);
    assert.equal(box.closed, true, 'the aborted prompt closed itself');
    const next = await electron.dialog.untilShown(2);
    assert.match(next.options.message, /audit/, 'billing was skipped');
    next.click('Deny');
    await third;
    assert.equal(electron.dialog.boxes.length, 2);
    assert.ok(!electron.dialog.boxes.some((b) => b.options.message.includes('billing')));
  });

  it('denies an MFA request with the reason and shows no dialog', async () => {
    const answer = await new DialogApprover().ask(request({ mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' }), new AbortController().signal);
    assert.equal(answer.allow, false);
    assert.match(answer.reason!, /needs an MFA code, which the tray's prompt cannot take/);
    await tick();
    assert.equal(electron.dialog.boxes.length, 0);
  });

  it('escapes control characters and bidi overrides in the claims and caps their length', async () => {
    const evil = { pid: 1, ppid: 2, command: `aws s3 ls\n\nCommand: harmless\u202Egnp.exe \u001b[2J ${'x'.repeat(5000)}`, cwd: '/tmp\r\u0007' };
    const answer = new DialogApprover().ask(request({ caller: evil }), new AbortController().signal);
    const box = await electron.dialog.untilShown();
    const shown = `${box.options.message}\n${box.options.detail}`;
    // eslint-disable-next-line no-control-regex -- asserting that none reach the prompt
    assert.doesNotMatch(shown, /[\u0000-\u0009\u000b-\u001f\u202e]/u);
    assert.equal(box.options.detail!.split('\n').filter((l) => l.startsWith('Command:')).length, 1, 'no fake second Command line');
    assert.match(box.options.detail!, /aws s3 ls\\n\\nCommand: harmless\\u202egnp\.exe \\x1b\[2J x/);
    assert.match(box.options.detail!, /x…\(\d+ more\)\n/, 'the cut is marked');
    assert.match(box.options.detail!, /Working directory: \/tmp\\r\\x07/);
    assert.ok(box.options.message.length < 150, 'the question stays short');
    assert.ok(box.options.detail!.length < 2000, 'the detail is capped');
    box.click('Deny');
    await answer;
  });
});

describe('DialogApprover with the real broker', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let approver: InstanceType<typeof DialogApprover>;
  const ask = (profile: string): Request => ({ v: 1, id: 'r1', op: 'credentials', profile, caller });
  const message = (r: Response): string => (r.ok ? 'served' : r.error.message);

  beforeEach(async () => {
    electron.reset();
    approver = new DialogApprover();
    w = await makeWorld({ approver });
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['dev', DEV_KEYS], ['prod', PROD_KEYS]]), { replace: false, source: 'test', sessionMode: false });
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  it('a prod request shows a prompt with the command and is served after Allow', async () => {
    const pending = w.handle(ask('prod'));
    const box = await electron.dialog.untilShown();
    assert.match(box.options.message, /“prod” for “aws s3 ls”/);
    box.click('Allow once');
    const r = await pending;
    assert.ok(r.ok, message(r));
    assert.equal((r.result as { AccessKeyId: string }).AccessKeyId, PROD_KEYS.accessKeyId);
    const access = (await w.entries()).find((e) => e.event === 'access');
    assert.equal(access?.decision, 'approved');
  });

  it('a prompt left unanswered closes after the time-out and the request is refused', async () => {
    const pending = w.handle(ask('prod'));
    const box = await electron.dialog.untilShown();
    w.clock.advance(60_000);
    const r = await pending;
    assert.equal(box.closed, true);
    assert.equal(r.ok ? 'ok' : r.error.code, 'TIMEOUT');
  });

  it('an MFA profile is refused with a reason the CLI prints and the audit log keeps, without a dialog', async () => {
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).setSts(key, 'prod', { sessionMode: true, mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' });
    const r = await w.handle(ask('prod'));
    assert.match(message(r), /needs an MFA code, which the tray's prompt cannot take/);
    const access = (await w.entries()).find((e) => e.event === 'access');
    assert.match(access?.reason ?? '', /needs an MFA code/);
    assert.equal(electron.dialog.boxes.length, 0);
  });
});

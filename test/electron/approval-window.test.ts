/**
 * The approval window's main side under the stand-in, per platform: it comes to the front, asks
 * through the checked IPC (only from the approval page), takes the MFA code and a scope, queues,
 * closes on abort, and says when AWS rejected the code. With the real broker for the end to end.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { WebFrameMain } from 'electron';
import type { Request, Response } from '../../helper/wire.ts';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import type { ApprovalRequest } from '../../main/core/ports/ports.ts';
import type { ApprovalView, IpcReply } from '../../preload/api.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { WindowApprover } = await import('../../main/electron/approval-window.ts');
const { AppWindows } = await import('../../main/electron/windows.ts');
const { registerIpc } = await import('../../main/electron/ipc.ts');

const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/home/ann/infra' };
const MFA = 'arn:aws:iam::123456789012:mfa/ann';
const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  profile: 'prod',
  caller,
  unlock: false,
  ...over,
});
const tick = () => new Promise((r) => setImmediate(r));
// An install path with the characters loadFile's url.format and pathToFileURL write differently.
const PAGES = '/opt/Ann 50%off ^|/tray-cred/resources/app.asar/renderer';

/** The app's wiring of windows, approver and IPC, as app.ts does it. */
function wire(platform: NodeJS.Platform, wayland = false) {
  const windows = new AppWindows({ pagesDir: PAGES, preload: '/opt/x/preload.cjs', devTools: false });
  const approver = new WindowApprover({
    surface: { open: () => windows.show('approval'), changed: () => windows.send('approval', 'approval:changed') },
    platform,
    wayland,
  });
  const warnings: string[] = [];
  const service = { approval: approver, profiles: { list: () => [] } };
  registerIpc(
    electron.ipcMain as never,
    service as never,
    { saveFile: async () => undefined, openFile: async () => undefined },
    (f, c) => windows.isTrustedSender(f, c),
    (m) => warnings.push(m),
  );
  windows.serve();
  const approvalWindow = () =>
    electron.BrowserWindow.instances.filter((w) => w.loaded?.endsWith('approval.html')).at(-1);
  const invoke = async <T>(frame: unknown, channel: string, ...args: unknown[]): Promise<IpcReply<T>> =>
    (await electron.ipcMain.handlers.get(channel)!({ senderFrame: frame as WebFrameMain }, ...args)) as IpcReply<T>;
  const page = <T>(channel: string, ...args: unknown[]) =>
    invoke<T>(approvalWindow()!.webContents.mainFrame, channel, ...args);
  const view = async (): Promise<ApprovalView | null> => {
    const reply = await page<ApprovalView | null>('approval:get');
    assert.ok(reply.ok, JSON.stringify(reply));
    return reply.value;
  };
  return { windows, approver, warnings, approvalWindow, invoke, page, view };
}

for (const platform of ['darwin', 'win32', 'linux'] as const) {
  describe(`the approval window on ${platform}`, () => {
    let t: ReturnType<typeof wire>;
    beforeEach(() => {
      electron.reset({ platform });
      t = wire(platform);
    });

    it('opens the approval page sandboxed and brings it in front of everything, with a notification that it waits', async () => {
      const answer = t.approver.ask(request(), new AbortController().signal);
      const win = t.approvalWindow()!;
      assert.equal(win.loaded, join(PAGES, 'approval.html'));
      assert.deepEqual(win.options.webPreferences, {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        devTools: false,
        preload: '/opt/x/preload.cjs',
      });
      assert.equal(win.options.alwaysOnTop, true);
      assert.equal(win.options.resizable, false);
      assert.equal(win.menuRemoved, true);
      assert.deepEqual(win.alwaysOnTop, { flag: true, level: 'screen-saver' });
      // Electron's setVisibleOnAllWorkspaces does nothing on Windows; on macOS it also covers full-screen Spaces.
      assert.deepEqual(
        win.allWorkspaces,
        platform === 'win32'
          ? undefined
          : { visible: true, options: { visibleOnFullScreen: true, skipTransformProcessType: true } },
      );
      // Without skipTransformProcessType Electron hides the Dock icon (a process-type change) at every approval.
      assert.deepEqual(electron.app.processTypeChanges, []);
      assert.deepEqual(electron.app.focusCalls, platform === 'darwin' ? [{ steal: true }] : []);
      assert.ok(win.shown >= 1 && win.focused >= 1 && win.movedTop >= 1);
      assert.equal(win.flashing, true);
      win.focus();
      assert.equal(win.flashing, false, 'the flashing stops once the person looks');
      assert.deepEqual(
        electron.Notification.shown.map((n) => n.title),
        ['tray-cred: approve “prod”?'],
      );
      assert.match(
        String(electron.Notification.shown[0]!.body),
        /aws s3 ls \(claimed by tray-cred-helper, not verified\) asks for “prod”/,
      );
      const shown = (await t.view())!;
      assert.deepEqual(await t.page('approval:answer', { id: shown.id, allow: false, scope: 'once' }), {
        ok: true,
        value: undefined,
      });
      assert.deepEqual(await answer, { allow: false });
      assert.equal(win.destroyed, true, 'the window closes when nothing waits');
      assert.deepEqual(t.warnings, []);
    });

    it('shows the claim labelled claimed, and a verified requester as verified', async () => {
      void t.approver.ask(request(), new AbortController().signal).catch(() => undefined);
      let v = (await t.view())!;
      assert.equal(v.verified, false);
      assert.equal(v.provenance, 'claimed by tray-cred-helper, not verified');
      assert.deepEqual(
        v.facts.map((f) => f.label),
        ['Command', 'Working directory', 'Process'],
      );
      const verified = {
        method: 'SO_PEERCRED',
        peer: { pid: 301, uid: 1000 },
        requester: {
          pid: 250,
          startTime: '81234',
          exe: '/usr/bin/python3.13',
          argv: ['python3', 'deploy.py'],
          cwd: '/home/ann/infra',
        },
        ancestry: [{ pid: 200, exe: '/usr/bin/bash', argv: ['bash'] }],
      };
      void t.approver.ask(request({ verified }), new AbortController().signal).catch(() => undefined);
      await t.page('approval:answer', { id: v.id, allow: false, scope: 'once' });
      v = (await t.view())!;
      assert.equal(v.verified, true);
      assert.equal(v.provenance, 'verified by the kernel (SO_PEERCRED)');
      assert.equal(v.program, 'python3 deploy.py');
      assert.deepEqual(v.facts[0], { label: 'Program', value: '/usr/bin/python3.13' });
      assert.deepEqual(v.facts.at(-1), { label: 'Started by', value: 'bash' });
      assert.equal(v.firstUse, null, 'no first-use line unless the broker says so');
    });

    it('says in one line when a verified program asks for the profile for the first time, never for a claim alone', async () => {
      const verified = {
        method: 'SO_PEERCRED',
        peer: { pid: 301, uid: 1000 },
        requester: {
          pid: 250,
          startTime: '81234',
          exe: '/usr/local/bin/terraform\u202Egnp',
          argv: ['terraform', 'plan'],
          cwd: '/home/ann/infra',
        },
        ancestry: [],
      };
      void t.approver.ask(request({ verified, firstUse: true }), new AbortController().signal).catch(() => undefined);
      let v = (await t.view())!;
      assert.equal(
        v.firstUse,
        'First time `/usr/local/bin/terraform\\u202egnp` asks for prod',
        'escaped like every caller-chosen string',
      );
      // The broker only sets firstUse for a verified program; a claim alone never earns the line.
      void t.approver.ask(request({ firstUse: true }), new AbortController().signal).catch(() => undefined);
      await t.page('approval:answer', { id: v.id, allow: false, scope: 'once' });
      v = (await t.view())!;
      assert.equal(v.verified, false);
      assert.equal(v.firstUse, null);
    });

    it("offers exactly the request's scopes (once only by default) and answers with the scope and matching minutes", async () => {
      const plain = t.approver.ask(request(), new AbortController().signal);
      let v = (await t.view())!;
      assert.deepEqual(v.scopes, ['once']);
      const refused = await t.page('approval:answer', { id: v.id, allow: true, scope: 'run' });
      assert.deepEqual(refused, {
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'this request does not offer "run": choose one of once' },
      });
      assert.equal(t.approver.pending().length, 1, 'a refused answer answers nothing');
      await t.page('approval:answer', { id: v.id, allow: true, scope: 'once' });
      assert.deepEqual(await plain, { allow: true, scope: { kind: 'once' } });

      const offered = { offer: { kinds: ['once', 'run', 'program-folder'] as const, minutes: 15 } };
      const timed = t.approver.ask(request(offered), new AbortController().signal);
      v = (await t.view())!;
      assert.deepEqual(v.scopes, ['once', 'run', 'program-folder']);
      assert.equal(v.minutes, 15);
      assert.equal(
        (await t.page('approval:answer', { id: v.id, allow: true, scope: 'any' })).ok,
        false,
        '"any" was not offered',
      );
      await t.page('approval:answer', { id: v.id, allow: true, scope: 'run' });
      assert.deepEqual(await timed, { allow: true, scope: { kind: 'run', minutes: 15 } });
    });

    it('takes the six-digit MFA code in the same window and refuses anything else before answering', async () => {
      const answer = t.approver.ask(request({ mfaSerial: MFA }), new AbortController().signal);
      const v = (await t.view())!;
      assert.equal(v.mfaDevice, MFA);
      for (const bad of [undefined, '12345', '1234567', '12a456', ' 123456']) {
        const reply = await t.page('approval:answer', {
          id: v.id,
          allow: true,
          scope: 'once',
          ...(bad === undefined ? {} : { mfaCode: bad }),
        });
        assert.equal(reply.ok ? 'ok' : reply.error.code, 'BAD_REQUEST', `code ${JSON.stringify(bad)}`);
      }
      assert.equal(t.approver.pending().length, 1);
      await t.page('approval:answer', { id: v.id, allow: true, scope: 'once', mfaCode: '123456' });
      assert.deepEqual(await answer, { allow: true, scope: { kind: 'once' }, mfaCode: '123456' });
    });

    it('queues requests one after another with the count visible, and a stale click never answers the next one', async () => {
      const first = t.approver.ask(request(), new AbortController().signal);
      const second = t.approver.ask(request({ profile: 'staging' }), new AbortController().signal);
      const win = t.approvalWindow()!;
      const v1 = (await t.view())!;
      assert.equal(v1.queued, 1);
      assert.ok(
        win.webContents.sent.some((s) => s.channel === 'approval:changed'),
        'the page is told when the queue changes',
      );
      await t.page('approval:answer', { id: v1.id, allow: true, scope: 'once' });
      const again = await t.page('approval:answer', { id: v1.id, allow: true, scope: 'once' });
      assert.equal(again.ok, false, 'a second click on the first request is refused');
      const v2 = (await t.view())!;
      assert.equal(v2.profile, 'staging');
      assert.equal(v2.queued, 0);
      assert.equal(t.approvalWindow(), win, 'the same window shows the next request');
      assert.equal(win.destroyed, false);
      await t.page('approval:answer', { id: v2.id, allow: false, scope: 'once' });
      assert.equal((await first).allow, true);
      assert.equal((await second).allow, false);
    });

    it('closes on abort (time-out, lock), drops an aborted waiting request from the count, and reopens for the next one', async () => {
      const shownAbort = new AbortController();
      const waitingAbort = new AbortController();
      const shown = t.approver.ask(request(), shownAbort.signal);
      const waiting = t.approver.ask(request({ profile: 'staging' }), waitingAbort.signal);
      waitingAbort.abort(new Error('locked'));
      await assert.rejects(waiting, /locked/);
      assert.equal((await t.view())!.queued, 0);
      const win = t.approvalWindow()!;
      shownAbort.abort(new Error('timed out'));
      await assert.rejects(shown, /timed out/);
      assert.equal(win.destroyed, true);
      assert.deepEqual(t.approver.pending(), []);
      void t.approver.ask(request(), new AbortController().signal).catch(() => undefined);
      assert.notEqual(t.approvalWindow(), win, 'a new request gets a live window, not the closed one');
      assert.equal(t.approvalWindow()!.destroyed, false);
    });

    it('closing the window is Deny (close is asynchronous, as in Electron)', async () => {
      const answer = t.approver.ask(request(), new AbortController().signal);
      t.approvalWindow()!.close();
      assert.equal(t.approver.pending().length, 1, 'not yet closed');
      await tick();
      assert.deepEqual(await answer, { allow: false });
    });

    it('answers approvals only from the approval page, and the approval page nothing else', async () => {
      void t.approver.ask(request(), new AbortController().signal).catch(() => undefined);
      t.windows.show('history');
      const history = electron.BrowserWindow.instances.find((w) => w.loaded?.endsWith('history.html'))!;
      const v = (await t.view())!;
      const fromHistory = await t.invoke(history.webContents.mainFrame, 'approval:answer', {
        id: v.id,
        allow: true,
        scope: 'once',
      });
      assert.equal(fromHistory.ok ? 'ok' : fromHistory.error.code, 'FORBIDDEN');
      const foreign = await t.invoke({ url: 'file:///tmp/evil/approval.html', parent: null }, 'approval:answer', {
        id: v.id,
        allow: true,
        scope: 'once',
      });
      assert.equal(foreign.ok ? 'ok' : foreign.error.code, 'FORBIDDEN');
      const sub = await t.invoke(
        { url: t.approvalWindow()!.webContents.mainFrame.url, parent: history.webContents.mainFrame },
        'approval:get',
      );
      assert.equal(sub.ok ? 'ok' : sub.error.code, 'FORBIDDEN', 'a subframe is not the page');
      const fromApproval = await t.page('profiles:list');
      assert.equal(fromApproval.ok ? 'ok' : fromApproval.error.code, 'FORBIDDEN');
      assert.equal(t.approver.pending().length, 1);
      assert.equal(t.warnings.length, 4);
    });

    it("escapes a hostile caller's control characters and bidi overrides", async () => {
      const evil = {
        pid: 1,
        ppid: 2,
        command: `aws s3 ls\n\nCommand: harmless\u202Egnp.exe \u001b[2J ${'x'.repeat(5000)}`,
        cwd: '/tmp\r\u0007',
      };
      void t.approver.ask(request({ caller: evil }), new AbortController().signal).catch(() => undefined);
      const v = (await t.view())!;
      const text = JSON.stringify(v);
      // eslint-disable-next-line no-control-regex -- asserting that none reach the window
      assert.doesNotMatch([v.program, ...v.facts.map((f) => f.value)].join(''), /[\u0000-\u001f\u202e]/u);
      assert.match(v.facts[0]!.value, /aws s3 ls\\n\\nCommand: harmless\\u202egnp\.exe \\x1b\[2J x/);
      assert.ok(v.program.length < 100 && text.length < 3000, 'shortened');
    });
  });
}

describe('the approval window without libnotify (Linux)', () => {
  it('still comes to the front; only the notification is left out', () => {
    electron.reset({ platform: 'linux' });
    electron.Notification.libnotify = false;
    const t = wire('linux');
    void t.approver.ask(request(), new AbortController().signal).catch(() => undefined);
    assert.deepEqual(electron.Notification.shown, []);
    assert.equal(t.approvalWindow()!.flashing, true);
  });
});

describe('the approval window under Wayland (Linux)', () => {
  it('cannot come to the front there, so a notification that stays until dismissed says where it is', async () => {
    electron.reset({ platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland' } });
    const t = wire('linux', true);
    const answer = t.approver.ask(request(), new AbortController().signal);
    const win = t.approvalWindow()!;
    // As Electron under Wayland: the window is shown, but raising, centring and focusing it do nothing.
    assert.equal(win.visible, true);
    assert.deepEqual([win.alwaysOnTop, win.movedTop, win.focused], [undefined, 0, 0]);
    assert.equal(electron.Notification.shown.length, 1);
    const note = electron.Notification.shown[0]!;
    assert.deepEqual([note.urgency, note.timeoutType], ['critical', 'never']);
    assert.match(String(note.body), /asks for “prod”\. The approval window is open \(it may be behind other windows/);
    const shown = (await t.view())!;
    await t.page('approval:answer', { id: shown.id, allow: false, scope: 'once' });
    assert.deepEqual(await answer, { allow: false });
  });
});

describe('the approval window with the real broker', () => {
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let t: ReturnType<typeof wire>;
  const ask = (profile: string): Request => ({ v: 1, id: 'r1', op: 'credentials', profile, caller });
  const message = (r: Response): string => (r.ok ? 'served' : r.error.message);
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(check());
  };

  beforeEach(async () => {
    electron.reset();
    t = wire('linux');
    w = await makeWorld({ approver: t.approver });
    w.audit.onAppended((entries) => t.approver.heard(entries));
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(key, new Map([['prod', PROD_KEYS]]), {
      replace: false,
      source: 'test',
      sessionMode: false,
    });
    await new ProfileAdmin(w.vault, w.audit).setSts(key, 'prod', { sessionMode: true, mfaSerial: MFA });
    await w.broker.unlock();
  });
  afterEach(() => w.close());

  it('an MFA profile is served with the code typed in the window; a rejected code is said in the window and a notification', async () => {
    let pending = w.handle(ask('prod'));
    await until(() => t.approver.current() !== null);
    let v = (await t.view())!;
    assert.equal(v.mfaDevice, MFA);
    assert.equal(v.rejected, null);
    w.sts.expectedCode = '864209';
    await t.page('approval:answer', { id: v.id, allow: true, scope: 'once', mfaCode: '975310' });
    const refused = await pending;
    assert.match(message(refused), /MultiFactorAuthentication failed/);
    await until(() => electron.Notification.shown.some((n) => n.title === 'tray-cred: AWS rejected the MFA code'));

    pending = w.handle(ask('prod'));
    await until(() => t.approver.current() !== null);
    v = (await t.view())!;
    assert.match(
      v.rejected ?? '',
      /^AWS rejected the last MFA code for “prod”: .*MultiFactorAuthentication failed.*Wait for the next code and try again\.$/,
    );
    await t.page('approval:answer', { id: v.id, allow: true, scope: 'once', mfaCode: w.sts.expectedCode });
    const served = await pending;
    assert.ok(served.ok, message(served));
    assert.equal(w.sts.calls.at(-1)?.mfa?.tokenCode, w.sts.expectedCode);

    const recorded = JSON.stringify(await w.entries());
    assert.ok(!recorded.includes('975310') && !recorded.includes('864209'), 'no MFA code in the audit log');
    // Served: the rejection is forgotten.
    void w.handle(ask('prod'));
    await until(() => t.approver.current() !== null);
    assert.equal((await t.view())!.rejected, null);
  });

  it('a request left unanswered closes the window at the time-out and is refused', async () => {
    const pending = w.handle(ask('prod'));
    await until(() => t.approver.current() !== null);
    const win = t.approvalWindow()!;
    w.clock.advance(60_000);
    const r = await pending;
    assert.equal(r.ok ? 'ok' : r.error.code, 'TIMEOUT');
    assert.equal(win.destroyed, true);
  });
});

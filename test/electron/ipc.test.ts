import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { TrayCredError } from '../../main/core/errors.ts';
import {
  INVOKE_CHANNELS,
  registerIpc,
  type IpcDialogs,
  type IpcMainLike,
  type IpcServices,
} from '../../main/electron/ipc.ts';
import { CHANNELS, type IpcReply, type ProfileInput } from '../../preload/api.ts';
import { windowServices } from '../fakes/window-services.ts';
import { DEV_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** ipcMain as far as registerIpc uses it: handlers kept by channel, so the test can invoke them as a page would. */
class FakeIpcMain {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    assert.ok(!this.handlers.has(channel), `one handler per channel (${channel})`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

const APP_PAGE = 'file:///opt/tray-cred/resources/app.asar/renderer/history.html';
const frame = (url: string, top = true): WebFrameMain => ({ url, parent: top ? null : {} }) as unknown as WebFrameMain;
const trusted = (f: WebFrameMain | null): boolean => f !== null && f.parent === null && f.url === APP_PAGE;

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const profileInput: ProfileInput = {
  name: 'dev',
  accessKeyId: DEV_KEYS.accessKeyId,
  secretAccessKey: SECRET,
  policy: 'allow',
  rememberMinutes: 0,
  notify: false,
  replace: false,
};

type Overrides = { [K in keyof IpcServices]?: Partial<IpcServices[K]> };

function setup(
  overrides: Overrides = {},
  dialogs: Partial<IpcDialogs> = {},
  isTrusted: (f: WebFrameMain | null) => boolean = trusted,
) {
  const calls: [string, unknown[]][] = [];
  const record =
    (name: string, value: unknown) =>
    (...args: unknown[]) => {
      calls.push([name, args]);
      return Promise.resolve(value);
    };
  const plain =
    (name: string, value?: unknown) =>
    (...args: unknown[]) => {
      calls.push([name, args]);
      return value;
    };
  const service = {
    control: {
      state: plain('control.state', { locked: false, pending: 0, profiles: 1 }),
      unlock: record('control.unlock', { locked: false, pending: 0, profiles: 1 }),
      menu: plain('control.menu', []),
      click: record('control.click', undefined),
      ...overrides.control,
    },
    history: {
      query: record('history.query', { total: 0, offset: 0, rows: [], profiles: [] }),
      verify: record('history.verify', { state: 'verified', entries: 3 }),
      export: record('history.export', { saved: true, rows: 2, path: '/tmp/h.csv' }),
      timeline: record('history.timeline', { from: 0, to: 0, bucketMs: 3_600_000, series: [], total: 0 }),
      entry: record('history.entry', { seq: 7 }),
      ...overrides.history,
    },
    profiles: {
      list: record('profiles.list', []),
      save: record('profiles.save', { name: 'dev' }),
      remove: record('profiles.remove', undefined),
      setPolicy: record('profiles.setPolicy', { name: 'dev' }),
      importFile: record('profiles.importFile', { canceled: false, file: '/x', imported: ['a'], skipped: [] }),
      rotate: record('profiles.rotate', { profile: { name: 'dev' }, done: [] }),
      activity: record('profiles.activity', []),
      ...overrides.profiles,
    },
    approval: {
      current: plain('approval.current', null),
      answer: plain('approval.answer'),
      ...overrides.approval,
    },
  } as IpcServices;
  const opened: string[] = [];
  const allDialogs: IpcDialogs = {
    saveFile: (name, format) => {
      opened.push(`save ${name} ${format}`);
      return Promise.resolve('/home/ann/history.csv');
    },
    openFile: () => {
      opened.push('open');
      return Promise.resolve('/home/ann/.aws/credentials');
    },
    ...dialogs,
  };
  const ipc = new FakeIpcMain();
  const warnings: string[] = [];
  const dispose = registerIpc(ipc as IpcMainLike, service, allDialogs, isTrusted, (m) => warnings.push(m));
  const invoke = async (
    channel: string,
    args: unknown[],
    from: WebFrameMain | null = frame(APP_PAGE),
  ): Promise<IpcReply<unknown>> => {
    const handler = ipc.handlers.get(channel);
    assert.ok(handler, `a handler for ${channel}`);
    return (await handler({ senderFrame: from } as unknown as IpcMainInvokeEvent, ...args)) as IpcReply<unknown>;
  };
  return { calls, ipc, warnings, dispose, invoke, opened };
}

const invokeChannels = Object.values(CHANNELS).filter((c) => !c.endsWith(':changed'));

/** A valid call of each invoke channel and the service call it must become. */
const GOOD: [string, unknown[], string, unknown[]][] = [
  [CHANNELS.stateGet, [], 'control.state', []],
  [CHANNELS.stateUnlock, [], 'control.unlock', []],
  [
    CHANNELS.historyQuery,
    [
      {
        profile: 'prod',
        decision: 'denied',
        text: 's3',
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
        events: 'all',
      },
      500,
      500,
    ],
    'history.query',
    [
      {
        profile: 'prod',
        decision: 'denied',
        text: 's3',
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
        events: 'all',
      },
      500,
      500,
    ],
  ],
  [CHANNELS.historyVerify, [], 'history.verify', []],
  [CHANNELS.historyTimeline, [{ profile: 'prod' }, 240], 'history.timeline', [{ profile: 'prod' }, 240]],
  [CHANNELS.historyEntry, [7], 'history.entry', [7]],
  [CHANNELS.historyActivity, [], 'profiles.activity', []],
  [
    CHANNELS.historyExport,
    [{ profile: 'dev' }, 'csv'],
    'history.export',
    [{ profile: 'dev' }, 'csv', '/home/ann/history.csv'],
  ],
  [CHANNELS.profilesList, [], 'profiles.list', []],
  [CHANNELS.profilesSave, [profileInput], 'profiles.save', [profileInput]],
  [CHANNELS.profilesRemove, ['dev'], 'profiles.remove', ['dev']],
  [
    CHANNELS.profilesSetPolicy,
    [{ name: 'prod', policy: 'ask', rememberMinutes: 15, notify: true }],
    'profiles.setPolicy',
    [{ name: 'prod', policy: 'ask', rememberMinutes: 15, notify: true }],
  ],
  [CHANNELS.profilesImport, [], 'profiles.importFile', ['/home/ann/.aws/credentials']],
  [CHANNELS.profilesRotate, ['prod'], 'profiles.rotate', ['prod']],
  [CHANNELS.controlMenu, [], 'control.menu', []],
  [CHANNELS.controlClick, [[8, 1], '5 min'], 'control.click', [[8, 1], '5 min']],
  [CHANNELS.approvalGet, [], 'approval.current', []],
  [
    CHANNELS.approvalAnswer,
    [{ id: 3, allow: true, scope: 'run', mfaCode: '123456' }],
    'approval.answer',
    [{ id: 3, allow: true, scope: 'run', mfaCode: '123456' }],
  ],
];

const BAD: [string, string, unknown[]][] = [
  ['a page size over MAX_PAGE', CHANNELS.historyQuery, [{}, 0, 501]],
  ['a negative offset', CHANNELS.historyQuery, [{}, -1, 10]],
  ['a fractional limit', CHANNELS.historyQuery, [{}, 0, 2.5]],
  ['a filter with an unknown key', CHANNELS.historyQuery, [{ profile: 'dev', sql: 'drop' }, 0, 10]],
  ['a decision that does not exist', CHANNELS.historyQuery, [{ decision: 'maybe' }, 0, 10]],
  ['a search text of 10,000 characters', CHANNELS.historyQuery, [{ text: 'x'.repeat(10_000) }, 0, 10]],
  ['a time that is not a time', CHANNELS.historyQuery, [{ from: 'last tuesday' }, 0, 10]],
  ['a missing argument', CHANNELS.historyQuery, [{}, 0]],
  ['an extra argument', CHANNELS.stateGet, ['please']],
  ['an export format that does not exist', CHANNELS.historyExport, [{}, 'xlsx']],
  ['a profile input without its policy', CHANNELS.profilesSave, [{ ...profileInput, policy: undefined }]],
  ['a profile input with an extra field', CHANNELS.profilesSave, [{ ...profileInput, isAdmin: true }]],
  [
    'a secret of 2,000 characters',
    CHANNELS.profilesSave,
    [{ ...profileInput, secretAccessKey: `${SECRET}${'k'.repeat(2000)}` }],
  ],
  ['a name that is a number', CHANNELS.profilesRemove, [42]],
  [
    'a remember time over a day',
    CHANNELS.profilesSetPolicy,
    [{ name: 'prod', policy: 'ask', rememberMinutes: 100_000, notify: false }],
  ],
  ['a path given by the page', CHANNELS.profilesImport, ['/etc/shadow']],
  ['a rotation of no profile', CHANNELS.profilesRotate, []],
  ['a rotation of a name that is an object', CHANNELS.profilesRotate, [{ name: 'prod' }]],
  ['a rotation of a name of 10,000 characters', CHANNELS.profilesRotate, ['p'.repeat(10_000)]],
  ['a timeline of 1,000,000 buckets', CHANNELS.historyTimeline, [{}, 1_000_000]],
  ['a timeline of no buckets', CHANNELS.historyTimeline, [{}, 0]],
  ['a timeline filter with an unknown key', CHANNELS.historyTimeline, [{ where: '1=1' }, 10]],
  ['an entry number that is text', CHANNELS.historyEntry, ['7; rm -rf ~']],
  ['an entry number of 0', CHANNELS.historyEntry, [0]],
  ['a fractional entry number', CHANNELS.historyEntry, [1.5]],
  ['an argument to activity', CHANNELS.historyActivity, ['prod']],
  ['a menu path that is no index', CHANNELS.controlClick, [['8'], '5 min']],
  ['an empty menu path', CHANNELS.controlClick, [[], 'Quit']],
  ['a menu path deeper than any menu', CHANNELS.controlClick, [[0, 0, 0, 0, 0], 'Quit']],
  ['a menu item with no label', CHANNELS.controlClick, [[1]]],
  ['an approval scope that does not exist', CHANNELS.approvalAnswer, [{ id: 1, allow: true, scope: 'forever' }]],
  [
    'an approval answer with an extra field',
    CHANNELS.approvalAnswer,
    [{ id: 1, allow: true, scope: 'once', rememberMinutes: 1440 }],
  ],
  ['an approval answer for request 0', CHANNELS.approvalAnswer, [{ id: 0, allow: true, scope: 'once' }]],
  [
    'an MFA code of 100 characters',
    CHANNELS.approvalAnswer,
    [{ id: 1, allow: true, scope: 'once', mfaCode: '1'.repeat(100) }],
  ],
];

describe('registerIpc', () => {
  it('handles every invoke channel of the contract, and only those, and removes them on dispose', () => {
    const { ipc, dispose } = setup();
    assert.deepEqual([...ipc.handlers.keys()].sort(), [...invokeChannels].sort());
    assert.deepEqual([...INVOKE_CHANNELS].sort(), [...invokeChannels].sort());
    dispose();
    assert.equal(ipc.handlers.size, 0);
  });

  for (const [channel, args, method, expected] of GOOD) {
    it(`${channel}: a valid call from the app's page reaches the service and answers ok`, async () => {
      const { invoke, calls } = setup();
      const reply = await invoke(channel, args);
      assert.equal(reply.ok, true, JSON.stringify(reply));
      assert.deepEqual(calls, [[method, expected]]);
    });
  }

  it('refuses every channel to a foreign page, a subframe and a missing frame, with a warning and no service call', async () => {
    const { invoke, calls, warnings } = setup();
    for (const channel of invokeChannels) {
      for (const from of [frame('https://evil.example/'), frame(APP_PAGE, false), null]) {
        const reply = await invoke(channel, GOOD.find((g) => g[0] === channel)![1], from);
        assert.deepEqual(reply, {
          ok: false,
          error: { code: 'FORBIDDEN', message: 'this page may not use tray-cred' },
        });
      }
    }
    assert.deepEqual(calls, []);
    assert.equal(warnings.length, invokeChannels.length * 3);
    assert.match(warnings[0]!, /refused state:get .*https:\/\/evil\.example/);
    assert.match(warnings[2]!, /no frame/);
  });

  it('refuses when the sender check itself throws (a destroyed frame)', async () => {
    const { invoke, calls, warnings } = setup({}, {}, () => {
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    });
    const reply = await invoke(CHANNELS.stateGet, []);
    assert.equal(reply.ok === false && reply.error.code, 'FORBIDDEN');
    assert.deepEqual(calls, []);
    assert.equal(warnings.length, 1);
  });

  for (const [what, channel, args] of BAD) {
    it(`${channel}: refuses ${what} with BAD_REQUEST before the service`, async () => {
      const { invoke, calls, opened } = setup();
      const reply = await invoke(channel, args);
      assert.equal(reply.ok, false);
      if (reply.ok) return;
      assert.equal(reply.error.code, 'BAD_REQUEST');
      assert.match(reply.error.message, new RegExp(`sent ${channel} a request`));
      assert.ok(!reply.error.message.includes(SECRET), 'the message never repeats a secret');
      assert.deepEqual(calls, []);
      assert.deepEqual(opened, [], 'no dialog opens for a bad request');
    });
  }

  it('a cancelled save or open dialog answers without calling the service', async () => {
    const { invoke, calls, opened } = setup(
      {},
      { saveFile: () => Promise.resolve(undefined), openFile: () => Promise.resolve(undefined) },
    );
    assert.deepEqual(await invoke(CHANNELS.historyExport, [{}, 'json']), {
      ok: true,
      value: { saved: false, rows: 0 },
    });
    assert.deepEqual(await invoke(CHANNELS.profilesImport, []), {
      ok: true,
      value: { canceled: true, file: null, imported: [], skipped: [] },
    });
    assert.deepEqual(calls, []);
    assert.deepEqual(opened, []);
  });

  it('passes an expected error on as its code and message, and hides anything else behind INTERNAL, never with a stack', async () => {
    const { invoke, warnings } = setup({
      profiles: {
        list: () =>
          Promise.reject(new TrayCredError('LOCKED', 'tray-cred is locked: choose Unlock from the tray menu')),
      },
      history: { verify: () => Promise.reject(new Error(`EACCES reading /home/ann/secret ${SECRET}`)) },
    });
    assert.deepEqual(await invoke(CHANNELS.profilesList, []), {
      ok: false,
      error: { code: 'LOCKED', message: 'tray-cred is locked: choose Unlock from the tray menu' },
    });
    const reply = await invoke(CHANNELS.historyVerify, []);
    assert.equal(reply.ok, false);
    if (reply.ok) return;
    assert.deepEqual(Object.keys(reply.error).sort(), ['code', 'message']);
    assert.equal(reply.error.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(reply), /EACCES|EXAMPLEKEY|\n\s+at /);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /history:verify failed: Error: EACCES/, 'the log gets the detail');
  });
});

describe("registerIpc with the real windows' services", async () => {
  const w = await makeWorld();
  after(() => w.close());
  const service = windowServices(w);
  const ipc = new FakeIpcMain();
  const warnings: string[] = [];
  registerIpc(
    ipc as IpcMainLike,
    service,
    { saveFile: async () => undefined, openFile: async () => undefined },
    trusted,
    (m) => warnings.push(m),
  );
  const invoke = async (channel: string, ...args: unknown[]) =>
    (await ipc.handlers.get(channel)!(
      { senderFrame: frame(APP_PAGE) } as unknown as IpcMainInvokeEvent,
      ...args,
    )) as IpcReply<unknown>;

  it('locked: a save is refused with LOCKED and the fix; unlocked: it is stored and answered without the secret', async () => {
    const locked = await invoke(CHANNELS.profilesSave, profileInput);
    assert.equal(locked.ok === false && locked.error.code, 'LOCKED');
    assert.match(locked.ok === false ? locked.error.message : '', /Unlock/);
    assert.deepEqual(await invoke(CHANNELS.stateUnlock), {
      ok: true,
      value: { locked: false, pending: 0, profiles: 0 },
    });
    const saved = await invoke(CHANNELS.profilesSave, profileInput);
    assert.equal(saved.ok, true);
    assert.equal(saved.ok && (saved.value as { name: string }).name, 'dev');
    assert.doesNotMatch(JSON.stringify(saved), /EXAMPLEKEY|AKIAIOSFODNN7EXAMPLE/);
    const page = await invoke(CHANNELS.historyQuery, { events: 'all' }, 0, 10);
    assert.deepEqual(page.ok && (page.value as { rows: { event: string }[] }).rows.map((r) => r.event), [
      'add',
      'unlock',
    ]);
    assert.deepEqual(warnings, []);
  });

  it('Rotate now of a profile that is not there is refused through the broker with its code and the fix, not INTERNAL', async () => {
    const reply = await invoke(CHANNELS.profilesRotate, 'ghost');
    assert.equal(reply.ok, false);
    assert.ok(!reply.ok && reply.error.code !== 'INTERNAL', JSON.stringify(reply));
    assert.match(!reply.ok ? reply.error.message : '', /ghost/);
    assert.deepEqual(warnings, []);
  });
});

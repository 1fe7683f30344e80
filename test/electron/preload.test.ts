import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_KEY, CHANNELS, type TrayCredApi } from '../../preload/api.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
await import('../../preload/preload.ts');
const ipc = electron.ipcRenderer;
const api = electron.contextBridge.exposed.get(API_KEY) as TrayCredApi;

describe('preload', () => {
  it('exposes exactly one frozen object, window.trayCred, with the TrayCredApi methods and nothing else', () => {
    assert.deepEqual([...electron.contextBridge.exposed.keys()], [API_KEY]);
    assert.ok(Object.isFrozen(api));
    assert.deepEqual(Object.keys(api).sort(), ['approval', 'control', 'history', 'profiles', 'state']);
    assert.deepEqual(Object.keys(api.control).sort(), ['click', 'menu']);
    assert.deepEqual(Object.keys(api.approval).sort(), ['answer', 'current', 'onChanged']);
    assert.deepEqual(Object.keys(api.state).sort(), ['get', 'onChanged', 'unlock']);
    assert.deepEqual(Object.keys(api.history).sort(), [
      'activity',
      'entry',
      'export',
      'onChanged',
      'query',
      'timeline',
      'verify',
    ]);
    assert.deepEqual(Object.keys(api.profiles).sort(), [
      'importFile',
      'list',
      'onChanged',
      'remove',
      'rotate',
      'save',
      'setPolicy',
    ]);
    for (const group of Object.values(api)) {
      assert.ok(Object.isFrozen(group));
      for (const member of Object.values(group as object)) assert.equal(typeof member, 'function');
    }
    assert.throws(() => {
      (api as unknown as { ipc: unknown }).ipc = ipc;
    }, TypeError);
  });

  it("invokes the channel with the method's arguments and unwraps the value", async () => {
    ipc.reply = (channel) => ({ ok: true, value: { channel } });
    const filter = { profile: 'prod' };
    assert.deepEqual(await api.history.query(filter, 100, 50), { channel: CHANNELS.historyQuery });
    await api.profiles.remove('old');
    await api.history.export(filter, 'csv');
    await api.history.timeline(filter, 240);
    await api.history.entry(7);
    await api.history.activity();
    await api.profiles.rotate('prod');
    assert.deepEqual(ipc.invoked.slice(-7), [
      { channel: CHANNELS.historyQuery, args: [filter, 100, 50] },
      { channel: CHANNELS.profilesRemove, args: ['old'] },
      { channel: CHANNELS.historyExport, args: [filter, 'csv'] },
      { channel: CHANNELS.historyTimeline, args: [filter, 240] },
      { channel: CHANNELS.historyEntry, args: [7] },
      { channel: CHANNELS.historyActivity, args: [] },
      { channel: CHANNELS.profilesRotate, args: ['prod'] },
    ]);
  });

  it('turns an error reply into a rejected plain { code, message } that crosses the contextBridge whole', async () => {
    ipc.reply = () => ({
      ok: false,
      error: { code: 'LOCKED', message: 'tray-cred is locked: choose Unlock from the tray menu' },
    });
    await assert.rejects(api.profiles.list(), (e: unknown) => {
      // An Error would lose every property but its message on the way to the page.
      assert.ok(!(e instanceof Error), 'a plain object, not an Error');
      assert.deepEqual(e, { code: 'LOCKED', message: 'tray-cred is locked: choose Unlock from the tray menu' });
      assert.ok(Object.isFrozen(e));
      return true;
    });
    ipc.reply = () => undefined;
    await assert.rejects(
      api.state.get(),
      (e: unknown) =>
        (e as { code?: string }).code === 'INTERNAL' && /cannot read/.test((e as { message: string }).message),
    );
  });

  it('gives on*Changed listeners the payload only, never the IPC event, and unsubscribes', () => {
    const states: unknown[][] = [];
    const pings: unknown[][] = [];
    const stopState = api.state.onChanged((...args) => states.push(args));
    const stopHistory = api.history.onChanged((...args: unknown[]) => pings.push(args));
    const event = { sender: ipc, senderId: 0 };
    ipc.emit(CHANNELS.stateChanged, event, { locked: false, pending: 1, profiles: 2 });
    ipc.emit(CHANNELS.historyChanged, event);
    assert.deepEqual(states, [[{ locked: false, pending: 1, profiles: 2 }]]);
    assert.deepEqual(pings, [[]]);
    stopState();
    stopHistory();
    ipc.emit(CHANNELS.stateChanged, event, { locked: true, pending: 0, profiles: 0 });
    ipc.emit(CHANNELS.historyChanged, event);
    assert.equal(states.length, 1);
    assert.equal(pings.length, 1);
    assert.equal(ipc.listenerCount(CHANNELS.stateChanged), 0);
  });
});

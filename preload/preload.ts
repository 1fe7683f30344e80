/**
 * The windows' preload (bundled to CommonJS: sandboxed preloads cannot be ES modules). It exposes
 * exactly one frozen object, `window.trayCred`, implementing TrayCredApi over `ipcRenderer`, and
 * nothing else: the page never sees ipcRenderer, an IpcRendererEvent or a channel it did not ask for.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  API_KEY,
  CHANNELS,
  type ApiFailure,
  type AppState,
  type ApprovalView,
  type ControlMenuItem,
  type IpcReply,
  type TrayCredApi,
} from './api.ts';

/** A rejection the page can read: a frozen plain object, which crosses the contextBridge whole. */
function failure(code: ApiFailure['code'], message: string): Promise<never> {
  const reason: ApiFailure = Object.freeze({ code, message });
  // Not an Error: an Error would reach the page as its message alone.
  return Promise.reject(reason);
}

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as IpcReply<T> | undefined;
  if (!reply || typeof reply !== 'object' || typeof reply.ok !== 'boolean')
    return failure('INTERNAL', `tray-cred answered ${channel} with something this window cannot read`);
  if (!reply.ok) return failure(reply.error.code, reply.error.message);
  return reply.value;
}

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  // The event carries `sender` (the ipcRenderer itself): it must not reach the page.
  const forward = (_event: IpcRendererEvent, payload: T): void => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const api: TrayCredApi = {
  state: Object.freeze({
    get: () => call<AppState>(CHANNELS.stateGet),
    unlock: () => call<AppState>(CHANNELS.stateUnlock),
    onChanged: (listener: (state: AppState) => void) =>
      subscribe<AppState>(CHANNELS.stateChanged, (state) => listener(state)),
  }),
  history: Object.freeze({
    query: (filter, offset, limit) => call(CHANNELS.historyQuery, filter, offset, limit),
    verify: () => call(CHANNELS.historyVerify),
    timeline: (filter, buckets) => call(CHANNELS.historyTimeline, filter, buckets),
    entry: (seq) => call(CHANNELS.historyEntry, seq),
    activity: () => call(CHANNELS.historyActivity),
    export: (filter, format) => call(CHANNELS.historyExport, filter, format),
    onChanged: (listener: () => void) => subscribe(CHANNELS.historyChanged, () => listener()),
  } satisfies TrayCredApi['history']),
  profiles: Object.freeze({
    list: () => call(CHANNELS.profilesList),
    save: (input) => call(CHANNELS.profilesSave, input),
    remove: (name) => call<void>(CHANNELS.profilesRemove, name),
    setPolicy: (input) => call(CHANNELS.profilesSetPolicy, input),
    importFile: () => call(CHANNELS.profilesImport),
    rotate: (name) => call(CHANNELS.profilesRotate, name),
    onChanged: (listener: () => void) => subscribe(CHANNELS.profilesChanged, () => listener()),
  } satisfies TrayCredApi['profiles']),
  control: Object.freeze({
    menu: () => call<ControlMenuItem[]>(CHANNELS.controlMenu),
    click: (path, label) => call<void>(CHANNELS.controlClick, path, label),
  } satisfies TrayCredApi['control']),
  approval: Object.freeze({
    current: () => call<ApprovalView | null>(CHANNELS.approvalGet),
    answer: (choice) => call<void>(CHANNELS.approvalAnswer, choice),
    onChanged: (listener: () => void) => subscribe(CHANNELS.approvalChanged, () => listener()),
  } satisfies TrayCredApi['approval']),
};

contextBridge.exposeInMainWorld(API_KEY, Object.freeze(api));

import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import type * as z from 'zod/mini';
import type {
  ApprovalChoice,
  ApprovalView,
  ExportFormat,
  ExportResult,
  ImportResult,
  IpcReply,
} from '../../preload/api.ts';
import type { ControlService } from '../node/app/control-service.ts';
import type { HistoryService } from '../node/app/history-service.ts';
import type { ProfilesService } from '../node/app/profiles-service.ts';
import { TrayCredError } from '../core/errors.ts';
import { ENGLISH } from '../core/zod-english.ts';
import { PAYLOADS, type InvokeChannel } from './ipc-schemas.ts';

/** The part of `ipcMain` this needs, so tests can pass a plain object. */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

/**
 * What the windows may call in main, one service per window (the Electron-free services of
 * main/node/app, or stand-ins with their methods): the control window's and the state every
 * window shows, the History window's, the Profiles window's, and the approval window's (the
 * request on screen and the answer to it: the WindowApprover itself).
 */
export interface IpcServices {
  control: Pick<ControlService, 'state' | 'unlock' | 'menu' | 'click'>;
  history: Pick<HistoryService, 'query' | 'verify' | 'export' | 'timeline' | 'entry'>;
  profiles: Pick<ProfilesService, 'list' | 'save' | 'remove' | 'setPolicy' | 'importFile' | 'rotate' | 'activity'>;
  approval: { current(): ApprovalView | null; answer(choice: ApprovalChoice): void };
}

/** Native file dialogs, shown by main: a page never names a path itself. `undefined` when cancelled. */
export interface IpcDialogs {
  saveFile(defaultName: string, format: ExportFormat): Promise<string | undefined>;
  openFile(): Promise<string | undefined>;
}

type Args<C extends InvokeChannel> = z.infer<(typeof PAYLOADS)[C]>;
type Handlers = { [C in InvokeChannel]: (args: Args<C>) => unknown };

/** Every invoke channel registered by {@link registerIpc}: each CHANNELS entry but the `*:changed` pushes. */
export const INVOKE_CHANNELS = Object.keys(PAYLOADS) as InvokeChannel[];

const MESSAGE_MAX = 300;

function clip(text: string): string {
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX)}…` : text;
}

function handlers({ control, history, profiles, approval }: IpcServices, dialogs: IpcDialogs): Handlers {
  return {
    'state:get': () => control.state(),
    'state:unlock': () => control.unlock(),
    'history:query': ([filter, offset, limit]) => history.query(filter, offset, limit),
    'history:verify': () => history.verify(),
    'history:timeline': ([filter, buckets]) => history.timeline(filter, buckets),
    'history:entry': ([seq]) => history.entry(seq),
    'history:activity': () => profiles.activity(),
    'history:export': async ([filter, format]): Promise<ExportResult> => {
      const path = await dialogs.saveFile(`tray-cred-history.${format}`, format);
      if (path === undefined) return { saved: false, rows: 0 };
      return history.export(filter, format, path);
    },
    'profiles:list': () => profiles.list(),
    'profiles:save': ([input]) => profiles.save(input),
    'profiles:remove': ([name]) => profiles.remove(name),
    'profiles:set-policy': ([input]) => profiles.setPolicy(input),
    'profiles:import': async (): Promise<ImportResult> => {
      const path = await dialogs.openFile();
      if (path === undefined) return { canceled: true, file: null, imported: [], skipped: [] };
      return profiles.importFile(path);
    },
    'profiles:rotate': ([name]) => profiles.rotate(name),
    'control:menu': () => control.menu(),
    'control:click': ([path, label]) => control.click(path, label),
    'approval:get': () => approval.current(),
    'approval:answer': ([choice]) => approval.answer(choice),
  };
}

/**
 * Registers every `ipcMain.handle` of the windows' API through one wrapper, which refuses a
 * sender frame that is missing or not the app's own page for that channel (FORBIDDEN, and a
 * warning: only the approval window may answer approvals),
 * refuses arguments that do not fit the channel's schema (BAD_REQUEST), and answers with an
 * {@link IpcReply}: a value, or a code and a message, never a stack or a cause. Returns the
 * function that removes the handlers.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  services: IpcServices,
  dialogs: IpcDialogs,
  isTrustedSender: (frame: WebFrameMain | null, channel: InvokeChannel) => boolean,
  warn: (message: string) => void,
): () => void {
  const table = handlers(services, dialogs);
  const trusted = (event: IpcMainInvokeEvent, channel: InvokeChannel): boolean => {
    try {
      return isTrustedSender(event.senderFrame ?? null, channel);
    } catch {
      return false; // a frame that cannot even be inspected is not trusted
    }
  };
  for (const channel of INVOKE_CHANNELS) {
    const run = table[channel] as (args: unknown) => unknown;
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<IpcReply<unknown>> => {
      if (!trusted(event, channel)) {
        let url = 'no frame';
        try {
          url = event.senderFrame?.url ?? 'no frame';
        } catch {
          // a destroyed frame throws on access; the warning still says which channel
        }
        warn(`refused ${channel} from a frame that is not one of tray-cred's windows (${clip(url)})`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'this page may not use tray-cred' } };
      }
      const parsed = PAYLOADS[channel].safeParse(args, ENGLISH);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? issue.path.join('.') : 'arguments';
        return {
          ok: false,
          error: {
            code: 'BAD_REQUEST',
            message: clip(
              `the window sent ${channel} a request tray-cred cannot use (${where}: ${issue?.message ?? 'invalid'})`,
            ),
          },
        };
      }
      try {
        return { ok: true, value: await run(parsed.data) };
      } catch (error) {
        if (error instanceof TrayCredError && error.code !== 'INTERNAL')
          return { ok: false, error: { code: error.code, message: error.message } };
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        warn(`${channel} failed: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
        const message =
          error instanceof TrayCredError
            ? error.message
            : "tray-cred hit an internal error; the app's log has the details";
        return { ok: false, error: { code: 'INTERNAL', message } };
      }
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/**
 * Runs a bundled tray app (dist/app/main.mjs) under Node with the electron stand-in, and lets a
 * test act as the user over stdin/stdout, one JSON line each way:
 *   {"op":"box","n":2}            waits for the 2nd message box; answers its message, detail, buttons
 *   {"op":"click","n":2,"label":"Allow once"}
 *   {"op":"tray","icon":"tray-unlocked.png"}   waits for that icon; answers icon, tooltip, menu labels
 *   {"op":"menu","label":"Lock"}  clicks a tray menu item
 *   {"op":"approval","id":1}      waits for approval request `id` in the approval window; answers its view (asked as the page asks)
 *   {"op":"answer","choice":{...}} answers from the approval window's page, through the IPC handler
 *   {"op":"emit","event":"activate"}  the OS emits an app event (macOS relaunch from Finder: activate)
 *   {"op":"late"}                 calls that should have come before `ready` but came after it
 *   {"op":"page","label":"control.html","channel":"control:menu","args":[]}  invokes a channel as that page's top frame would
 *   {"op":"close","label":"control.html"}  the person closes that window (as Electron: close, then closed)
 *   {"op":"quit"}                 app.quit() as Electron runs it (before-quit, prevented by the app until the agent stopped)
 * Usage: node test/fakes/app-driver.ts dist/app/main.mjs
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { useElectronStandIn } from './electron-hooks.ts';

useElectronStandIn();
const electron = await import('./electron-stand-in.ts');
const say = (answer: unknown): void => void process.stdout.write(`${JSON.stringify(answer)}\n`);

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** Invokes a channel as the approval page would: the sender frame is the approval window's top frame. */
async function fromApprovalPage(channel: string, ...args: unknown[]): Promise<unknown> {
  const win = electron.BrowserWindow.getAllWindows().find((w) => w.loaded?.endsWith('approval.html'));
  if (!win) throw new Error('no approval window is open');
  const handler = electron.ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler({ senderFrame: win.webContents.mainFrame }, ...args);
}

// As Electron: `ready` once the main module (with its top-level await) has been evaluated.
await electron.app.runMain(() => import(pathToFileURL(resolve(process.argv[2]!)).href), resolve(process.argv[2]!));
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as {
    op: string;
    n?: number;
    label?: string;
    icon?: string;
    id?: number;
    choice?: unknown;
    channel?: string;
    args?: unknown[];
  };
  try {
    switch (command.op) {
      case 'box': {
        const box = await electron.dialog.untilShown(command.n);
        say({ message: box.options.message, detail: box.options.detail, buttons: box.options.buttons });
        break;
      }
      case 'click':
        electron.dialog.boxes[command.n! - 1]!.click(command.label!);
        say({ ok: true });
        break;
      case 'tray': {
        const tray = () => electron.Tray.instances[0];
        await until(`tray icon ${command.icon}`, () => tray()?.image.path.endsWith(`/${command.icon}`) ?? false);
        say({
          icon: tray()!.image.path,
          tooltip: tray()!.tooltip,
          labels: tray()!.menu!.template.map((i) => i.label ?? '---'),
        });
        break;
      }
      case 'menu':
        electron.clickMenu(electron.Tray.instances[0]!.menu, command.label!);
        say({ ok: true });
        break;
      case 'approval': {
        let view: { ok: boolean; value?: { id: number } | null } = { ok: false };
        await until(`approval request ${command.id}`, () => {
          void fromApprovalPage('approval:get').then(
            (v) => (view = v as typeof view),
            () => undefined,
          );
          return view.ok && view.value?.id === command.id;
        });
        say(view.value);
        break;
      }
      case 'answer':
        say(await fromApprovalPage('approval:answer', command.choice));
        break;
      case 'emit':
        electron.app.emit(command.label!);
        say({ ok: true });
        break;
      // ---- the control window (issue 25) ----
      case 'page': {
        const win = electron.BrowserWindow.getAllWindows().find((w) => w.loaded?.endsWith(`/${command.label}`));
        const handler = electron.ipcMain.handlers.get(command.channel!);
        if (!win || !handler) throw new Error(`no open ${command.label} or no handler for ${command.channel}`);
        say(await handler({ senderFrame: win.webContents.mainFrame }, ...(command.args ?? [])));
        break;
      }
      case 'close': {
        const win = electron.BrowserWindow.getAllWindows().find((w) => w.loaded?.endsWith(`/${command.label}`));
        win?.close();
        await until(`${command.label} closed`, () => win?.isDestroyed() ?? true);
        say({ ok: true });
        break;
      }
      // ---- end control window ----
      case 'late':
        say({
          lateCalls: electron.app.lateCalls,
          userData: electron.app.userData,
          appPath: electron.app.getAppPath(),
          menu: electron.Menu.applicationMenu === null ? null : 'set',
          windows: electron.BrowserWindow.getAllWindows().map((w) => w.loaded?.split('/').at(-1)),
        });
        break;
      case 'quit': {
        electron.app.quit();
        await until('the quit after the agent stopped', () => electron.app.quitted);
        say({ quitCalls: electron.app.quitCalls });
        process.exit(0);
      }
    }
  } catch (error) {
    say({ error: (error as Error).message });
  }
}

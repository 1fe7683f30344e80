/**
 * Runs a bundled tray app (dist/app/main.mjs) under Node with the electron stand-in, and lets a
 * test act as the user over stdin/stdout, one JSON line each way:
 *   {"op":"box","n":2}            waits for the 2nd message box; answers its message, detail, buttons
 *   {"op":"click","n":2,"label":"Allow once"}
 *   {"op":"tray","icon":"tray-unlocked.png"}   waits for that icon; answers icon, tooltip, menu labels
 *   {"op":"menu","label":"Lock"}  clicks a tray menu item
 *   {"op":"quit"}                 quits as Electron does (before-quit, then again once app.quit() is called)
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

await import(pathToFileURL(resolve(process.argv[2]!)).href);
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: string; n?: number; label?: string; icon?: string };
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
        say({ icon: tray()!.image.path, tooltip: tray()!.tooltip, labels: tray()!.menu!.template.map((i) => i.label ?? '---') });
        break;
      }
      case 'menu':
        electron.clickMenu(electron.Tray.instances[0]!.menu, command.label!);
        say({ ok: true });
        break;
      case 'quit': {
        let prevented = false;
        electron.app.emit('before-quit', { preventDefault: () => (prevented = true) });
        await until('app.quit() after the stop', () => electron.app.quitCalls > 0);
        electron.app.emit('before-quit', { preventDefault: () => (prevented = false) });
        say({ prevented, quitCalls: electron.app.quitCalls });
        process.exit(0);
      }
    }
  } catch (error) {
    say({ error: (error as Error).message });
  }
}

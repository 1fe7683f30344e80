/**
 * The packaged tray app in the real Electron runtime, through Playwright's Electron launcher: the
 * release workflow builds the installers, then runs the smoke test with TRAY_CRED_APP set to the
 * unpacked app's executable (under xvfb and a private D-Bus session with gnome-keyring on Linux:
 * build/smoke.sh).
 *
 * Playwright drives the main process through Node's inspector, which the package's
 * EnableNodeCliInspectArguments fuse turns off; before launching, this turns that one fuse back
 * on in the unpacked folder (the installers were made from it before), as Playwright's
 * documentation asks, and re-signs it ad hoc on macOS. Every other fuse stays as packaged.
 * Native dialogs and the tray are outside what Playwright sees: the vault is made beforehand by
 * the CLI (no first-run dialog), and the tray's presence on macOS and Windows is not asserted.
 */
import { createRequire } from 'node:module';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import type { AppUnderTest, Shown } from './smoke-world.ts';

const require = createRequire(import.meta.url);
// @electron/fuses is CommonJS whose enums an ESM import does not see by name.
const fuses = require('@electron/fuses') as {
  flipFuses(path: string, config: Record<string | number, unknown>): Promise<number>;
  FuseV1Options: Record<'EnableNodeCliInspectArguments', number>;
  FuseVersion: Record<'V1', string>;
};

/** Turns the inspect fuse on (Playwright's Electron launcher needs Node's inspector); again is harmless. */
async function allowInspector(executablePath: string): Promise<void> {
  await fuses.flipFuses(executablePath, {
    version: fuses.FuseVersion.V1,
    resetAdHocDarwinSignature: process.platform === 'darwin',
    [fuses.FuseV1Options.EnableNodeCliInspectArguments]: true,
  });
}

const pageName = (page: Page): string => page.url().split(/[\\/]/).at(-1) ?? '';

async function pageOf(app: ElectronApplication, name: string, limitMs = 30_000): Promise<Page> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const page = app.windows().find((p) => pageName(p) === name);
    if (page) return page;
    if (Date.now() > deadline)
      throw new Error(`no ${name} window after ${limitMs / 1000} s; open: ${app.windows().map(pageName).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stringsOnly = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

export async function startElectronApp(executablePath: string, env: NodeJS.ProcessEnv): Promise<AppUnderTest> {
  await allowInspector(executablePath);
  const app = await _electron.launch({ executablePath, args: [], env: stringsOnly(env), timeout: 60_000 });
  const stderr: string[] = [];
  app.process().stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((r) => app.process().on('exit', (code) => r(code)));

  return {
    runtime: `Electron ${await app.evaluate(() => process.versions.electron)} (${executablePath})`,
    async shown(): Promise<Shown> {
      // Linux in a D-Bus session with no tray host (StatusNotifierWatcher): the control window stands in for the tray.
      if (process.platform === 'linux') await pageOf(app, 'control.html');
      return { windows: app.windows().map(pageName), trayMenu: undefined };
    },
    async allowOnce(profile) {
      const page = await pageOf(app, 'approval.html');
      await page.locator('#question', { hasText: profile }).waitFor({ timeout: 30_000 });
      // Allow is armed 0.7 s after the request shows (renderer/approval.ts); the click waits for it.
      await page.locator('#allow').click({ timeout: 30_000 });
    },
    async openHistory() {
      // From the menu, as a person would: on a desktop without a tray host (xvfb has none) the
      // control window shows the tray's menu, and a second start reopens that window, not History.
      const control = await pageOf(app, 'control.html');
      await control.getByText('Open Access History…').click({ timeout: 30_000 });
      const page = await pageOf(app, 'history.html');
      await page.locator('#rows .row').first().waitFor({ timeout: 30_000 });
      return { windows: app.windows().map(pageName), rows: await page.locator('#rows .row').allTextContents() };
    },
    async quit() {
      // Playwright's close runs app.quit() in the main process and waits for the process to end.
      await app.close();
      return exited;
    },
    log: () => stderr.join(''),
    kill: () => void app.process().kill('SIGKILL'),
  };
}

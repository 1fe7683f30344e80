import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { ProfileAdmin } from '../../main/core/vault/admin.ts';
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { useElectronStandIn } from '../fakes/electron-hooks.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { makeWorld } from '../fakes/world.ts';

useElectronStandIn();
const electron = await import('../fakes/electron-stand-in.ts');
const { AppTray, trayIconFile } = await import('../../main/electron/tray/tray.ts');
const { trayHandlers } = await import('../../main/electron/tray/tray-handlers.ts');
const { AppSettings } = await import('../../main/electron/settings.ts');
const { WindowApprover } = await import('../../main/electron/approval-window.ts');

const ICONS = join(import.meta.dirname, '../../build/tray');
/** The locked icon per platform with a light theme: macOS a template, Windows the dark glyph, Linux the light one with a dark edge (any panel). */
const LOCKED: Record<string, string> = {
  darwin: 'tray-lockedTemplate.png',
  win32: 'tray-locked.png',
  linux: 'tray-locked-outline.png',
};
const iconOf = (platform: string, state: string) => LOCKED[platform]!.replace('locked', state);

const caller = { pid: 300, ppid: 200, command: 'aws s3 ls', cwd: '/home/ann' };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

for (const platform of ['darwin', 'win32', 'linux'] as const)
  describe(`AppTray on ${platform}`, () => {
    let w: Awaited<ReturnType<typeof makeWorld>>;
    let approver: InstanceType<typeof WindowApprover>;
    let settings: InstanceType<typeof AppSettings>;
    let tray: InstanceType<typeof AppTray>;
    const opened: string[] = [];
    const quits: number[] = [];

    const warnings: string[] = [];
    let locking: Promise<unknown> = Promise.resolve();
    function makeTray(iconDir = ICONS): InstanceType<typeof AppTray> {
      const history = new HistoryIndex({ fs: w.fs }, w.audit.dir);
      return new AppTray({
        broker: w.broker,
        prompts: approver,
        audit: w.audit,
        recent: async () => {
          await history.refresh();
          return history.recent(5);
        },
        settings,
        iconDir,
        platform,
        warn: (m) => warnings.push(m),
        handlers: trayHandlers({
          // The lock's audit write finishes after the icon changes: kept, so the world is not removed under it.
          broker: { lock: (reason) => (locking = w.broker.lock(reason)) },
          settings,
          windows: { show: (kind) => opened.push(kind) },
          approvals: approver,
          unlock: () => w.broker.unlock(),
          installHelper: async () => undefined,
          quit: () => quits.push(1),
          warn: (m) => assert.fail(m),
        }),
      });
    }
    const native = () => electron.Tray.instances.at(-1)!;
    const icon = () => basename(native().image.path);
    const labels = () => native().menu!.template.map((i) => i.label ?? '---');

    beforeEach(async () => {
      electron.reset({ platform });
      opened.length = 0;
      warnings.length = 0;
      approver = new WindowApprover({
        surface: { open: () => new electron.BrowserWindow({}) as never, changed: () => undefined },
        platform,
      });
      w = await makeWorld({ approver });
      const key = await w.vault.loadMasterKey();
      await new ProfileAdmin(w.vault, w.audit).import(
        key,
        new Map([
          ['dev', DEV_KEYS],
          ['prod', PROD_KEYS],
        ]),
        { replace: false, source: 'test', sessionMode: false },
      );
      settings = new AppSettings(join(w.dir, 'data'), {
        platform: 'linux',
        env: { XDG_CONFIG_HOME: join(w.dir, 'config') },
        warn: (m) => assert.fail(m),
      });
      tray = makeTray();
    });
    afterEach(async () => {
      tray.destroy();
      await locking;
      await w.close();
      assert.deepEqual(warnings, []);
    });

    it('names the icon file per state, theme and platform', () => {
      assert.equal(trayIconFile('locked', platform, false), LOCKED[platform]);
      assert.equal(
        trayIconFile('unlocked', platform, true),
        { darwin: 'tray-unlockedTemplate.png', linux: 'tray-unlocked-outline.png', win32: 'tray-unlocked-dark.png' }[
          platform
        ],
      );
    });

    it('warns that the icon is invisible when its file is missing (Electron makes an empty image, not an error)', () => {
      tray.destroy();
      tray = makeTray(join(w.dir, 'no-icons'));
      assert.equal(native().image.isEmpty(), true);
      assert.match(
        warnings.join('\n'),
        /tray icon .*no-icons.* is missing or unreadable, so the tray icon is invisible: reinstall tray-cred/,
      );
      warnings.length = 0;
    });

    it('shows locked, then unlocked after Unlock is clicked, then locked again after Lock, with the audit entries', async () => {
      assert.equal(icon(), iconOf(platform, 'locked'));
      assert.equal(native().image.path, join(ICONS, iconOf(platform, 'locked')));
      assert.equal(native().image.isEmpty(), false);
      assert.equal(native().tooltip, 'tray-cred: locked');
      electron.clickMenu(native().menu, 'Unlock');
      await until('unlocked icon', () => icon() === iconOf(platform, 'unlocked'));
      assert.equal(labels()[0], 'Lock');
      assert.equal(native().tooltip, 'tray-cred: unlocked, 2 profile(s)');
      electron.clickMenu(native().menu, 'Lock');
      await until('locked icon', () => icon() === iconOf(platform, 'locked'));
      assert.equal(labels()[0], 'Unlock');
      const events = (await w.entries()).map((e) => [e.event, e.reason ?? '']);
      assert.deepEqual(events.slice(-2), [
        ['unlock', ''],
        ['lock', 'locked from the tray menu'],
      ]);
    });

    it('shows the waiting icon and item while a prompt is open, and the access under recent ones once answered', async () => {
      await w.broker.unlock();
      const pending = w.handle({ v: 1, id: 'r1', op: 'credentials', profile: 'prod', caller });
      await until('the approval window', () => approver.current() !== null);
      assert.equal(icon(), iconOf(platform, 'pending'));
      assert.ok(labels().includes('Waiting for approval: prod (aws s3 ls)'), labels().join(' | '));
      assert.match(native().tooltip, /1 request waiting for approval/);
      const win = electron.BrowserWindow.instances.at(-1)!;
      const before = win.focused;
      electron.clickMenu(native().menu, 'Waiting for approval: prod (aws s3 ls)');
      assert.equal(win.focused, before + 1, 'the item brings the approval window to the front');
      approver.answer({ id: approver.current()!.id, allow: true, scope: 'once' });
      assert.ok((await pending).ok);
      await until('recent access', () => labels().some((l) => l.startsWith('prod — aws s3 ls — approved — ')));
      assert.equal(icon(), iconOf(platform, 'unlocked'));
      assert.ok(!labels().some((l) => l.startsWith('Waiting')));
      electron.clickMenu(native().menu, labels().find((l) => l.startsWith('prod — '))!);
      assert.deepEqual(opened, ['history']);
    });

    it('follows the theme where the bar follows it: Windows by its taskbar, Linux one glyph for any panel, macOS a template', () => {
      electron.nativeTheme.shouldUseDarkColors = true;
      electron.nativeTheme.shouldUseDarkColorsForSystemIntegratedUI = true;
      electron.nativeTheme.emit('updated');
      const dark = {
        darwin: 'tray-lockedTemplate.png',
        linux: 'tray-locked-outline.png',
        win32: 'tray-locked-dark.png',
      };
      assert.equal(icon(), dark[platform]);
      assert.equal(native().image.template, platform === 'darwin');
    });

    it('stores the idle lock chosen in the radio group in settings.json and checks it', async () => {
      electron.clickMenu(native().menu, '60 min');
      const stored = JSON.parse(await readFile(join(w.dir, 'data', 'settings.json'), 'utf8'));
      assert.equal(stored.idleLockMinutes, 60);
      const idle = native().menu!.template.find((i) => i.label === 'Lock after idle')!.submenu!;
      assert.deepEqual(
        idle.filter((i) => i.checked).map((i) => i.label),
        ['60 min'],
      );
      electron.clickMenu(native().menu, 'Unlock when a request arrives');
      assert.equal(JSON.parse(await readFile(join(w.dir, 'data', 'settings.json'), 'utf8')).unlockOnRequest, false);
      assert.equal(electron.menuItem(native().menu, 'Unlock when a request arrives').checked, false);
    });

    it('opens the windows and quits from the menu', () => {
      electron.clickMenu(native().menu, 'Open Access History…');
      electron.clickMenu(native().menu, 'Profiles…');
      electron.clickMenu(native().menu, 'Quit');
      assert.deepEqual(opened, ['history', 'profiles']);
      assert.equal(quits.length, 1);
    });
  });

describe('AppTray: the "Use a profile" submenu follows the lock', () => {
  it('lists the vault profiles with a key age while unlocked, none while locked, and the terminal item only where there is a terminal', async () => {
    const { trayProfile } = await import('../../main/electron/tray/tray-profile-menu.ts');
    electron.reset({ platform: 'linux' });
    const approver = new WindowApprover({
      surface: { open: () => new electron.BrowserWindow({}) as never, changed: () => undefined },
      platform: 'linux',
    });
    const w = await makeWorld({ approver });
    const key = await w.vault.loadMasterKey();
    await new ProfileAdmin(w.vault, w.audit).import(
      key,
      new Map([
        ['dev', DEV_KEYS],
        ['prod', PROD_KEYS],
      ]),
      { replace: false, source: 'test', sessionMode: false },
    );
    const settings = new AppSettings(join(w.dir, 'data'), {
      platform: 'linux',
      env: { XDG_CONFIG_HOME: join(w.dir, 'config') },
      warn: (m) => assert.fail(m),
    });
    const clicks: string[] = [];
    const tray = new AppTray({
      broker: w.broker,
      prompts: approver,
      audit: w.audit,
      recent: async () => [],
      profiles: async () => (await w.broker.profiles()).map((p) => trayProfile(p, w.clock.now())),
      terminal: false,
      settings,
      iconDir: ICONS,
      platform: 'linux',
      warn: (m) => assert.fail(m),
      handlers: trayHandlers({
        broker: w.broker,
        settings,
        windows: { show: () => undefined },
        approvals: approver,
        unlock: () => w.broker.unlock(),
        installHelper: async () => undefined,
        profileActions: {
          copyExport: async (p) => void clicks.push(`copy ${p}`),
          openConsole: async () => undefined,
          openTerminal: async () => undefined,
          rotateNow: async (p) => void clicks.push(`rotate ${p}`),
        },
        quit: () => undefined,
        warn: (m) => assert.fail(m),
      }),
    });
    const menu = () => electron.Tray.instances.at(-1)!.menu;
    const has = () => menu()!.template.some((i) => i.label === 'Use a profile');
    try {
      assert.equal(has(), false, 'locked: no profiles');
      await w.broker.unlock();
      await until('the profiles', has);
      const use = electron.menuItem(menu(), 'Use a profile');
      assert.deepEqual(
        use.submenu!.map((i) => i.label),
        ['dev — key 0 d', 'prod — key 0 d'],
      );
      assert.ok(!use.submenu![0]!.submenu!.some((i) => i.label === 'Run a terminal with this profile'));
      electron.clickMenu(menu(), 'Copy `export` lines (secret keys; clipboard cleared after 60 s)');
      electron.clickMenu(menu(), 'Rotate now');
      assert.deepEqual(clicks, ['copy dev', 'rotate dev']);
      await w.broker.lock('test');
      await until('the profiles to go', () => !has());
    } finally {
      tray.destroy();
      await w.close();
    }
  });
});

// ---- the Linux glyph on any panel (issue 25) ----
/** The pixels of an 8-bit RGBA, non-interlaced PNG (what Chromium's screenshots, and so build/make-icons.ts, write). */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (let pos = 8; pos < png.length; ) {
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      assert.deepEqual([data[8], data[9], data[12]], [8, 6, 0], '8-bit RGBA, not interlaced');
    }
    if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      rgba[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predictor) & 0xff;
    }
  }
  return { width, height, rgba };
}

/** WCAG's relative luminance of an sRGB colour (0-255 channels). */
function luminance(r: number, g: number, b: number): number {
  const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Of the glyph's pixels (mostly opaque), the share that stands out from `panel` by a contrast ratio of 3 or more, once drawn on it. */
function legibleShare(png: Buffer, panel: [number, number, number]): number {
  const { rgba } = decodePng(png);
  const bg = luminance(...panel);
  let glyph = 0;
  let legible = 0;
  for (let k = 0; k < rgba.length; k += 4) {
    const alpha = rgba[k + 3]! / 255;
    if (alpha < 0.5) continue;
    glyph++;
    const [r, g, b] = [0, 1, 2].map((i) => rgba[k + i]! * alpha + panel[i]! * (1 - alpha)) as [number, number, number];
    const l = luminance(r, g, b);
    if ((Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05) >= 3) legible++;
  }
  return legible / glyph;
}

describe('the Linux tray glyph', () => {
  // GNOME's top bar (black), KDE Breeze dark, GNOME and KDE Breeze light panels.
  const panels: Record<string, [number, number, number]> = {
    'GNOME top bar': [0, 0, 0],
    'Breeze dark': [0x31, 0x36, 0x3b],
    'Adwaita light': [0xf6, 0xf5, 0xf4],
    'Breeze light': [0xef, 0xf0, 0xf1],
  };
  for (const state of ['locked', 'unlocked', 'pending'] as const)
    it(`${state}: reads on light and dark panels alike (a third of it or more stands out at 3:1), at 1x and 2x`, () => {
      for (const scale of ['', '@2x']) {
        const file = trayIconFile(state, 'linux', false).replace('.png', `${scale}.png`);
        const png = readFileSync(join(ICONS, file));
        for (const [panel, colour] of Object.entries(panels)) {
          const share = legibleShare(png, colour);
          assert.ok(share >= 1 / 3, `${file} on ${panel}: only ${(share * 100).toFixed(0)}% of the glyph stands out`);
        }
      }
    });
});
// ---- end Linux glyph ----

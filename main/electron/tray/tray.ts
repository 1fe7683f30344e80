import { join } from 'node:path';
import { Menu, Tray, nativeImage, nativeTheme, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { HistoryRow } from '../../../preload/api.ts';
import type { BrokerEvent } from '../../core/pipeline/broker.ts';
import type { ApprovalRequest } from '../../core/ports/ports.ts';
import type { Settings } from '../../core/settings.ts';
import { canStartAtLogin } from '../settings.ts';
import { trayMenuTemplate, type TrayHandlers, type TrayView } from './tray-menu.ts';
import type { TrayProfile } from './tray-profile-menu.ts';

/** What the tray shows: locked, unlocked, or a prompt waiting. */
export type TrayState = 'locked' | 'unlocked' | 'pending';

export interface AppTrayDeps {
  broker: {
    status(): { locked: boolean; profiles: number };
    onChange(listener: (event: BrokerEvent) => void): () => void;
  };
  prompts: { pending(): readonly ApprovalRequest[]; onChange(listener: () => void): () => void };
  audit: { onAppended(listener: () => void): () => void };
  /** The latest accesses, newest first. */
  recent: () => Promise<readonly HistoryRow[]>;
  /** Identity Center profiles that need a sign-in (empty while locked). */
  signInNeeded?: (() => Promise<readonly string[]>) | undefined;
  /** The profiles for the "Use a profile" submenu (read while unlocked), and whether a terminal can be opened. */
  profiles?: (() => Promise<readonly TrayProfile[]>) | undefined;
  terminal?: boolean | undefined;
  settings: { get<K extends keyof Settings>(key: K): Settings[K]; onChange(listener: () => void): () => void };
  handlers: TrayHandlers;
  /** Where the bundle put `tray-<state>[-dark|Template].png` (and their @2x variants, which nativeImage picks itself). */
  iconDir: string;
  platform: NodeJS.Platform;
  warn: (message: string) => void;
}

/**
 * The icon file for a state: a template image on macOS; on Linux the light glyph with a dark
 * edge, whatever the theme (the panel's colour is not the theme's: GNOME's top bar stays dark
 * under a light theme, KDE's and XFCE's follow it, and no API tells which), so it reads on light
 * and dark panels alike; on Windows the light glyph when the taskbar is dark.
 */
export function trayIconFile(state: TrayState, platform: NodeJS.Platform, dark: boolean): string {
  if (platform === 'darwin') return `tray-${state}Template.png`;
  if (platform === 'linux') return `tray-${state}-outline.png`;
  return dark ? `tray-${state}-dark.png` : `tray-${state}.png`;
}

/** The tray icon and its menu, rebuilt whenever the broker, a prompt, the audit log, a setting or the theme changes. */
export class AppTray {
  private readonly deps: AppTrayDeps;
  private readonly tray: Tray;
  private readonly stops: (() => void)[] = [];
  private recent: readonly HistoryRow[] = [];
  private signInNeeded: readonly string[] = [];
  private profiles: readonly TrayProfile[] = [];
  private destroyed = false;
  private readonly missing = new Set<string>();
  private readonly rendered = new Set<() => void>();

  constructor(deps: AppTrayDeps) {
    this.deps = deps;
    this.tray = new Tray(this.icon());
    // Windows opens a tray's menu on right-click only; a left click should not do nothing.
    if (deps.platform === 'win32') this.tray.on('click', () => this.tray.popUpContextMenu());
    const render = (): void => this.render();
    const onTheme = (): void => this.render();
    nativeTheme.on('updated', onTheme);
    this.stops.push(
      deps.broker.onChange(() => void this.reloadSignIn()),
      deps.prompts.onChange(render),
      deps.settings.onChange(render),
      deps.audit.onAppended(() => void this.reloadRecent()),
      () => nativeTheme.removeListener('updated', onTheme),
    );
    this.render();
    void this.reloadRecent();
    void this.reloadSignIn();
  }

  private async reloadSignIn(): Promise<void> {
    try {
      this.signInNeeded = this.deps.broker.status().locked ? [] : ((await this.deps.signInNeeded?.()) ?? []);
    } catch (error) {
      if (!this.destroyed) this.deps.warn(`the tray could not tell which sign-ins ended: ${(error as Error).message}`);
    }
    try {
      this.profiles = this.deps.broker.status().locked ? [] : ((await this.deps.profiles?.()) ?? []);
    } catch {
      this.profiles = []; // locked meanwhile: the next change reloads them
    }
    if (!this.destroyed) this.render();
  }

  state(): TrayState {
    if (this.deps.prompts.pending().length > 0) return 'pending';
    return this.deps.broker.status().locked ? 'locked' : 'unlocked';
  }

  destroy(): void {
    // A read of the recent accesses may still be under way; a destroyed Tray throws on every call.
    this.destroyed = true;
    for (const stop of this.stops.splice(0)) stop();
    this.tray.destroy();
  }

  private async reloadRecent(): Promise<void> {
    try {
      this.recent = await this.deps.recent();
    } catch (error) {
      if (!this.destroyed) this.deps.warn(`the tray could not read the recent accesses: ${(error as Error).message}`);
    }
    if (!this.destroyed) this.render();
  }

  private icon(): NativeImage {
    const { platform } = this.deps;
    const dark =
      platform === 'win32' ? nativeTheme.shouldUseDarkColorsForSystemIntegratedUI : nativeTheme.shouldUseDarkColors;
    const file = join(this.deps.iconDir, trayIconFile(this.state(), platform, dark));
    const image = nativeImage.createFromPath(file);
    // An empty image is an invisible tray icon, and with no window the app cannot be reached: say so.
    if (image.isEmpty() && !this.missing.has(file)) {
      this.missing.add(file);
      this.deps.warn(
        `the tray icon ${file} is missing or unreadable, so the tray icon is invisible: reinstall tray-cred`,
      );
    }
    if (platform === 'darwin') image.setTemplateImage(true);
    return image;
  }

  private view(): TrayView {
    const { settings, prompts, broker } = this.deps;
    return {
      locked: broker.status().locked,
      pending: prompts.pending().map((r) => ({ profile: r.profile, command: r.caller?.command })),
      recent: this.recent,
      idleLockMinutes: settings.get('idleLockMinutes'),
      unlockOnRequest: settings.get('unlockOnRequest'),
      startAtLogin: settings.get('startAtLogin'),
      canStartAtLogin: canStartAtLogin(this.deps.platform),
      notifications: settings.get('notifications'),
      touchId: settings.get('touchId'),
      canTouchId: this.deps.platform === 'darwin',
      mnemonics: this.deps.platform !== 'darwin',
      signInNeeded: this.signInNeeded,
      profiles: this.profiles,
      terminal: this.deps.terminal,
    };
  }

  /** The menu as it is now: the control window shows and clicks this when there is no tray host. */
  template(): MenuItemConstructorOptions[] {
    return trayMenuTemplate(this.view(), this.deps.handlers);
  }

  /** Calls `listener` after each change of the menu. Returns the stop. */
  onRender(listener: () => void): () => void {
    this.rendered.add(listener);
    return () => this.rendered.delete(listener);
  }

  private render(): void {
    const view = this.view();
    const state = this.state();
    this.tray.setImage(this.icon());
    const waiting = view.pending.length;
    this.tray.setToolTip(
      state === 'pending'
        ? `tray-cred: ${waiting} request${waiting === 1 ? '' : 's'} waiting for approval`
        : `tray-cred: ${state}${state === 'unlocked' ? `, ${this.deps.broker.status().profiles} profile(s)` : ''}`,
    );
    // Linux only picks up menu changes when the whole menu is set again, so it always is.
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(view, this.deps.handlers)));
    for (const listener of this.rendered) listener();
  }
}

import type { MenuItemConstructorOptions } from 'electron';
import type { HistoryRow } from '../../../preload/api.ts';
import { IDLE_LOCK_CHOICES, type IdleLockMinutes } from '../../core/settings.ts';
import { displayText } from '../../../common/display.ts';
import { profileMenuItems, type TrayProfile, type TrayProfileHandlers } from './tray-profile-menu.ts';

/** A prompt that is open or waiting, as the menu names it. */
interface PendingPrompt {
  profile: string;
  command: string | undefined;
}

/** Everything the tray menu shows. */
export interface TrayView {
  locked: boolean;
  pending: readonly PendingPrompt[];
  /** The latest accesses, newest first; the menu shows five. */
  recent: readonly HistoryRow[];
  idleLockMinutes: IdleLockMinutes;
  unlockOnRequest: boolean;
  startAtLogin: boolean;
  /** `app.setLoginItemSettings` works on macOS and Windows only. */
  canStartAtLogin: boolean;
  notifications: boolean;
  touchId: boolean;
  /** Touch ID is offered on macOS only. */
  canTouchId: boolean;
  /** Windows and Linux read `&` in a label as a mnemonic marker: text from callers is escaped as `&&` there. */
  mnemonics: boolean;
  /** IAM Identity Center profiles whose sign-in has ended (or never happened). */
  signInNeeded?: readonly string[] | undefined;
  /** The profiles for the "Use a profile" submenu (empty while locked). */
  profiles?: readonly TrayProfile[] | undefined;
  /** The platform has a terminal to open ("Run a terminal with this profile"). */
  terminal?: boolean | undefined;
}

/** What the menu's items do; each is a thin call into the app. */
export interface TrayHandlers extends TrayProfileHandlers {
  unlock(): void;
  lock(): void;
  openHistory(): void;
  openProfiles(): void;
  /** Brings the approval window to the front. */
  showApproval(): void;
  setIdleLock(minutes: IdleLockMinutes): void;
  setUnlockOnRequest(on: boolean): void;
  setStartAtLogin(on: boolean): void;
  setNotifications(on: boolean): void;
  setTouchId(on: boolean): void;
  installHelper(): void;
  /** Starts the Identity Center sign-in of a profile (the browser opens). */
  signIn?(profile: string): void;
  quit(): void;
}

const RECENT = 5;

function hhmm(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? '?'
    : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** A label's text as the menu should show it: `&` doubled where it would be a mnemonic marker. */
function menuText(text: string, mnemonics: boolean): string {
  return mnemonics ? text.replace(/&/g, '&&') : text;
}

/** "prod — aws s3 ls — approved — 09:14". Claims are escaped and shortened: a menu line is no place for a whole command. */
export function recentLabel(row: HistoryRow, mnemonics = false): string {
  return menuText(
    [
      displayText(row.profile ?? '?', 40),
      displayText(row.command ?? 'unknown caller', 48),
      row.decision ?? row.event,
      hhmm(row.time),
    ].join(' — '),
    mnemonics,
  );
}

/** The tray menu for a state. Pure: the tray rebuilds it whenever the state changes. */
export function trayMenuTemplate(view: TrayView, on: TrayHandlers): MenuItemConstructorOptions[] {
  const separator: MenuItemConstructorOptions = { type: 'separator' };
  const items: MenuItemConstructorOptions[] = [
    view.locked ? { label: 'Unlock', click: () => on.unlock() } : { label: 'Lock', click: () => on.lock() },
  ];
  if (view.pending.length > 0) {
    items.push(separator);
    for (const p of view.pending) {
      const caller = p.command === undefined ? '' : ` (${displayText(p.command, 48)})`;
      // The approval window is the place to answer: a click brings it to the front.
      items.push({
        label: menuText(`Waiting for approval: ${displayText(p.profile, 40)}${caller}`, view.mnemonics),
        click: () => on.showApproval(),
      });
    }
  }
  const signIn = view.signInNeeded ?? [];
  if (signIn.length > 0) {
    items.push(separator);
    for (const profile of signIn)
      items.push({
        label: `SSO sign-in needed: ${displayText(profile, 40)} — Sign in…`,
        click: () => on.signIn?.(profile),
      });
  }
  const recent = view.recent.slice(0, RECENT);
  if (recent.length > 0) {
    items.push(separator, { label: 'Recent accesses', enabled: false });
    for (const row of recent) items.push({ label: recentLabel(row, view.mnemonics), click: () => on.openHistory() });
  }
  items.push(
    separator,
    { label: 'Open Access History…', click: () => on.openHistory() },
    { label: 'Profiles…', click: () => on.openProfiles() },
    ...(view.profiles?.length
      ? [
          {
            label: 'Use a profile',
            submenu: profileMenuItems(view.profiles, on, {
              terminal: view.terminal === true,
              text: (s) => menuText(s, view.mnemonics),
            }),
          },
        ]
      : []),
    separator,
    {
      label: 'Lock after idle',
      submenu: IDLE_LOCK_CHOICES.map((minutes) => ({
        label: minutes === 0 ? 'Off' : `${minutes} min`,
        type: 'radio' as const,
        checked: view.idleLockMinutes === minutes,
        click: () => on.setIdleLock(minutes),
      })),
    },
    {
      label: 'Unlock when a request arrives',
      type: 'checkbox',
      checked: view.unlockOnRequest,
      click: () => on.setUnlockOnRequest(!view.unlockOnRequest),
    },
    {
      label: 'Notify of accesses served without asking',
      type: 'checkbox',
      checked: view.notifications,
      click: () => on.setNotifications(!view.notifications),
    },
    ...(view.canTouchId
      ? [
          {
            label: 'Use Touch ID to unlock',
            type: 'checkbox' as const,
            checked: view.touchId,
            click: () => on.setTouchId(!view.touchId),
          },
        ]
      : []),
    {
      label: 'Start at login',
      type: 'checkbox',
      checked: view.startAtLogin,
      enabled: view.canStartAtLogin,
      click: () => on.setStartAtLogin(!view.startAtLogin),
    },
    separator,
    { label: 'Install command-line helper…', click: () => on.installHelper() },
    separator,
    { label: 'Quit', click: () => on.quit() },
  );
  return items;
}

import type { MenuItemConstructorOptions } from 'electron';
import { displayText } from '../../../common/display.ts';
import type { ProfileSummary } from '../../core/profiles/profile.ts';

/** A profile as the tray's submenu shows it. */
export interface TrayProfile {
  name: string;
  /** Stored long-term keys, which "Rotate now" can replace through IAM. */
  rotatable: boolean;
  /** The key's age in whole days, where known. */
  keyAgeDays?: number | undefined;
  /** Past the profile's rotate_after_days. */
  overdue?: boolean | undefined;
}

/** What the submenu's items do. */
export interface TrayProfileHandlers {
  copyExport?(profile: string): void;
  openConsole?(profile: string): void;
  openTerminal?(profile: string): void;
  rotateNow?(profile: string): void;
}

/** The tray caps the list: a menu of hundreds of profiles is unusable (the Profiles window lists all). */
export const TRAY_PROFILES_MAX = 25;

const DAY_MS = 86_400_000;

/** A vault profile as the tray needs it: never a key. */
export function trayProfile(
  p: Pick<ProfileSummary, 'name' | 'kind' | 'keyCreatedAt' | 'rotateAfterDays'>,
  now: number,
): TrayProfile {
  const age = p.keyCreatedAt ? Math.max(0, Math.floor((now - Date.parse(p.keyCreatedAt)) / DAY_MS)) : undefined;
  const overdue = age !== undefined && typeof p.rotateAfterDays === 'number' && age >= p.rotateAfterDays;
  return { name: p.name, rotatable: p.kind === 'keys', keyAgeDays: Number.isNaN(age) ? undefined : age, overdue };
}

/**
 * One submenu per profile: copy its `export` lines (the label says they are secret and how long
 * they stay), open the console, a terminal where there is one, and "Rotate now" for stored keys.
 */
export function profileMenuItems(
  profiles: readonly TrayProfile[],
  on: TrayProfileHandlers,
  o: { terminal: boolean; text: (s: string) => string },
): MenuItemConstructorOptions[] {
  return profiles.slice(0, TRAY_PROFILES_MAX).map((p) => {
    const age = p.keyAgeDays === undefined ? '' : ` — key ${p.keyAgeDays} d${p.overdue ? ', rotate' : ''}`;
    const submenu: MenuItemConstructorOptions[] = [
      {
        label: 'Copy `export` lines (secret keys; clipboard cleared after 60 s)',
        click: () => on.copyExport?.(p.name),
      },
      { label: 'Open console…', click: () => on.openConsole?.(p.name) },
    ];
    if (o.terminal) submenu.push({ label: 'Run a terminal with this profile', click: () => on.openTerminal?.(p.name) });
    if (p.rotatable) submenu.push({ type: 'separator' }, { label: 'Rotate now', click: () => on.rotateNow?.(p.name) });
    return { label: o.text(`${displayText(p.name, 64)}${age}`), submenu };
  });
}

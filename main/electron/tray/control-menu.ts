import type { MenuItemConstructorOptions } from 'electron';
import type { ControlMenuItem } from '../../../preload/api.ts';
import { UsageError } from '../../core/errors.ts';

/**
 * The tray menu as the control window shows it (Linux with no tray host): the same template,
 * item for item, so the window has every action the menu has. Labels lose the `&&` that Linux
 * menus need for a literal `&`.
 */
export function controlMenu(items: readonly MenuItemConstructorOptions[]): ControlMenuItem[] {
  return items.map((item): ControlMenuItem => {
    const label = (item.label ?? '').replace(/&&/g, '&');
    const enabled = item.enabled !== false;
    if (item.type === 'separator') return { kind: 'separator', label: '', enabled: false };
    if (Array.isArray(item.submenu)) return { kind: 'group', label, enabled, items: controlMenu(item.submenu) };
    if (item.type === 'checkbox' || item.type === 'radio')
      return { kind: item.type, label, enabled, checked: item.checked === true };
    return item.click ? { kind: 'action', label, enabled } : { kind: 'heading', label, enabled: false };
  });
}

/**
 * Runs the click of the item at `path` in the menu as it is now, as Electron would on a menu
 * click; refused when that item is no longer the one the window showed (`label`), or is disabled.
 */
export function clickControlMenu(
  items: readonly MenuItemConstructorOptions[],
  path: readonly number[],
  label: string,
): void {
  let list: readonly MenuItemConstructorOptions[] = items;
  let item: MenuItemConstructorOptions | undefined;
  for (const index of path) {
    item = list[index];
    list = Array.isArray(item?.submenu) ? item.submenu : [];
  }
  const shown = item && controlMenu([item])[0];
  if (!item?.click || !shown || shown.label !== label || !shown.enabled || shown.kind === 'group')
    throw new UsageError(`"${label}" is no longer in tray-cred's menu (it changed meanwhile): look again and retry`);
  // The tray's handlers take nothing from Electron's arguments (the item, the window, the event).
  item.click(...([] as unknown as Parameters<NonNullable<MenuItemConstructorOptions['click']>>));
}

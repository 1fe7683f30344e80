import { Menu } from 'electron';

/**
 * The application menu: none on Windows and Linux (Electron's default one has Reload and Toggle
 * Developer Tools), and on macOS only the app menu and Edit (so ⌘V pastes an MFA code and ⌘Q quits).
 */
export function setMinimalMenu(platform: NodeJS.Platform): void {
  Menu.setApplicationMenu(
    platform === 'darwin' ? Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }]) : null,
  );
}

import { systemPreferences } from 'electron';
import { showError } from './show-error.ts';

export interface TouchIdDeps {
  touchId: () => boolean;
  platform: NodeJS.Platform;
}

export interface TrayUnlockDeps extends TouchIdDeps {
  broker: { unlock(caller?: undefined, options?: { authorized?: boolean }): Promise<unknown> };
}

/**
 * Touch ID, on a Mac that has it and when the user wants it; `true` elsewhere. The broker asks
 * this before every unlock the tray has not confirmed itself (`tray-cred unlock`, unlock on
 * request), so none skips it.
 */
export async function touchIdConfirmed(deps: TouchIdDeps): Promise<boolean> {
  if (deps.platform !== 'darwin' || !deps.touchId() || !systemPreferences.canPromptTouchID()) return true;
  try {
    await systemPreferences.promptTouchID('unlock tray-cred');
    return true;
  } catch {
    return false;
  }
}

/**
 * Unlock from the tray: Touch ID first (a cancelled or failed fingerprint leaves the agent
 * locked), then the key from the keychain. A failure is shown with the core's message, which
 * names the fix; never a stack. Resolves whether the agent is now unlocked.
 */
export async function unlockFromTray(deps: TrayUnlockDeps): Promise<boolean> {
  if (!(await touchIdConfirmed(deps))) return false;
  try {
    await deps.broker.unlock(undefined, { authorized: true });
    return true;
  } catch (error) {
    await showError('tray-cred could not unlock', error);
    return false;
  }
}

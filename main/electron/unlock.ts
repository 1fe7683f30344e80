import { systemPreferences } from 'electron';
import { showError } from './show-error.ts';

export interface TrayUnlockDeps {
  broker: { unlock(): Promise<unknown> };
  touchId: () => boolean;
  platform: NodeJS.Platform;
}

/**
 * Unlock from the tray: Touch ID first on a Mac that has it and when the user wants it (a
 * cancelled or failed fingerprint leaves the agent locked), then the key from the keychain. A
 * failure is shown with the core's message, which names the fix; never a stack. Resolves whether
 * the agent is now unlocked.
 */
export async function unlockFromTray(deps: TrayUnlockDeps): Promise<boolean> {
  if (deps.platform === 'darwin' && deps.touchId() && systemPreferences.canPromptTouchID()) {
    try {
      await systemPreferences.promptTouchID('unlock tray-cred');
    } catch {
      return false;
    }
  }
  try {
    await deps.broker.unlock();
    return true;
  } catch (error) {
    await showError('tray-cred could not unlock', error);
    return false;
  }
}

import { showMessageBox } from './prompt-host.ts';

/**
 * Shows a failure in a native box. Only the message: tray-cred's own errors already say what to
 * do, and a stack would say nothing useful to the user (and could hold whatever was in scope).
 */
export async function showError(message: string, error: unknown): Promise<void> {
  const detail = error instanceof Error ? error.message : String(error);
  await showMessageBox({ type: 'error', title: 'tray-cred', message, detail, buttons: ['OK'], noLink: true });
}

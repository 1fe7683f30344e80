import { BrowserWindow, dialog, type MessageBoxOptions, type MessageBoxReturnValue } from 'electron';

/**
 * A small, empty window for an approval prompt to hang from as a sheet. macOS runs a message box
 * that has no parent window synchronously: it would block the main process, and with it the
 * agent's socket and the 60 s time-out, and it ignores `signal`. A sheet on a window runs
 * asynchronously and closes when the broker aborts. The window loads nothing and runs no script.
 */
function openPromptHost(): BrowserWindow {
  const host = new BrowserWindow({
    width: 480,
    height: 120,
    show: false,
    title: 'tray-cred: approval',
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
  });
  host.center();
  host.show();
  return host;
}

/**
 * `dialog.showMessageBox` that cannot stall the agent: on macOS the box is a sheet on its own
 * host window (see {@link openPromptHost}); elsewhere a plain box. For every box the tray shows
 * while it serves requests: errors, the install flow, first run.
 */
export async function showMessageBox(
  options: MessageBoxOptions,
  platform: NodeJS.Platform = process.platform,
): Promise<MessageBoxReturnValue> {
  if (platform !== 'darwin') return dialog.showMessageBox(options);
  const host = openPromptHost();
  try {
    return await dialog.showMessageBox(host, options);
  } finally {
    host.destroy();
  }
}

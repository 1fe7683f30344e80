/**
 * The tray app's composition root, bundled to dist/app/main.mjs: the one place in main/electron
 * that constructs services. Everything it wires is a module of its own with its own tests; this
 * file only decides what talks to what and in which order.
 */
import { join } from 'node:path';
import { app, dialog, ipcMain } from 'electron';
import { CHANNELS } from '../../preload/api.ts';
import { AppService } from './app-service.ts';
import { HistoryIndex } from '../core/history-index.ts';
import { agentPlace, startAgentRuntime, type AgentRuntime } from '../node/agent-runtime.ts';
import { NodeFileSystem } from '../node/node-file-system.ts';
import { DialogApprover } from './dialog-approver.ts';
import { offerVaultInit } from './first-run.ts';
import { runInstallHelperFlow } from './install-helper-flow.ts';
import { registerIpc } from './ipc.ts';
import { openPromptHost } from './prompt-host.ts';
import { startLockTriggers } from './lock-triggers.ts';
import { startAccessNotifier } from './notifier.ts';
import { AppSettings, applyStartAtLogin } from './settings.ts';
import { showError } from './show-error.ts';
import { ssoTray } from './sso-tray.ts';
import { trayHandlers } from './tray-handlers.ts';
import { AppTray } from './tray.ts';
import { touchIdConfirmed, unlockFromTray } from './unlock.ts';
import { AppWindows } from './windows.ts';

/** dist/app: where main.mjs, preload.cjs, renderer/ and tray/ are (this module is a chunk below it). */
let here = '';
const warn = (message: string): void => void process.stderr.write(`tray-cred: ${message}\n`);

async function start(): Promise<void> {
  const standard = agentPlace(process.env);
  const fs = new NodeFileSystem(standard.uid);
  // conf would create the directory with the umask's mode.
  await fs.ensurePrivateDir(standard.dataDir);
  const host = { platform: process.platform, env: process.env, warn };
  const settings = new AppSettings(standard.dataDir, host);
  // Only the data directory moves: the helper finds the socket from the environment alone.
  const place = { ...standard, dataDir: settings.get('dataDir') || standard.dataDir };
  // Again at each start: an updated app may live at another path.
  applyStartAtLogin(settings.get('startAtLogin'), host.platform, host.env).catch((error: unknown) => warn(`could not set start at login: ${(error as Error).message}`));

  const touchId = { touchId: () => settings.get('touchId'), platform: process.platform };
  const approver = new DialogApprover(process.platform === 'darwin' ? { host: openPromptHost } : {});
  let runtime: AgentRuntime | undefined;
  try {
    runtime = await startAgentRuntime({
      place,
      fs,
      approver,
      warn,
      frontEnd: 'tray app',
      forwardToSystemLog: () => settings.get('forwardToSystemLog'),
      broker: { unlockOnRequest: () => settings.get('unlockOnRequest'), authorizeUnlock: () => touchIdConfirmed(touchId) },
      onNoVault: async (vault) => {
        const firstRun = await offerVaultInit(vault);
        return firstRun.vault === 'created' ? firstRun.vaultId : undefined;
      },
    });
  } catch (error) {
    // Most often: another agent already listens, or the keychain is unreachable. The message says which and what to do.
    await showError('tray-cred cannot start', error);
    return app.quit();
  }
  // No vault, and the user chose not to create one.
  if (!runtime) return app.quit();
  const unlock = (): Promise<boolean> => unlockFromTray({ broker: runtime.broker, ...touchId });
  const history = new HistoryIndex({ fs: runtime.fs }, runtime.audit.dir);
  const windows = wireWindows(runtime, history, unlock);
  const sso = ssoTray(runtime);
  const tray = new AppTray({
    broker: runtime.broker,
    signInNeeded: sso.signInNeeded,
    prompts: approver,
    audit: runtime.audit,
    recent: async () => {
      await history.refresh();
      return history.recent(5);
    },
    settings,
    iconDir: join(here, 'tray'),
    platform: process.platform,
    warn,
    handlers: trayHandlers({ broker: runtime.broker, settings, windows, unlock, installHelper: () => installHelper(runtime.broker), signIn: sso.signIn, quit: () => app.quit(), warn }),
  });
  const triggers = wireLockAndNotices(runtime, settings);
  app.on('second-instance', () => void windows.show('history'));
  stopBeforeQuit(runtime, () => {
    triggers.stop();
    tray.destroy();
    windows.closeAll();
  });
  await unlock();
}

/** The windows and the IPC that serves them; every change the agent makes is broadcast to them. */
function wireWindows(runtime: AgentRuntime, history: HistoryIndex, unlock: () => Promise<boolean>): AppWindows {
  const { broker, audit } = runtime;
  const service = new AppService({ broker, vault: runtime.vault, audit, history, fs: runtime.fs, unlock: async () => void (await unlock()) });
  const windows = new AppWindows({ pagesDir: join(here, 'renderer'), preload: join(here, 'preload.cjs') });
  registerIpc(
    ipcMain,
    service,
    {
      saveFile: async (defaultName, format) => {
        const r = await dialog.showSaveDialog({ defaultPath: defaultName, filters: [{ name: format.toUpperCase(), extensions: [format] }] });
        return r.canceled || !r.filePath ? undefined : r.filePath;
      },
      openFile: async () => {
        const r = await dialog.showOpenDialog({ title: 'Import an AWS credentials file', properties: ['openFile', 'showHiddenFiles'] });
        return r.canceled ? undefined : r.filePaths[0];
      },
    },
    (frame) => windows.isTrustedSender(frame),
    warn,
  );
  broker.onChange((event) => {
    windows.broadcast(CHANNELS.stateChanged, service.state());
    if (event !== 'pending') windows.broadcast(CHANNELS.profilesChanged);
  });
  audit.onAppended(() => windows.broadcast(CHANNELS.historyChanged));
  return windows;
}

/** Lock on idle, suspend and screen lock, and notifications of accesses served without asking. */
function wireLockAndNotices(runtime: AgentRuntime, settings: AppSettings): { stop(): void } {
  const { broker, audit } = runtime;
  const lock = (reason: string): void => void broker.lock(reason).catch((error: unknown) => warn(`lock (${reason}) failed: ${(error as Error).message}`));
  const triggers = startLockTriggers({ lock, isLocked: () => broker.locked, idleLockMinutes: () => settings.get('idleLockMinutes'), clock: runtime.clock });
  settings.onChange(() => triggers.reschedule());
  startAccessNotifier({ audit, profiles: () => broker.profiles(), enabled: () => settings.get('notifications'), warn });
  return triggers;
}

function installHelper(broker: AgentRuntime['broker']): Promise<void> {
  return runInstallHelperFlow({ helperPath: shippedHelper(), profiles: async () => (await broker.profiles()).map((p) => p.name), env: process.env });
}

/** Stops the agent first (socket closed, keys wiped, the stop recorded), then really quits. */
function stopBeforeQuit(runtime: AgentRuntime, closeUi: () => void): void {
  let stopping = false;
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    closeUi();
    void runtime
      .stop('quit from the tray')
      .catch((error: unknown) => warn(`stopped, but could not record it: ${(error as Error).message}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
}

/**
 * The helper the AWS CLI runs: the Node single executable in the packaged app's resources (its
 * RunAsNode fuse is off, so the app binary cannot run it), or the bundle in a checkout.
 */
function shippedHelper(): string {
  return app.isPackaged ? join(process.resourcesPath, 'bin', process.platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper') : join(here, '..', 'tray-cred-helper.cjs');
}

/** Starts the tray app; `appDir` is the folder of the entry bundle (dist/app, inside the ASAR when packaged). */
export function runApp(appDir: string): void {
  here = appDir;
  if (!app.requestSingleInstanceLock()) {
    // The first instance hears 'second-instance' and opens its history window.
    app.quit();
  } else {
    // A tray app lives on with no window open.
    app.on('window-all-closed', () => {});
    app
      .whenReady()
      .then(start)
      .catch(async (error: unknown) => {
        warn(`could not start: ${(error as Error)?.message ?? String(error)}`);
        await showError('tray-cred could not start', error);
        app.quit();
      });
  }
}

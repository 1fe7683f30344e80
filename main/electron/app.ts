/**
 * The tray app's composition root, bundled to dist/app/main.mjs: the one place in its process that
 * constructs services (the Node ones once, through node-services.ts and aws-clients.ts). Everything
 * it wires is a module of its own with its own tests; this file decides what talks to what, and when.
 * It is one job, the process's wiring in start-up order, so it is longer than the size limit: split
 * across files, that order would have to be read in several places.
 */
/* eslint-disable max-lines -- the composition root of the tray app's process: one job (see above) */
import { dirname, join } from 'node:path';
import { app, dialog, ipcMain } from 'electron';
import { CHANNELS } from '../../preload/api.ts';
import { ControlService, type ControlServiceDeps } from '../node/app/control-service.ts';
import { HistoryService } from '../node/app/history-service.ts';
import { ProfilesService } from '../node/app/profiles-service.ts';
import { HistoryIndex } from '../core/history/history-index.ts';
import type { SnapshotPlace } from '../core/history/history-snapshot.ts';
import { workerReader } from '../node/audit/history-workers.ts';
import { startAgentRuntime, type AgentRuntime } from '../node/agent/agent-runtime.ts';
import { agentPlace, type AgentPlace } from '../node/platform/data-place.ts';
import { dataHomeSetting } from '../node/platform/data-home.ts';
import { connectDesktopBus, isWaylandSession, type DesktopBus } from '../node/platform/desktop-bus.ts';
import { nodeServices } from '../node/platform/node-services.ts';
import { ensurePrivateDir } from '../node/platform/private-dir.ts';
import { awsClients, type AwsClients } from '../node/aws/aws-clients.ts';
import { setMinimalMenu } from './app-menu.ts';
import { WindowApprover } from './approval-window.ts';
import { offerVaultInit } from './first-run.ts';
import { runInstallHelperFlow } from './install-helper-flow.ts';
import { registerIpc, type IpcServices } from './ipc.ts';
import { startLockTriggers } from './lock-triggers.ts';
import { stopAtQuit } from './quit.ts';
import { startAccessNotifier } from './notifier.ts';
import { AppSettings } from './settings.ts';
import { showError } from './show-error.ts';
import { clickControlMenu, controlMenu } from './tray/control-menu.ts';
import { ssoTray } from './tray/sso-tray.ts';
import { findTerminal } from '../node/app/profile-actions.ts';
import { trayHandlers } from './tray/tray-handlers.ts';
import { trayProfileActions } from './tray/tray-profile-actions.ts';
import { trayProfile } from './tray/tray-profile-menu.ts';
import { AppTray } from './tray/tray.ts';
import { touchIdConfirmed, unlockFromTray } from './unlock.ts';
import { installedByPackage, startUpdateChecks } from './updates.ts';
import { AppWindows } from './windows.ts';

/** The installer's appId (electron-builder.config.cjs): Windows shows notifications only for the AppUserModelID of the Start menu shortcut. */
export const APP_ID = 'dev.traycred.app';

/** dist/app: where main.mjs, preload.cjs, renderer/ and tray/ are (this module is a chunk below it). */
let here = '';
const warn = (message: string): void => void process.stderr.write(`tray-cred: ${message}\n`);

/** What the app learnt of the desktop at start: with no tray host the control window stands in for the tray. */
interface Presence {
  trayless: boolean;
}

async function start(standard: AgentPlace, windows: AppWindows, presence: Presence): Promise<void> {
  // conf would create the directory with the umask's mode.
  await ensurePrivateDir(standard.dataDir, standard.uid);
  const host = { platform: process.platform, env: process.env, warn };
  const settings = new AppSettings(standard.dataDir, host);
  // A change made while the app was not running is applied; else the OS's login item is the truth on macOS and Windows (the user may change it in System Settings); on Linux an AppImage may have moved.
  settings
    .syncStartAtLogin()
    .catch((error: unknown) => warn(`could not set start at login: ${(error as Error).message}`));
  setMinimalMenu(process.platform);

  const touchId = { touchId: () => settings.get('touchId'), platform: process.platform };
  const approver = new WindowApprover({
    surface: {
      open: () => windows.show('approval'),
      changed: () => windows.send('approval', CHANNELS.approvalChanged),
    },
    platform: process.platform,
    wayland: isWaylandSession(process.platform, process.env),
  });
  const aws = awsClients();
  const runtime = await startAgent(standard, settings, {
    approver,
    aws,
    authorizeUnlock: () => touchIdConfirmed(touchId),
  });
  if (!runtime) return app.quit();
  const unlock = (): Promise<boolean> => unlockFromTray({ broker: runtime.broker, ...touchId });
  // A long log is parsed on worker threads when the index first loads it, after a sealed snapshot of it when one holds (issue 16 item 3).
  const history = new HistoryIndex(
    { fs: runtime.fs, reader: workerReader(runtime.fs, { warn }), snapshot: historySnapshot(runtime) },
    runtime.audit.dir,
  );
  // At once: a quit from the control window or a shutdown during the rest of the start still records the stop.
  const closers: (() => unknown)[] = [() => windows.closeAll()];
  stopAtQuit({
    saveSnapshot: () => history.saveSnapshot(),
    stop: (reason) => runtime.stop(reason),
    closeUi: () => closers.map((close) => close()),
    warn,
  });
  // The control window shows the tray's own menu (GNOME without a tray host), once the tray below exists.
  const menuOf: { tray?: AppTray } = {};
  const control = wireWindows(runtime, windows, {
    history,
    unlock,
    approval: approver,
    keys: aws.accessKeys,
    menu: {
      items: () => controlMenu(menuOf.tray?.template() ?? []),
      click: (path, label) => clickControlMenu(menuOf.tray?.template() ?? [], path, label),
    },
  });
  runtime.audit.onAppended((entries) => approver.heard(entries));
  const tray = await buildTray(runtime, { settings, windows, approver, unlock, history, aws });
  closers.push(() => tray.destroy());
  menuOf.tray = tray;
  tray.onRender(() => windows.send('control', CHANNELS.stateChanged, control.state()));
  // Linux: the screen lock and the tray host are on the desktop's D-Bus, not Electron.
  const desktop = process.platform === 'linux' ? await connectDesktopBus().catch(() => undefined) : undefined;
  const triggers = wireLockAndNotices(runtime, settings, history, desktop);
  closers.push(
    () => triggers.stop(),
    () => desktop?.close(),
  );
  presence.trayless = await openControlWithoutTrayHost(desktop, windows);
  // A checkout has no app-update.yml (electron-builder writes it into the package): only a packaged app updates.
  const updates = app.isPackaged
    ? startUpdateChecks({
        updater: (await import('electron-updater')).autoUpdater,
        packaged: installedByPackage(process.resourcesPath),
        clock: runtime.clock,
        warn,
      })
    : undefined;
  closers.push(() => updates?.stop());
  await unlock();
}

/** The agent on the services built here once; `undefined` when it did not start (the user was told why) or a vault was declined. */
/** The tray: the profile actions of its menu (a terminal, console sign-in, rotation), IAM Identity Center sign-in, and its handlers. */
async function buildTray(
  runtime: AgentRuntime,
  {
    settings,
    windows,
    approver,
    unlock,
    history,
    aws,
  }: {
    settings: AppSettings;
    windows: AppWindows;
    approver: WindowApprover;
    unlock: () => Promise<boolean>;
    history: HistoryIndex;
    aws: ReturnType<typeof awsClients>;
  },
): Promise<AppTray> {
  const sso = ssoTray({ ...runtime, identityCenter: aws.identityCenter });
  const terminal = await findTerminal(process.env, process.platform);
  const profileActions = trayProfileActions({
    broker: runtime.broker,
    env: process.env,
    fs: runtime.fs,
    platform: process.platform,
    vault: runtime.vault,
    audit: runtime.audit,
    clock: runtime.clock,
    keys: aws.accessKeys,
    terminal,
    cli: shippedCli(),
    warn,
  });
  return new AppTray({
    broker: runtime.broker,
    signInNeeded: sso.signInNeeded,
    profiles: async () => (await runtime.broker.profiles()).map((p) => trayProfile(p, runtime.clock.now())),
    terminal: terminal !== undefined,
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
    handlers: trayHandlers({
      broker: runtime.broker,
      settings,
      windows,
      approvals: approver,
      unlock,
      installHelper: () => installHelper(runtime),
      signIn: sso.signIn,
      profileActions,
      quit: () => app.quit(),
      warn,
    }),
  });
}

async function startAgent(
  standard: AgentPlace,
  settings: AppSettings,
  deps: { approver: WindowApprover; aws: AwsClients; authorizeUnlock: () => Promise<boolean> },
): Promise<AgentRuntime | undefined> {
  try {
    return await startAgentRuntime({
      // Only the data directory moves (the helper finds the socket from the environment alone), and it is checked like TRAY_CRED_HOME.
      services: nodeServices({
        uid: standard.uid,
        dataDir: dataHomeSetting(settings.get('dataDir'), standard.dataDir, standard.uid),
      }),
      aws: deps.aws,
      socket: standard.socket,
      approver: deps.approver,
      warn,
      frontEnd: 'tray app',
      forwardToSystemLog: () => settings.get('forwardToSystemLog'),
      broker: {
        // Read as each prompt opens: `tray-cred settings approvalTimeoutSeconds` reaches the running tray.
        approvalTimeoutMs: () => settings.get('approvalTimeoutSeconds') * 1000,
        unlockOnRequest: () => settings.get('unlockOnRequest'),
        authorizeUnlock: deps.authorizeUnlock,
      },
      onNoVault: async (vault) => {
        const firstRun = await offerVaultInit(vault);
        return firstRun.vault === 'created' ? firstRun.vaultId : undefined;
      },
    });
  } catch (error) {
    // Most often: another agent already listens, or the keychain is unreachable. The message says which and what to do.
    await showError('tray-cred cannot start', error);
    return undefined;
  }
}

/** Where the tray app keeps the history index's sealed snapshot (outside audit/, 0600), and the audit key that seals it. */
function historySnapshot(runtime: AgentRuntime): SnapshotPlace {
  return {
    path: join(dirname(runtime.audit.dir), 'history-index.snapshot'),
    auditKey: () => runtime.vault.loadAuditKey(),
  };
}

/** The IPC that serves the windows, one service per window; every change the agent makes is broadcast to them. */
function wireWindows(
  runtime: AgentRuntime,
  windows: AppWindows,
  deps: {
    history: HistoryIndex;
    unlock: () => Promise<boolean>;
    approval: IpcServices['approval'];
    keys: AwsClients['accessKeys'];
    menu: ControlServiceDeps['menu'];
  },
): ControlService {
  const { broker, audit, vault, fs, clock } = runtime;
  const { history } = deps;
  const services: IpcServices & { control: ControlService } = {
    control: new ControlService({
      broker,
      unlock: async () => void (await deps.unlock()),
      menu: deps.menu,
    }),
    history: new HistoryService({ history, audit, vault, fs }),
    profiles: new ProfilesService({ broker, vault, audit, history, fs, clock, keys: deps.keys }),
    approval: deps.approval,
  };
  registerIpc(
    ipcMain,
    services,
    {
      saveFile: async (defaultName, format) => {
        const r = await dialog.showSaveDialog({
          defaultPath: defaultName,
          filters: [{ name: format.toUpperCase(), extensions: [format] }],
        });
        return r.canceled || !r.filePath ? undefined : r.filePath;
      },
      openFile: async () => {
        const r = await dialog.showOpenDialog({
          title: 'Import an AWS credentials file',
          properties: ['openFile', 'showHiddenFiles'],
        });
        return r.canceled ? undefined : r.filePaths[0];
      },
    },
    (frame, channel) => windows.isTrustedSender(frame, channel),
    warn,
  );
  windows.serve();
  broker.onChange((event) => {
    windows.broadcast(CHANNELS.stateChanged, services.control.state());
    if (event !== 'pending') windows.broadcast(CHANNELS.profilesChanged);
  });
  audit.onAppended(() => windows.broadcast(CHANNELS.historyChanged));
  return services.control;
}

/** Lock on idle, suspend and screen lock, and notifications of accesses served without asking. */
function wireLockAndNotices(
  runtime: AgentRuntime,
  settings: AppSettings,
  history: HistoryIndex,
  desktop: DesktopBus | undefined,
): { stop(): void } {
  const { broker, audit } = runtime;
  const lock = (reason: string): void =>
    void broker.lock(reason).catch((error: unknown) => warn(`lock (${reason}) failed: ${(error as Error).message}`));
  const triggers = startLockTriggers({
    lock,
    isLocked: () => broker.locked,
    idleLockMinutes: () => settings.get('idleLockMinutes'),
    clock: runtime.clock,
    screenLocks: desktop,
    wayland: isWaylandSession(process.platform, process.env),
    warn,
  });
  settings.onChange(() => triggers.reschedule());
  const firstUse = async (seq: number): Promise<boolean> => (await history.refresh(), history.isFirstUse(seq) ?? false);
  startAccessNotifier({
    audit,
    profiles: () => broker.profiles(),
    enabled: () => settings.get('notifications'),
    warn,
    firstUse,
  });
  return triggers;
}

/** GNOME without the AppIndicator extension shows no tray icon: the control window stands in for it. */
async function openControlWithoutTrayHost(desktop: DesktopBus | undefined, windows: AppWindows): Promise<boolean> {
  // A bus that does not answer in time (BUS_TIMEOUT_MS) counts as a tray host: the start goes on, said in the log.
  const hasTrayHost = desktop?.hasTrayHost().catch((error: unknown) => {
    warn(`could not tell whether the desktop shows tray icons: ${(error as Error).message}`);
    return true;
  });
  if (!desktop || (await hasTrayHost)) return false;
  warn(
    'no tray host (StatusNotifierWatcher) on this desktop, so the tray icon is invisible: opened the control window; on GNOME, install the AppIndicator extension',
  );
  windows.show('control');
  return true;
}

function installHelper({ broker, fs }: AgentRuntime): Promise<void> {
  return runInstallHelperFlow({
    helperPath: shippedHelper(),
    cliPath: shippedCli(),
    profiles: async () => (await broker.profiles()).map((p) => p.name),
    env: process.env,
    fs,
  });
}

/**
 * The helper the AWS CLI runs: the Node single executable in the packaged app's resources (its
 * RunAsNode fuse is off, so the app binary cannot run it), or the bundle in a checkout.
 */
function shippedHelper(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'bin', process.platform === 'win32' ? 'tray-cred-helper.exe' : 'tray-cred-helper')
    : join(here, '..', 'tray-cred-helper.cjs');
}

/**
 * The `tray-cred` CLI the app ships, by its full path: `tray-cred` in the packaged app's
 * resources/bin (a link to the helper's executable, which runs as the CLI under that name), or
 * the bundle in a checkout. "Run a terminal with this profile" runs it by this path, as a
 * terminal's PATH need not find it; "Install command-line helper…" links it into ~/.local/bin.
 */
function shippedCli(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'bin', process.platform === 'win32' ? 'tray-cred.cmd' : 'tray-cred')
    : join(here, '..', 'tray-cred.mjs');
}

/**
 * What must happen before Electron is ready: Chromium's files and the single-instance lock go to
 * a folder of their own, not beside vault.json; Windows gets the installer's AppUserModelID.
 */
export function beforeReady(platform: NodeJS.Platform, dataDir: string): void {
  app.setPath('userData', join(dataDir, 'electron'));
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
}

/**
 * Starts the tray app; `appDir` is the folder of the entry bundle (dist/app, inside the ASAR when
 * packaged). main.ts awaits this module at its top level, so what runs here runs before `ready`.
 */
export function runApp(appDir: string): void {
  here = appDir;
  const standard = agentPlace(process.env);
  beforeReady(process.platform, standard.dataDir);
  if (!app.requestSingleInstanceLock()) {
    // The first instance hears 'second-instance' and opens its history (or control) window.
    app.quit();
  } else {
    const windows = new AppWindows({
      pagesDir: join(here, 'renderer'),
      preload: join(here, 'preload.cjs'),
      devTools: !app.isPackaged,
    });
    // A second start (Windows, Linux) and a relaunch from Finder, Spotlight or the Dock (macOS: 'activate') open the history,
    // or, where there is no tray to reach it from (GNOME without a tray host), the control window that stands in for the tray.
    const presence: Presence = { trayless: false };
    const reopen = (): void => void (app.isReady() && windows.show(presence.trayless ? 'control' : 'history'));
    app.on('second-instance', reopen);
    app.on('activate', reopen);
    // A tray app lives on with no window open.
    app.on('window-all-closed', () => {});
    app
      .whenReady()
      .then(() => start(standard, windows, presence))
      .catch(async (error: unknown) => {
        warn(`could not start: ${(error as Error)?.message ?? String(error)}`);
        await showError('tray-cred could not start', error);
        app.quit();
      });
  }
}

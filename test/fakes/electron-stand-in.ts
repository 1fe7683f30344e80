/**
 * A small fake of the parts of `electron` the tray app uses, loaded in its place by
 * `electron-hooks.ts`. Each part records what the code under test did to it and lets the test act
 * as the user or the OS (answer a message box, click a menu item, suspend, go idle). `reset()`
 * between tests, with the platform to behave as (`reset({ platform: 'darwin' })`). Shapes follow
 * node_modules/electron/electron.d.ts; only what we call exists. Where real Electron differs by
 * platform or timing, this does too (issue 17's list): `ready` comes after the main module has
 * been evaluated, a parentless message box on macOS blocks the process until answered and ignores
 * its signal, a missing image file is an
 * empty image, `lock-screen` never fires on Linux, Linux notifications need libnotify, `loadFile`
 * builds its URL with `url.format`, `close()` is asynchronous and cancellable, the default
 * application menu has the developer tools, `app.quit()` closes the windows before `will-quit` and
 * the process's end, {@link shutDown} ends the process at once unless `shutdown` is prevented, and
 * a second `ipcMain.handle` for one channel throws (issue 25).
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { format as formatUrl } from 'node:url';

/** The platform the stand-in behaves as; `reset({ platform })` sets it. */
export let platform: NodeJS.Platform = 'linux';

// ---- Wayland (issue 25) ----------------------------------------------------------------------
/**
 * A Linux session under Wayland (`reset({ platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland' } })`),
 * where Electron 45 is a Wayland client: the compositor alone places, stacks and focuses windows,
 * so `setAlwaysOnTop`, `moveTop`, `center` and `focus` do nothing (Electron 45's BrowserWindow
 * docs: "not possible to programmatically ... position, move, focus, or blur windows without user
 * input"; setAlwaysOnTop "Not supported on Wayland"; focus may only get the desktop to flash).
 */
export let wayland = false;
// ---- end Wayland -------------------------------------------------------------------------------

interface Item {
  label?: string;
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  submenu?: Item[];
  click?: (...args: unknown[]) => void;
}
type Template = Item[];

// ---- app, ipcMain, shell -------------------------------------------------------------------
class FakeApp extends EventEmitter {
  singleInstance = true;
  quitCalls = 0;
  /** True once a quit went through (before-quit not prevented). */
  quitted = false;
  loginItems: { openAtLogin?: boolean }[] = [];
  /** What the OS holds as the login item (System Settings may change it). */
  loginItemState = { openAtLogin: false, status: 'not-registered' as string | undefined };
  userData = '/nonexistent/tray-cred-stand-in';
  isPackaged = false;
  appUserModelId: string | undefined;
  focusCalls: ({ steal?: boolean } | undefined)[] = [];
  /**
   * macOS process-type changes made by setVisibleOnAllWorkspaces without `skipTransformProcessType`
   * (Electron's NativeWindowMac: DockHide for `visibleOnFullScreen`, else DockShow), newest last.
   */
  processTypeChanges: ('UIElement' | 'Foreground')[] = [];
  /** Calls that only work before `ready` but came after it (what an un-awaited import in main does). */
  lateCalls: string[] = [];
  private ready = false;
  private readyWaiters: (() => void)[] = [];
  // ---- the app's path (issue 25) ----
  /** As Electron's app.getAppPath(): the folder of the app's package.json, `resources/app.asar` when packed; {@link runMain} finds it. */
  appPath = '/src/tray-cred';
  getAppPath(): string {
    return this.appPath;
  }
  // ---- end app's path ----
  isReady(): boolean {
    return this.ready;
  }
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }
  /** Electron emits `ready` once the main module (and its top-level await) has been evaluated. */
  emitReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.emit('ready');
    for (const wake of this.readyWaiters.splice(0)) wake();
  }
  /**
   * Loads the app's main module as Electron does: `ready` only after its evaluation ends. Given
   * the module's path, the app's path is the nearest folder above it with a package.json, as
   * Electron's is (in a packaged app, `resources/app.asar`).
   */
  async runMain(load: () => Promise<unknown>, mainPath?: string): Promise<void> {
    for (let dir = mainPath && dirname(mainPath); dir && dir !== dirname(dir); dir = dirname(dir))
      if (existsSync(join(dir, 'package.json'))) {
        this.appPath = dir;
        break;
      }
    await load();
    await new Promise((r) => setImmediate(r));
    this.emitReady();
  }
  private beforeReady(call: string): void {
    if (this.ready) this.lateCalls.push(call);
  }
  requestSingleInstanceLock(): boolean {
    this.beforeReady('requestSingleInstanceLock');
    return this.singleInstance;
  }
  // ---- quit and the end of the process (issue 25, item 4: quit() and shutdown) ----------------
  /** Why the process ended, once it has: `quit` (a quit went through) or `shutdown` (the OS ended it). */
  ended: string | undefined;
  private quitting = false;
  private endWaiters: ((why: string) => void)[] = [];
  /**
   * As Electron's Browser::Quit (shell/browser/browser.cc): `before-quit` (cancellable) at once; a
   * second call while windows close does nothing; then every window is closed, asynchronously, and
   * one whose `close` is prevented calls the quit off; once none is left, `will-quit`
   * (cancellable), then `quit`, and the process ends. With no window open, `will-quit` and `quit`
   * come inside the call, as Electron's NotifyAndShutdown does.
   */
  quit(): void {
    this.quitCalls++;
    if (this.quitting || this.ended !== undefined) return;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.quitting = true;
    const open = BrowserWindow.getAllWindows();
    if (open.length === 0) return this.willQuit();
    for (const w of open) w.close();
    // After the windows' own deferred destroy (BrowserWindow.close): one still there prevented its close.
    setImmediate(() => {
      if (BrowserWindow.getAllWindows().length > 0) this.quitting = false;
      else this.willQuit();
    });
  }
  private willQuit(): void {
    let prevented = false;
    this.emit('will-quit', { preventDefault: () => (prevented = true) });
    this.quitting = false;
    if (prevented) return;
    this.quitted = true;
    this.emit('quit', { preventDefault: () => {} }, 0);
    this.end('quit');
  }
  /** The process ends (the quit's end, or the OS ending it): nothing the app does after it counts. */
  end(why: string): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    for (const wake of this.endWaiters.splice(0)) wake(why);
  }
  /** Resolves with why the process ended, once it has. */
  untilEnded(): Promise<string> {
    return this.ended !== undefined
      ? Promise.resolve(this.ended)
      : new Promise((resolve) => this.endWaiters.push(resolve));
  }
  // ---- end of quit --------------------------------------------------------------------------
  focus(options?: { steal?: boolean }): void {
    this.focusCalls.push(options);
  }
  getPath(): string {
    return this.userData;
  }
  setPath(name: string, path: string): void {
    if (name === 'userData') {
      this.beforeReady('setPath(userData)');
      this.userData = path;
    }
  }
  setAppUserModelId(id: string): void {
    this.beforeReady('setAppUserModelId');
    this.appUserModelId = id;
  }
  version = '1.0.0';
  getVersion(): string {
    return this.version;
  }
  getName(): string {
    return 'tray-cred';
  }
  relaunch(): void {}
  setLoginItemSettings(settings: { openAtLogin?: boolean }): void {
    this.loginItems.push(settings);
    this.loginItemState = {
      openAtLogin: settings.openAtLogin ?? false,
      status: settings.openAtLogin ? 'enabled' : 'not-registered',
    };
  }
  getLoginItemSettings(): { openAtLogin: boolean; status: string | undefined } {
    return { ...this.loginItemState };
  }
}
export let app = new FakeApp();

class FakeIpcMain extends EventEmitter {
  handlers = new Map<string, (...args: unknown[]) => unknown>();
  /** As Electron's IpcMainImpl (lib/browser/ipc-main-impl.ts): a second handler for a channel throws; removeHandler first. */
  handle(channel: string, fn: (...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    if (typeof fn !== 'function')
      throw new TypeError(`Expected handler to be a function, but found type '${typeof fn}'`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /**
   * A page's `ipcRenderer.invoke`, from `frame`: as Electron (lib/browser/ipc-dispatch.ts and
   * lib/renderer/api/ipc-renderer.ts), a channel with no handler rejects with
   * "Error invoking remote method '<channel>': Error: No handler registered for '<channel>'".
   */
  async invokeFrom(frame: FakeFrame, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler)
      throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return handler({ senderFrame: frame }, ...args);
  }
}
export let ipcMain = new FakeIpcMain();
export const shell = {
  openPath: async () => '',
  /** URLs handed to the browser, in order. */
  opened: [] as string[],
  /** Set to make the next openExternal reject, as Electron's does when no handler opens the URL. */
  openExternalError: null as Error | null,
  openExternal: async (url: string): Promise<void> => {
    if (shell.openExternalError) throw shell.openExternalError;
    shell.opened.push(url);
  },
};

// ---- clipboard -----------------------------------------------------------------------------
/** Electron 45's clipboard: readText and writeText return promises, clear() does not. */
class FakeClipboard {
  text = '';
  writes: string[] = [];
  clears = 0;
  async writeText(text: string): Promise<void> {
    this.writes.push(text);
    this.text = text;
  }
  async readText(): Promise<string> {
    return this.text;
  }
  clear(): void {
    this.clears += 1;
    this.text = '';
  }
}
export let clipboard = new FakeClipboard();

// ---- dialog --------------------------------------------------------------------------------
/** One open message box: the test answers it as the user would. */
export interface OpenBox {
  options: Record<string, unknown> & {
    signal?: AbortSignal;
    buttons?: string[];
    cancelId?: number;
    checkboxLabel?: string;
    message: string;
    detail?: string;
  };
  /** Clicks the button with this label. */
  click(label: string, checkboxChecked?: boolean): void;
  /** True once the box has gone (answered or closed by its signal). */
  closed: boolean;
  /** The window the box is attached to as a sheet, when one was passed. */
  parent?: unknown;
}
class FakeDialog {
  boxes: OpenBox[] = [];
  private waiters: (() => void)[] = [];
  // ---- macOS parentless box (issue 25) -------------------------------------------------------
  /**
   * How the person answers the next parentless box on macOS, and after how long. Electron runs it
   * with `[NSAlert runModal]` (shell/browser/ui/message_box_mac.mm): app-modal and synchronous,
   * so the call blocks the main process (timers, sockets, IPC) until it is answered, and its
   * `signal` does nothing (docs/api/dialog.md). The stand-in blocks this thread as long; a
   * parentless box on macOS with no answer set would block for ever, so it throws instead.
   */
  modalAnswer: { label: string; afterMs: number } | undefined;
  private runModal(box: OpenBox): void {
    const answer = this.modalAnswer;
    this.modalAnswer = undefined;
    if (!answer)
      throw new Error(
        `the parentless box "${box.options.message}" would block the macOS main process until answered: set dialog.modalAnswer`,
      );
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, answer.afterMs);
    box.click(answer.label);
  }
  // ---- end macOS parentless box ----------------------------------------------------------------
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    const options = args[args.length - 1] as OpenBox['options'];
    let shown!: OpenBox;
    const answered = new Promise<{ response: number; checkboxChecked: boolean }>((resolve) => {
      const box: OpenBox = {
        options,
        closed: false,
        ...(args.length > 1 ? { parent: args[0] } : {}),
        click(label, checkboxChecked = false) {
          if (box.closed) throw new Error(`the box "${options.message}" is already closed`);
          const response = (options.buttons ?? []).indexOf(label);
          if (response < 0) throw new Error(`no button "${label}" in ${JSON.stringify(options.buttons)}`);
          box.closed = true;
          resolve({ response, checkboxChecked: options.checkboxLabel ? checkboxChecked : false });
        },
      };
      shown = box;
      // Electron closes the box as if cancelled when its signal aborts (not a parentless macOS box: below).
      if (platform !== 'darwin' || args.length > 1)
        options.signal?.addEventListener(
          'abort',
          () => {
            if (box.closed) return;
            box.closed = true;
            resolve({ response: options.cancelId ?? 0, checkboxChecked: false });
          },
          { once: true },
        );
      this.boxes.push(box);
      for (const wake of this.waiters.splice(0)) wake();
    });
    if (platform === 'darwin' && args.length === 1) this.runModal(shown);
    return answered;
  }
  /** Boxes still on screen. */
  get open(): OpenBox[] {
    return this.boxes.filter((b) => !b.closed);
  }
  /** Resolves once `n` boxes have been shown in all. */
  async untilShown(n = 1): Promise<OpenBox> {
    while (this.boxes.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.boxes[n - 1]!;
  }
  showErrorBox(title: string, content: string): void {
    this.boxes.push({ options: { message: title, detail: content }, closed: true, click() {} });
  }
}
export let dialog = new FakeDialog();

// ---- menus, tray, images, theme ------------------------------------------------------------
export class Menu {
  readonly template: Template;
  constructor(template: Template) {
    this.template = template;
  }
  static buildFromTemplate(template: Template): Menu {
    return new Menu(template);
  }
  /** Electron's default application menu until the app sets one: View has Reload and Toggle Developer Tools. */
  static applicationMenu: Menu | null = Menu.defaultMenu();
  static defaultMenu(): Menu {
    return new Menu([
      { label: 'File', submenu: [{ label: 'Quit' }] },
      { label: 'View', submenu: [{ label: 'Reload' }, { label: 'Force Reload' }, { label: 'Toggle Developer Tools' }] },
    ]);
  }
  static setApplicationMenu(menu: Menu | null): void {
    Menu.applicationMenu = menu;
  }
  static getApplicationMenu(): Menu | null {
    return Menu.applicationMenu;
  }
}

export class NativeImage {
  readonly path: string;
  template = false;
  private readonly empty: boolean;
  constructor(path: string, empty: boolean) {
    this.path = path;
    this.empty = empty;
  }
  setTemplateImage(on: boolean): void {
    this.template = on;
  }
  /** As Electron: an image made from a file that is not there is empty (an invisible tray icon). */
  isEmpty(): boolean {
    return this.empty;
  }
}
export const nativeImage = { createFromPath: (path: string) => new NativeImage(path, !existsSync(path)) };

export class Tray extends EventEmitter {
  static instances: Tray[] = [];
  image: NativeImage;
  tooltip = '';
  menu: Menu | null = null;
  destroyed = false;
  constructor(image: NativeImage) {
    super();
    this.image = image;
    Tray.instances.push(this);
  }
  setImage(image: NativeImage): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: Menu | null): void {
    this.menu = menu;
  }
  popUpContextMenu(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

class FakeNativeTheme extends EventEmitter {
  shouldUseDarkColors = false;
  shouldUseDarkColorsForSystemIntegratedUI = false;
}
export let nativeTheme = new FakeNativeTheme();

// ---- power, system preferences, notifications ----------------------------------------------
class FakePowerMonitor extends EventEmitter {
  idleSeconds = 0;
  /**
   * What Chromium's idle time reads whatever the user does, where it is broken: 0 under Wayland
   * (electron/electron#34826: no XScreenSaver for the session's input), or any other stuck number.
   */
  idleTimeBroken: false | number = false;
  getSystemIdleTime(): number {
    return this.idleTimeBroken === false ? this.idleSeconds : this.idleTimeBroken;
  }
  /**
   * As Electron (shell/browser/api/electron_api_power_monitor.cc over Chromium's
   * ui::CalculateIdleState): a threshold under 1 throws; locked if the screen is; else idle when
   * the same idle time getSystemIdleTime reads has reached the threshold. A broken idle time
   * breaks the state too.
   */
  getSystemIdleState(threshold: number): 'active' | 'idle' | 'locked' | 'unknown' {
    if (!(threshold > 0)) throw new TypeError('Invalid idle threshold, must be greater than 0');
    if (this.screenLocked) return 'locked';
    return this.getSystemIdleTime() >= threshold ? 'idle' : 'active';
  }
  screenLocked = false;
  /** The user locks the screen: Electron emits `lock-screen` on macOS and Windows only. */
  lockScreen(): void {
    this.screenLocked = true;
    if (platform === 'darwin' || platform === 'win32') this.emit('lock-screen');
  }
}
export let powerMonitor = new FakePowerMonitor();

// ---- the OS shuts down (issue 25, item 4) -----------------------------------------------------
/** logind's default InhibitDelayMaxSec: how long a delay lock may hold a shutdown back. */
export const SHUTDOWN_DELAY_MAX_MS = 5000;
/**
 * The OS shuts down or the user logs out, as Electron 45 passes it on. Linux
 * (shell/browser/lib/power_observer_linux.cc): with a `shutdown` listener Electron holds a logind
 * delay lock; on PrepareForShutdown it emits `shutdown`, and unless a listener prevents it, lets
 * the lock go: the session is torn down and the process ends at once. Prevented, the lock holds
 * until the app quits, for at most InhibitDelayMaxSec. macOS (electron_application.mm): an
 * unprevented `shutdown` lets the system's terminate run Electron's own quit; prevented, the app
 * must quit itself. Windows emits no `shutdown`: a tray app with no window hears nothing and ends.
 */
export function shutDown(): void {
  if (platform === 'win32') return app.end('shutdown');
  let prevented = false;
  powerMonitor.emit('shutdown', { preventDefault: () => (prevented = true) });
  if (platform === 'linux') {
    if (!prevented) return app.end('shutdown');
    setTimeout(() => app.end('shutdown'), SHUTDOWN_DELAY_MAX_MS).unref();
  } else if (!prevented) app.quit();
}
// ---- end of shutdown ----------------------------------------------------------------------

export const systemPreferences = {
  touchIdAvailable: false,
  /** What the next Touch ID prompt does: resolve (finger accepted) or reject (cancelled). */
  touchIdAnswer: 'accept' as 'accept' | 'reject',
  touchIdPrompts: [] as string[],
  canPromptTouchID(): boolean {
    return this.touchIdAvailable;
  },
  promptTouchID(reason: string): Promise<void> {
    this.touchIdPrompts.push(reason);
    return this.touchIdAnswer === 'accept' ? Promise.resolve() : Promise.reject(new Error('Touch ID cancelled'));
  },
};

export class Notification extends EventEmitter {
  /** Whether the OS shows notifications; on Linux it takes libnotify (see {@link libnotify}). */
  static supported = true;
  static libnotify = true;
  static shown: Record<string, unknown>[] = [];
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
  }
  static isSupported(): boolean {
    return Notification.supported && (platform !== 'linux' || Notification.libnotify);
  }
  show(): void {
    Notification.shown.push(this.options);
  }
}

// ---- windows -------------------------------------------------------------------------------
class FakeSession {
  permissionRequestHandler: ((...args: unknown[]) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
}
export const session = { defaultSession: new FakeSession(), fromPartition: (_partition: string) => new FakeSession() };

/**
 * `net.request` for electron-updater, over Node's http: loopback only, so a test can never
 * download anything real. The request and response have the events electron-updater listens to.
 */
export const net = {
  request(options: {
    protocol?: string;
    hostname?: string;
    host?: string;
    port?: number | string;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
  }): ClientRequest {
    const hostname = options.hostname ?? options.host ?? '';
    if (options.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(hostname))
      throw new Error(
        `the stand-in's net.request reaches loopback http only, not ${options.protocol ?? '?'}//${hostname}`,
      );
    return httpRequest({
      hostname,
      port: options.port,
      path: options.path,
      method: options.method ?? 'GET',
      headers: options.headers,
    });
  },
};

/** A frame as `event.senderFrame` gives it. */
export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

class FakeWebContents extends EventEmitter {
  session = session.defaultSession;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  sent: { channel: string; args: unknown[] }[] = [];
  mainFrame: FakeFrame = { url: '', parent: null };
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = h;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return false;
  }
  /** Fires an event as Chromium would and says whether a listener prevented it. */
  attempt(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(event, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> };
  readonly webContents = new FakeWebContents();
  loaded: string | undefined;
  shown = 0;
  focused = 0;
  minimized = false;
  destroyed = false;
  constructor(options: BrowserWindow['options']) {
    super();
    this.options = options;
    BrowserWindow.instances.push(this);
  }
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.instances.filter((w) => !w.destroyed);
  }
  /** As Electron's webContents.loadFile (lib/browser/api/web-contents.ts): the legacy url.format, then the URL as Chromium reads it. */
  async loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.webContents.mainFrame.url = new URL(
      formatUrl({ protocol: 'file', slashes: true, pathname: resolvePath(app.getAppPath(), path) }),
    ).href;
  }
  show(): void {
    this.shown++;
    this.visible = true;
  }
  visible = false;
  focus(): void {
    if (wayland) return; // Wayland: no-op (see `wayland`)
    this.focused++;
    this.emit('focus');
  }
  alwaysOnTop: { flag: boolean; level?: string } | undefined;
  setAlwaysOnTop(flag: boolean, level?: string): void {
    if (wayland) return; // Wayland: no-op (see `wayland`)
    this.alwaysOnTop = { flag, ...(level ? { level } : {}) };
  }
  allWorkspaces: { visible: boolean; options?: Record<string, unknown> } | undefined;
  /** Electron: does nothing on Windows. */
  setVisibleOnAllWorkspaces(visible: boolean, options?: Record<string, unknown>): void {
    if (platform !== 'win32') this.allWorkspaces = { visible, ...(options ? { options } : {}) };
    if (platform === 'darwin' && options?.skipTransformProcessType !== true)
      app.processTypeChanges.push(options?.visibleOnFullScreen === true ? 'UIElement' : 'Foreground');
  }
  movedTop = 0;
  moveTop(): void {
    if (wayland) return; // Wayland: no-op (see `wayland`)
    this.movedTop++;
  }
  flashing = false;
  flashFrame(flag: boolean): void {
    this.flashing = flag;
  }
  menuRemoved = false;
  removeMenu(): void {
    this.menuRemoved = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  centered = false;
  center(): void {
    if (wayland) return; // Wayland: no-op (see `wayland`)
    this.centered = true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** As Electron: `close` first (a listener may cancel it), then, later, `closed`. */
  close(): void {
    if (this.destroyed) return;
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    setImmediate(() => this.destroy());
  }
}

// ---- preload side --------------------------------------------------------------------------
export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    if (contextBridge.exposed.has(key)) throw new Error(`${key} is already exposed`);
    contextBridge.exposed.set(key, api);
  },
};

class FakeIpcRenderer extends EventEmitter {
  invoked: { channel: string; args: unknown[] }[] = [];
  /** What main answers: the test sets it. */
  reply: (channel: string, ...args: unknown[]) => unknown = () => ({ ok: true, value: undefined });
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.reply(channel, ...args);
  }
}
export let ipcRenderer = new FakeIpcRenderer();

/**
 * Puts every part back as new, between tests, behaving as `options.platform` (Linux by default)
 * in a session with `options.env` (`XDG_SESSION_TYPE=wayland`: see {@link wayland}; none by
 * default). (The preload's exposure is kept: it runs once per import.)
 */
export function reset(options: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {}): void {
  platform = options.platform ?? 'linux';
  wayland = platform === 'linux' && options.env?.XDG_SESSION_TYPE === 'wayland';
  app = new FakeApp();
  Menu.applicationMenu = Menu.defaultMenu();
  Notification.libnotify = true;
  ipcMain = new FakeIpcMain();
  dialog = new FakeDialog();
  nativeTheme = new FakeNativeTheme();
  powerMonitor = new FakePowerMonitor();
  ipcRenderer = new FakeIpcRenderer();
  session.defaultSession = new FakeSession();
  Tray.instances = [];
  clipboard = new FakeClipboard();
  Object.assign(shell, { opened: [], openExternalError: null });
  BrowserWindow.instances = [];
  Notification.shown = [];
  Notification.supported = true;
  Object.assign(systemPreferences, { touchIdAvailable: false, touchIdAnswer: 'accept', touchIdPrompts: [] });
}

/** Finds a menu item by label, in submenus too. */
export function menuItem(menu: Menu | null, label: string): Template[number] {
  const find = (items: Template): Template[number] | undefined => {
    for (const i of items) {
      if (i.label === label) return i;
      const inner = i.submenu && find(i.submenu);
      if (inner) return inner;
    }
    return undefined;
  };
  const item = menu && find(menu.template);
  if (!item) throw new Error(`no menu item "${label}" in ${JSON.stringify(menu?.template.map((i) => i.label))}`);
  return item;
}

/** Clicks a menu item as Electron does: a checkbox flips and a radio turns on before `click` runs. */
export function clickMenu(menu: Menu | null, label: string): void {
  const item = menuItem(menu, label);
  if (item.enabled === false) throw new Error(`menu item "${label}" is disabled`);
  if (item.type === 'checkbox') item.checked = !item.checked;
  if (item.type === 'radio') item.checked = true;
  item.click?.(item, undefined, {});
}

export default {
  get app() {
    return app;
  },
  get ipcMain() {
    return ipcMain;
  },
  get dialog() {
    return dialog;
  },
  get nativeTheme() {
    return nativeTheme;
  },
  get powerMonitor() {
    return powerMonitor;
  },
  get ipcRenderer() {
    return ipcRenderer;
  },
  get clipboard() {
    return clipboard;
  },
  shell,
  net,
  Menu,
  Tray,
  nativeImage,
  systemPreferences,
  Notification,
  BrowserWindow,
  session,
  contextBridge,
};

/**
 * A small fake of the parts of `electron` the tray app uses, loaded in its place by
 * `electron-hooks.ts`. Each part records what the code under test did to it and lets the test act
 * as the user or the OS (answer a message box, click a menu item, suspend, go idle). `reset()`
 * between tests. Shapes follow node_modules/electron/electron.d.ts; only what we call exists.
 */
import { EventEmitter } from 'node:events';

interface Item { label?: string; type?: string; checked?: boolean; enabled?: boolean; submenu?: Item[]; click?: (...args: unknown[]) => void }
type Template = Item[];

// ---- app, ipcMain, shell -------------------------------------------------------------------
class FakeApp extends EventEmitter {
  singleInstance = true;
  quitCalls = 0;
  loginItems: { openAtLogin?: boolean }[] = [];
  userData = '/nonexistent/tray-cred-stand-in';
  isPackaged = false;
  getAppPath(): string {
    return '/src/tray-cred';
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  quit(): void {
    this.quitCalls++;
  }
  focus(): void {}
  getPath(): string {
    return this.userData;
  }
  getVersion(): string {
    return '0.0.0-stand-in';
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean }): void {
    this.loginItems.push(settings);
  }
}
export let app = new FakeApp();

class FakeIpcMain extends EventEmitter {
  handlers = new Map<string, (...args: unknown[]) => unknown>();
  handle(channel: string, fn: (...args: unknown[]) => unknown): void {
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
export let ipcMain = new FakeIpcMain();
export const shell = {
  openPath: async () => '',
  /** URLs handed to the browser, in order. */
  opened: [] as string[],
  openExternal: async (url: string): Promise<void> => {
    shell.opened.push(url);
  },
};

// ---- dialog --------------------------------------------------------------------------------
/** One open message box: the test answers it as the user would. */
export interface OpenBox {
  options: Record<string, unknown> & { signal?: AbortSignal; buttons?: string[]; cancelId?: number; checkboxLabel?: string; message: string; detail?: string };
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
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    const options = args[args.length - 1] as OpenBox['options'];
    return new Promise((resolve) => {
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
      // Electron closes the box as if cancelled when its signal aborts.
      options.signal?.addEventListener('abort', () => {
        if (box.closed) return;
        box.closed = true;
        resolve({ response: options.cancelId ?? 0, checkboxChecked: false });
      }, { once: true });
      this.boxes.push(box);
      for (const wake of this.waiters.splice(0)) wake();
    });
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
}

export class NativeImage {
  readonly path: string;
  template = false;
  constructor(path: string) {
    this.path = path;
  }
  setTemplateImage(on: boolean): void {
    this.template = on;
  }
}
export const nativeImage = { createFromPath: (path: string) => new NativeImage(path) };

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
  getSystemIdleTime(): number {
    return this.idleSeconds;
  }
}
export let powerMonitor = new FakePowerMonitor();

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
  static supported = true;
  static shown: Record<string, unknown>[] = [];
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
  }
  static isSupported(): boolean {
    return Notification.supported;
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
export const session = { defaultSession: new FakeSession() };

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
  async loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.webContents.mainFrame.url = new URL(`file://${path}`).href;
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    this.focused++;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  centered = false;
  center(): void {
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
  close(): void {
    this.destroyed = true;
    this.emit('closed');
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

/** Puts every part back as new, between tests. (The preload's exposure is kept: it runs once per import.) */
export function reset(): void {
  app = new FakeApp();
  ipcMain = new FakeIpcMain();
  dialog = new FakeDialog();
  nativeTheme = new FakeNativeTheme();
  powerMonitor = new FakePowerMonitor();
  ipcRenderer = new FakeIpcRenderer();
  session.defaultSession = new FakeSession();
  Tray.instances = [];
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
  get app() { return app; },
  get ipcMain() { return ipcMain; },
  get dialog() { return dialog; },
  get nativeTheme() { return nativeTheme; },
  get powerMonitor() { return powerMonitor; },
  get ipcRenderer() { return ipcRenderer; },
  shell,
  Menu,
  Tray,
  nativeImage,
  systemPreferences,
  Notification,
  BrowserWindow,
  session,
  contextBridge,
};

import { join } from 'node:path';
import { format } from 'node:url';
import { BrowserWindow, type BrowserWindowConstructorOptions, type Session, type WebFrameMain } from 'electron';
import { APPROVAL_CHANNELS } from './ipc-schemas.ts';

/** The app's windows: history, profiles, the approval window, and the control window (Linux with no tray host). */
export type PageKind = 'history' | 'profiles' | 'approval' | 'control';

/** The approval window: small, fixed, above everything (approval-window.ts brings it to the front). */
const APPROVAL_WINDOW: BrowserWindowConstructorOptions = {
  resizable: false,
  minimizable: false,
  maximizable: false,
  fullscreenable: false,
  alwaysOnTop: true,
  center: true,
};

const PAGES: Record<
  PageKind,
  { file: string; title: string; width: number; height: number; options?: BrowserWindowConstructorOptions }
> = {
  history: { file: 'history.html', title: 'tray-cred: Access History', width: 1100, height: 700 },
  profiles: { file: 'profiles.html', title: 'tray-cred: Profiles', width: 900, height: 640 },
  approval: {
    file: 'approval.html',
    title: 'tray-cred: Approve access',
    width: 560,
    height: 600,
    options: APPROVAL_WINDOW,
  },
  control: {
    file: 'control.html',
    title: 'tray-cred',
    // The whole tray menu: taller, and resizable (the page scrolls).
    width: 460,
    height: 680,
    options: { maximizable: false, fullscreenable: false },
  },
};

/**
 * A file URL's path in one form whatever wrote it: every valid %XX escape decoded but those of
 * `/` and `\`. Electron's loadFile builds the URL with the legacy `url.format` (which leaves `%`,
 * `^` and `|` as they are) and Chromium canonicalises it; `pathToFileURL` escapes them. Both sides
 * are put through this, so an install path with `50%off` or `a^b` in it is still ours.
 */
function filePathKey(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'file:') return undefined;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) =>
    /^(2f|5c)$/i.test(hex) ? escape.toUpperCase() : String.fromCharCode(parseInt(hex, 16)),
  );
  return `${url.host}${path}${url.search}${url.hash}`;
}

/** The URL Electron's `loadFile` gives a page (lib/browser/api/web-contents.ts: `url.format` with protocol file and slashes). */
function loadFileUrl(path: string): string {
  return new URL(format({ protocol: 'file', slashes: true, pathname: path })).href;
}

export interface AppWindowsOptions {
  /** Where the bundled pages are (`dist/app/renderer`). */
  pagesDir: string;
  /** The sandboxed preload (`dist/app/preload.cjs`). */
  preload: string;
  /** DevTools only in a checkout (`!app.isPackaged`): a packaged app's pages cannot be inspected or changed from a keyboard shortcut. */
  devTools: boolean;
}

/** Pages get nothing: no camera, notifications, clipboard reads, fullscreen, anything. */
function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * The history, profiles and approval windows, one of each (opening again focuses it), locked
 * down per Electron's security checklist: sandboxed, isolated, no Node, no navigation, no new
 * windows, no webviews, no permissions. {@link isTrustedSender} is what the IPC layer asks of
 * every call: the approval channels only from the approval page, the others only from the rest.
 */
export class AppWindows {
  private readonly options: AppWindowsOptions;
  private readonly open = new Map<PageKind, BrowserWindow>();
  private readonly pages: ReadonlyMap<string, PageKind>;
  private serving = false;
  private readonly unloaded: (() => void)[] = [];

  constructor(options: AppWindowsOptions) {
    this.options = options;
    this.pages = new Map((Object.keys(PAGES) as PageKind[]).map((kind) => [filePathKey(this.pageUrl(kind))!, kind]));
  }

  pageUrl(kind: PageKind): string {
    return loadFileUrl(join(this.options.pagesDir, PAGES[kind].file));
  }

  /** Opens the window, or brings the open one to the front. */
  show(kind: PageKind): BrowserWindow {
    const existing = this.open.get(kind);
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return existing;
    }
    const page = PAGES[kind];
    const win = new BrowserWindow({
      title: page.title,
      width: page.width,
      height: page.height,
      show: false,
      ...page.options,
      webPreferences: {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        devTools: this.options.devTools,
        preload: this.options.preload,
      },
    });
    // No menu bar on Windows and Linux: the default one has Reload and Toggle Developer Tools.
    win.removeMenu();
    this.open.set(kind, win);
    win.on('closed', () => {
      if (this.open.get(kind) === win) this.open.delete(kind);
    });
    win.once('ready-to-show', () => win.show());
    const contents = win.webContents;
    denyPermissions(contents.session);
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    // Only loadFile navigates (it does not fire these); links, redirects, forms and frames go nowhere.
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-frame-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    const load = (): void => void (win.isDestroyed() || win.loadFile(join(this.options.pagesDir, page.file)));
    if (this.serving) load();
    else this.unloaded.push(load);
    return win;
  }

  /**
   * Lets the pages load, once every IPC handler they call is registered. A page calls main as it
   * loads, and Electron answers a call with no handler with an error (lib/browser/ipc-dispatch.ts:
   * "No handler registered for ..."), which would leave the page dead: a window asked for before
   * this (an approval that arrives while the app starts) is made at once and loads its page here.
   */
  serve(): void {
    this.serving = true;
    for (const load of this.unloaded.splice(0)) load();
  }

  /** Which of our pages the frame is the top frame of, by its file path; undefined for any other frame. */
  pageOf(frame: WebFrameMain | null): PageKind | undefined {
    if (frame === null || frame.parent !== null) return undefined;
    const key = filePathKey(frame.url);
    return key === undefined ? undefined : this.pages.get(key);
  }

  /** The frame is the top frame of our page for this channel: the approval page for approvals, the others for the rest. */
  isTrustedSender(frame: WebFrameMain | null, channel?: string): boolean {
    const kind = this.pageOf(frame);
    if (kind === undefined) return false;
    return channel !== undefined && APPROVAL_CHANNELS.has(channel) ? kind === 'approval' : kind !== 'approval';
  }

  /** Sends a `*:changed` push to every open window but the approval window (which gets only its own, through {@link send}). */
  broadcast(channel: string, payload?: unknown): void {
    for (const [kind, win] of this.open) {
      if (kind !== 'approval' && !win.isDestroyed()) win.webContents.send(channel, payload);
    }
  }

  /** Sends a push to one window, when it is open. */
  send(kind: PageKind, channel: string, payload?: unknown): void {
    const win = this.open.get(kind);
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
  }

  closeAll(): void {
    for (const win of [...this.open.values()]) if (!win.isDestroyed()) win.close();
  }
}

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, type Session, type WebFrameMain } from 'electron';

/** The app's two windows. */
export type PageKind = 'history' | 'profiles';

const PAGES: Record<PageKind, { file: string; title: string; width: number; height: number }> = {
  history: { file: 'history.html', title: 'tray-cred: Access History', width: 1100, height: 700 },
  profiles: { file: 'profiles.html', title: 'tray-cred: Profiles', width: 900, height: 640 },
};

export interface AppWindowsOptions {
  /** Where the bundled pages are (`dist/app/renderer`). */
  pagesDir: string;
  /** The sandboxed preload (`dist/app/preload.cjs`). */
  preload: string;
}

/** Pages get nothing: no camera, notifications, clipboard reads, fullscreen, anything. */
function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * The history and profiles windows, one of each (opening again focuses it), locked down per
 * Electron's security checklist: sandboxed, isolated, no Node, no navigation, no new windows, no
 * webviews, no permissions. {@link isTrustedSender} is what the IPC layer asks of every call.
 */
export class AppWindows {
  private readonly options: AppWindowsOptions;
  private readonly open = new Map<PageKind, BrowserWindow>();
  private readonly urls: ReadonlySet<string>;

  constructor(options: AppWindowsOptions) {
    this.options = options;
    this.urls = new Set((Object.keys(PAGES) as PageKind[]).map((kind) => this.pageUrl(kind)));
  }

  pageUrl(kind: PageKind): string {
    return pathToFileURL(join(this.options.pagesDir, PAGES[kind].file)).href;
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
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: this.options.preload },
    });
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
    void win.loadFile(join(this.options.pagesDir, page.file));
    return win;
  }

  /** The frame is the top frame of one of our two pages, by exact URL. */
  isTrustedSender(frame: WebFrameMain | null): boolean {
    return frame !== null && frame.parent === null && this.urls.has(frame.url);
  }

  /** Sends a `*:changed` push to every open window. */
  broadcast(channel: string, payload?: unknown): void {
    for (const win of this.open.values()) {
      if (!win.isDestroyed()) win.webContents.send(channel, payload);
    }
  }

  closeAll(): void {
    for (const win of [...this.open.values()]) if (!win.isDestroyed()) win.close();
  }
}

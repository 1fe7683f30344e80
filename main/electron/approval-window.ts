import { app, Notification, type BrowserWindow } from 'electron';
import type { ApprovalChoice, ApprovalView } from '../../preload/api.ts';
import type { AuditEntry } from '../core/audit/audit-codec.ts';
import { UsageError } from '../core/errors.ts';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/ports/ports.ts';
import { answerOf, approvalView, mfaVerdict } from '../node/app/approval-view.ts';

/** Where the approval window comes from: AppWindows in the app. */
interface ApprovalSurface {
  /** Opens the approval window, or returns the open one. */
  open(): BrowserWindow;
  /** Tells the open approval window that the request on screen changed. */
  changed(): void;
}

export interface WindowApproverDeps {
  surface: ApprovalSurface;
  platform: NodeJS.Platform;
  /**
   * A Wayland session: no window may raise, centre or focus itself there (each call does nothing),
   * so the window may open behind the terminal that asked; the notification is what tells the
   * person, and it stays until dismissed.
   */
  wayland?: boolean;
}

interface Entry {
  id: number;
  request: ApprovalRequest;
  signal: AbortSignal;
  resolve: (answer: ApprovalAnswer) => void;
  reject: (reason: unknown) => void;
}

/**
 * Puts the window in front of everything, on every platform: above other apps' windows (the
 * 'screen-saver' level is above full-screen apps on macOS), on every workspace and over
 * full-screen Spaces (macOS, Linux), focused (macOS: the app takes focus, which a tray app never
 * has), and flashing in the taskbar where focus stealing is refused (Windows, some Linux WMs).
 */
function bringToFront(win: BrowserWindow, platform: NodeJS.Platform): void {
  win.setAlwaysOnTop(true, 'screen-saver');
  // skipTransformProcessType: else Electron's macOS window calls DockHide (TransformProcessType) at every approval.
  if (platform !== 'win32')
    win.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
  if (platform === 'darwin') app.focus({ steal: true });
  win.show();
  win.moveTop();
  win.focus();
  win.flashFrame(true);
  win.once('focus', () => win.flashFrame(false));
}

/**
 * The tray's {@link Approver}: one approval window for every request, one request at a time, the
 * rest queued in order (their count on screen). A request whose signal aborts (the broker's
 * time-out, a lock) leaves the window, which closes when nothing is left. Closing the window is
 * Deny. The page answers through {@link answer} with the id it was shown, so a click meant for
 * one request never answers the next. It also hears the audit log, to say when AWS rejected the
 * MFA code given for a profile.
 */
export class WindowApprover implements Approver {
  private readonly deps: WindowApproverDeps;
  private readonly queue: Entry[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly rejected = new Map<string, string>();
  private win: BrowserWindow | undefined;
  private nextId = 1;

  constructor(deps: WindowApproverDeps) {
    this.deps = deps;
  }

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const entry: Entry = { id: this.nextId++, request, signal, resolve, reject };
      this.queue.push(entry);
      signal.addEventListener('abort', () => this.settle(entry, () => reject(signal.reason)), { once: true });
      if (this.queue.length === 1) this.present(entry);
      this.changed();
    });
  }

  /** The request on screen first, then those waiting: for the tray's "Waiting for approval" items. */
  pending(): readonly ApprovalRequest[] {
    return this.queue.map((e) => e.request);
  }

  /** Called whenever {@link pending} changes. Returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Brings the approval window to the front again, when a request waits (the tray's "Waiting for approval" item). */
  show(): void {
    if (this.win && !this.win.isDestroyed()) bringToFront(this.win, this.deps.platform);
  }

  /** The request on screen, as the window shows it; null when none waits. */
  current(): ApprovalView | null {
    const head = this.queue[0];
    return head
      ? approvalView(head.id, head.request, this.queue.length - 1, this.rejected.get(head.request.profile) ?? null)
      : null;
  }

  /** The window's answer; refused (and nothing answered) when `choice.id` is not the request on screen or the choice is not valid for it. */
  answer(choice: ApprovalChoice): void {
    const head = this.queue[0];
    if (!head || head.id !== choice.id)
      throw new UsageError(
        'that request is no longer waiting (it was answered, timed out or tray-cred locked): look at the request on screen now',
      );
    const answer = answerOf(head.request, choice);
    this.settle(head, () => head.resolve(answer));
  }

  /** New audit entries: an access refused because AWS rejected the MFA code is shown with the next request for that profile, and notified now. */
  heard(entries: readonly AuditEntry[]): void {
    let shown = false;
    for (const entry of entries) {
      const verdict = mfaVerdict(entry);
      if (!verdict) continue;
      if (verdict.rejected === null) {
        this.rejected.delete(verdict.profile);
        continue;
      }
      this.rejected.set(verdict.profile, verdict.rejected);
      shown = true;
      if (Notification.isSupported())
        new Notification({ title: 'tray-cred: AWS rejected the MFA code', body: verdict.rejected }).show();
    }
    if (shown) this.deps.surface.changed();
  }

  /** Takes an entry out of the queue (answered, aborted, denied by closing), runs its settlement, and moves on. */
  private settle(entry: Entry, done: () => void): void {
    const at = this.queue.indexOf(entry);
    if (at < 0) return;
    this.queue.splice(at, 1);
    done();
    const next = this.queue[0];
    if (!next) this.close();
    else if (at === 0) this.present(next);
    this.changed();
  }

  private present(entry: Entry): void {
    const win = this.deps.surface.open();
    if (win !== this.win) {
      this.win = win;
      // The person closed the window: Deny for the request on screen; the next one opens it again.
      win.on('closed', () => {
        if (this.win !== win) return;
        this.win = undefined;
        const head = this.queue[0];
        if (head) this.settle(head, () => head.resolve({ allow: false }));
      });
    }
    bringToFront(win, this.deps.platform);
    if (Notification.isSupported()) {
      const view = approvalView(entry.id, entry.request, 0, null);
      const note = new Notification({
        title: `tray-cred: approve “${view.profile}”?`,
        body: `${view.program} (${view.provenance}) asks for “${view.profile}”. The approval window is open${this.deps.wayland ? ' (it may be behind other windows: click here)' : ''}.`,
        // GNOME and KDE keep a critical notification on screen until it is dismissed.
        ...(this.deps.wayland ? { urgency: 'critical' as const, timeoutType: 'never' as const } : {}),
      });
      note.on('click', () => {
        if (this.win && !this.win.isDestroyed()) bringToFront(this.win, this.deps.platform);
      });
      note.show();
    }
  }

  private close(): void {
    const win = this.win;
    this.win = undefined;
    // destroy(), not close(): close() is asynchronous and a page could cancel it, and a request arriving meanwhile would get a dying window.
    if (win && !win.isDestroyed()) win.destroy();
  }

  private changed(): void {
    this.deps.surface.changed();
    for (const l of this.listeners) l();
  }
}

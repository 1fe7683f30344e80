import { app, dialog, type BaseWindow, type MessageBoxOptions, type MessageBoxReturnValue } from 'electron';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/ports.ts';
import { displayText } from '../../common/display.ts';

const DENY = 0;
const ALLOW = 1;

/** The native prompt for one request: Deny is the default and the cancel button. */
export function approvalPrompt(request: ApprovalRequest): MessageBoxOptions {
  const profile = displayText(request.profile, 64);
  const caller = request.caller;
  const what = caller ? `“${displayText(caller.command, 80)}”` : 'a caller that did not say who it is';
  const question = request.unlock ? `Unlock tray-cred and allow “${profile}” for ${what}?` : `Allow “${profile}” for ${what}?`;
  const claims = caller
    ? [
        'As claimed by tray-cred-helper (not verified):',
        `Command: ${displayText(caller.command, 1000)}`,
        `Working directory: ${displayText(caller.cwd, 500)}`,
        `Process: pid ${caller.pid}, parent pid ${caller.ppid}`,
      ]
    : ['The helper sent no caller information.'];
  return {
    type: 'question',
    title: question,
    message: question,
    detail: claims.join('\n'),
    buttons: ['Deny', request.unlock ? 'Unlock and allow' : 'Allow once'],
    defaultId: DENY,
    cancelId: DENY,
    // Windows would otherwise turn "Allow once" into a command link that reads like the default.
    noLink: true,
    ...(request.offer?.kinds.includes('run') ? { checkboxLabel: `Allow this run (this program instance, ${request.offer.minutes} minutes at most)`, checkboxChecked: false } : {}),
  };
}

function answerOf(request: ApprovalRequest, result: MessageBoxReturnValue): ApprovalAnswer {
  if (result.response !== ALLOW) return { allow: false };
  const offer = request.offer;
  return result.checkboxChecked && offer?.kinds.includes('run') ? { allow: true, scope: { kind: 'run', minutes: offer.minutes } } : { allow: true };
}

interface Entry {
  request: ApprovalRequest;
  signal: AbortSignal;
  resolve: (answer: ApprovalAnswer) => void;
  reject: (reason: unknown) => void;
}

/**
 * The tray's {@link Approver}: one native message box at a time, the rest wait in order. A prompt
 * whose signal aborts (the broker's time-out, a lock) closes, and one still waiting never shows.
 */
export class DialogApprover implements Approver {
  private readonly host: (() => BaseWindow) | undefined;
  private readonly waiting: Entry[] = [];
  private showing: Entry | undefined;
  private readonly listeners = new Set<() => void>();

  /**
   * `host` opens a window for each prompt to attach to, closed after it (macOS, where a prompt
   * without a parent window blocks the main process: see prompt-host.ts).
   */
  constructor(options: { host?: () => BaseWindow } = {}) {
    this.host = options.host;
  }

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (request.mfaSerial) {
      // A message box has no text field; asking anyway would approve a request that then fails for want of a code.
      return Promise.resolve({
        allow: false,
        reason: `"${request.profile}" needs an MFA code, which the tray's prompt cannot take: enter it with \`tray-cred approve\` in a terminal, or serve it from the headless agent (\`tray-cred agent --approver …\`)`,
      });
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const entry: Entry = { request, signal, resolve, reject };
      this.waiting.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal.reason);
          this.changed();
        },
        { once: true },
      );
      this.changed();
      void this.showNext();
    });
  }

  /** The prompt on screen first, then those waiting: for the tray's "Waiting for approval" items. */
  pending(): readonly ApprovalRequest[] {
    return [...(this.showing && !this.showing.signal.aborted ? [this.showing] : []), ...this.waiting].map((e) => e.request);
  }

  /** Called whenever {@link pending} changes. Returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private async showNext(): Promise<void> {
    if (this.showing) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    this.showing = entry;
    try {
      // A tray app is never the active app on macOS: without this the prompt can open behind the terminal that asked.
      if (process.platform === 'darwin') app.focus({ steal: true });
      const options = { ...approvalPrompt(entry.request), signal: entry.signal };
      const host = this.host?.();
      let result: MessageBoxReturnValue;
      try {
        result = host ? await dialog.showMessageBox(host, options) : await dialog.showMessageBox(options);
      } finally {
        host?.destroy();
      }
      // An aborted prompt was already rejected; the box closing as "cancelled" says nothing about the person.
      if (!entry.signal.aborted) entry.resolve(answerOf(entry.request, result));
    } catch (error) {
      entry.reject(error);
    } finally {
      this.showing = undefined;
      this.changed();
      void this.showNext();
    }
  }
}

/**
 * The few DOM helpers both windows share. Everything is built with createElement and textContent:
 * audit entries carry text the caller chose (command lines, paths), so nothing goes through HTML.
 */
import { isErrorCode, type ErrorCode } from '../common/errors.ts';
import type { TrayCredApi } from '../preload/api.ts';

/** Attributes and properties for {@link h}; `text` becomes textContent. */
export interface ElementSpec {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element with classes, text, attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  spec: ElementSpec = {},
  children: readonly Node[] = [],
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (spec.className) el.className = spec.className;
  if (spec.text !== undefined) el.textContent = spec.text;
  for (const [name, value] of Object.entries(spec.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) el.append(child);
  return el;
}

/** The element with this id, which the page's HTML must have: a missing one is a bug in the page. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`page is missing #${id}`);
  return el;
}

/** `window.trayCred`, the only way to main (exposed by the preload through contextBridge). */
export function trayCred(): TrayCredApi {
  const api = (window as unknown as { trayCred?: TrayCredApi }).trayCred;
  if (!api) throw new Error('tray-cred is not available in this window');
  return api;
}

/** The message of a rejected API call: main sends only a message a person can act on. */
/** What a rejection says: an ApiFailure's (or an Error's) message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return String(error);
}

/** The error code of an API rejection (an ApiFailure from the preload), or undefined for anything else. */
export function codeOf(error: unknown): ErrorCode | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : undefined;
}

/** Shows a message in a status line; `tone` picks the colour. */
export function setStatus(el: HTMLElement, text: string, tone: 'info' | 'error' = 'info'): void {
  el.textContent = text;
  el.classList.toggle('error', tone === 'error');
}

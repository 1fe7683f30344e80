/**
 * The few DOM helpers both windows share. Everything is built with createElement and textContent:
 * audit entries carry text the caller chose (command lines, paths), so nothing goes through HTML.
 */
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
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shows a message in a status line; `tone` picks the colour. */
export function setStatus(el: HTMLElement, text: string, tone: 'info' | 'error' = 'info'): void {
  el.textContent = text;
  el.classList.toggle('error', tone === 'error');
}

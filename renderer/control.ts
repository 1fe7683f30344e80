/**
 * The control window, opened instead of the tray on a desktop with no tray host (GNOME without
 * the AppIndicator extension): the agent's state, and the tray menu itself, item for item (main
 * sends it as `control.menu()` and runs the clicked item's action, so nothing the tray offers is
 * missing here: settings, the helper install, SSO sign-ins, the profile actions, quit).
 */
import type { AppState, ControlMenuItem } from '../preload/api.ts';
import { byId, h, messageOf, setStatus, trayCred } from './dom.ts';

const api = trayCred();
const state = byId('state', HTMLElement);
const pending = byId('pending', HTMLElement);
const menu = byId('menu', HTMLElement);
const status = byId('status', HTMLElement);

function run(task: () => Promise<unknown>): () => void {
  return () => {
    task().catch((error: unknown) => setStatus(status, messageOf(error), 'error'));
  };
}

function renderState(s: AppState): void {
  state.textContent = s.locked
    ? 'tray-cred is locked'
    : `tray-cred is unlocked: ${s.profiles} profile${s.profiles === 1 ? '' : 's'}`;
  pending.textContent = s.pending > 0 ? `${s.pending} request${s.pending === 1 ? '' : 's'} waiting for approval` : '';
}

/** Clicks the item as the tray menu would, then shows the menu as it is after. */
const click = (path: number[], label: string): (() => void) =>
  run(async () => {
    await api.control.click(path, label);
    await reload();
  });

function itemNode(item: ControlMenuItem, path: number[]): Node {
  switch (item.kind) {
    case 'separator':
      return h('hr');
    case 'heading':
      return h('h2', { text: item.label });
    case 'group':
      return h('fieldset', { attrs: { 'data-path': path.join('.') } }, [
        h('legend', { text: item.label }),
        ...(item.items ?? []).map((child, k) => itemNode(child, [...path, k])),
      ]);
    case 'checkbox':
    case 'radio': {
      const input = h('input', { attrs: { type: item.kind, name: `item-${path.slice(0, -1).join('.')}` } });
      input.checked = item.checked === true;
      input.disabled = !item.enabled;
      input.addEventListener('change', click(path, item.label));
      return h('label', { className: 'setting' }, [input, document.createTextNode(` ${item.label}`)]);
    }
    case 'action': {
      const button = h('button', { text: item.label, attrs: { type: 'button' } });
      button.disabled = !item.enabled;
      button.addEventListener('click', click(path, item.label));
      return button;
    }
  }
}

async function reload(): Promise<void> {
  const items = await api.control.menu();
  menu.replaceChildren(...items.map((item, k) => itemNode(item, [k])));
}

api.state.onChanged((s) => {
  renderState(s);
  run(reload)();
});
run(async () => {
  renderState(await api.state.get());
  await reload();
})();

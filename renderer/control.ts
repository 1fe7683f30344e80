/**
 * The control window, opened instead of the tray on a desktop with no tray host (GNOME without
 * the AppIndicator extension): lock or unlock, the approvals waiting, the two windows, quit.
 */
import type { AppState } from '../preload/api.ts';
import { byId, messageOf, setStatus, trayCred } from './dom.ts';

const api = trayCred();
const state = byId('state', HTMLElement);
const pending = byId('pending', HTMLElement);
const lock = byId('lock', HTMLButtonElement);
const status = byId('status', HTMLElement);

let locked = true;

function render(s: AppState): void {
  locked = s.locked;
  state.textContent = s.locked
    ? 'tray-cred is locked'
    : `tray-cred is unlocked: ${s.profiles} profile${s.profiles === 1 ? '' : 's'}`;
  pending.textContent = s.pending > 0 ? `${s.pending} request${s.pending === 1 ? '' : 's'} waiting for approval` : '';
  lock.textContent = s.locked ? 'Unlock' : 'Lock';
}

function run(task: () => Promise<unknown>): () => void {
  return () => {
    task().catch((error: unknown) => setStatus(status, messageOf(error), 'error'));
  };
}

lock.addEventListener(
  'click',
  run(async () => render(locked ? await api.state.unlock() : await api.control.lock())),
);
byId('history', HTMLButtonElement).addEventListener(
  'click',
  run(() => api.control.open('history')),
);
byId('profiles', HTMLButtonElement).addEventListener(
  'click',
  run(() => api.control.open('profiles')),
);
byId('quit', HTMLButtonElement).addEventListener(
  'click',
  run(() => api.control.quit()),
);
api.state.onChanged(render);
run(async () => render(await api.state.get()))();

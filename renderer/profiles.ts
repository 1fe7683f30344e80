/**
 * The Profiles window: list, add, rotate, remove, set policy, import. Talks to main only through
 * `window.trayCred`; the only secret it touches is the one typed into the form, on its way out.
 */
import type { AppState, ImportResult, PolicyInput, ProfileInput } from '../preload/api.ts';
import { byId, codeOf, h, messageOf, setStatus, trayCred } from './dom.ts';
import { ProfileForm } from './profile-form.ts';
import { renderProfileList } from './profile-list.ts';

const api = trayCred();
const rows = byId('profile-rows', HTMLElement);
const status = byId('status', HTMLElement);
const locked = byId('locked', HTMLElement);
const lockedMessage = byId('locked-message', HTMLElement);
const unlock = byId('unlock', HTMLButtonElement);
const importButton = byId('import', HTMLButtonElement);
const importResult = byId('import-result', HTMLElement);

const LOCKED_HINT = 'tray-cred is locked: unlock it to see and change profiles.';

function isLocked(error: unknown): boolean {
  return codeOf(error) === 'LOCKED';
}

function showLocked(message: string): void {
  lockedMessage.textContent = message;
  locked.hidden = false;
}

/** Shows an API failure: a locked agent gets the Unlock button, anything else the status line. */
function fail(error: unknown): void {
  if (isLocked(error)) showLocked(messageOf(error));
  else setStatus(status, messageOf(error), 'error');
}

/**
 * Bumped by every load and every state change: an answer that arrives after a newer one was
 * asked for, or after the agent locked, is dropped instead of showing profiles while locked.
 */
let generation = 0;

async function load(): Promise<void> {
  const mine = ++generation;
  try {
    // The history's summary is extra: a history that cannot be read leaves the table as it was.
    const [profiles, activity] = await Promise.all([api.profiles.list(), api.history.activity().catch(() => [])]);
    if (mine !== generation) return;
    locked.hidden = true;
    renderProfileList(
      rows,
      profiles,
      {
        rotate: (profile) => form.rotate(profile),
        rotateNow: async (name) => {
          setStatus(status, `Rotating the key of ${name}… (an ask profile asks first)`);
          try {
            const result = await api.profiles.rotate(name);
            setStatus(
              status,
              result.done.length
                ? result.done.map((l) => `${l[0]!.toUpperCase()}${l.slice(1)}.`).join(' ')
                : `${name}: nothing to rotate`,
            );
            await load();
          } catch (error) {
            fail(error);
          }
        },
        remove: async (name) => {
          try {
            await api.profiles.remove(name);
            setStatus(status, `Removed ${name}`);
            await load();
          } catch (error) {
            fail(error);
          }
        },
        setPolicy: async (input: PolicyInput) => {
          try {
            const saved = await api.profiles.setPolicy(input);
            setStatus(
              status,
              `${saved.name}: ${saved.policy}, remember ${saved.rememberMinutes} min, notify ${saved.notify ? 'on' : 'off'}`,
            );
          } catch (error) {
            fail(error);
            await load();
          }
        },
        invalid: (message) => setStatus(status, message, 'error'),
      },
      activity,
    );
  } catch (error) {
    if (mine === generation) fail(error);
  }
}

const form = new ProfileForm(async (input: ProfileInput) => {
  setStatus(status, '');
  try {
    const saved = await api.profiles.save(input);
    setStatus(
      status,
      input.replace ? `New keys saved for ${saved.name} (…${saved.accessKeyIdSuffix})` : `Saved ${saved.name}`,
    );
    await load();
  } catch (error) {
    fail(error);
    throw error;
  }
});

function showImport(result: ImportResult): void {
  if (result.canceled) {
    setStatus(status, 'Import cancelled');
    return;
  }
  const list = (names: string[]): string => (names.length ? names.join(', ') : 'none');
  importResult.replaceChildren(
    h('h2', { text: `Imported from ${result.file ?? 'the chosen file'}` }),
    h('dl', { className: 'import-result' }, [
      h('dt', { text: `Imported (${result.imported.length})` }),
      h('dd', { className: 'imported', text: list(result.imported) }),
      h('dt', { text: `Skipped (${result.skipped.length}): already here or not usable` }),
      h('dd', { className: 'skipped', text: list(result.skipped) }),
    ]),
  );
  importResult.hidden = false;
  setStatus(status, `Imported ${result.imported.length}, skipped ${result.skipped.length}`);
}

importButton.addEventListener('click', () => {
  importButton.disabled = true;
  api.profiles
    .importFile()
    .then(showImport, fail)
    .finally(() => {
      importButton.disabled = false;
    });
});

byId('add', HTMLButtonElement).addEventListener('click', () => {
  form.add();
  form.focus();
});

unlock.addEventListener('click', () => {
  unlock.disabled = true;
  api.state
    .unlock()
    .then(applyState, (error: unknown) => setStatus(status, messageOf(error), 'error'))
    .finally(() => {
      unlock.disabled = false;
    });
});

function applyState(state: AppState): void {
  if (state.locked) {
    generation += 1;
    showLocked(LOCKED_HINT);
    rows.replaceChildren(
      h('tr', {}, [
        h('td', { className: 'none', text: 'Profiles are hidden while tray-cred is locked.', attrs: { colspan: '9' } }),
      ]),
    );
  } else {
    locked.hidden = true;
    void load();
  }
}

api.state.onChanged(applyState);
api.profiles.onChanged(() => void load());
api.state.get().then(applyState, fail);

/**
 * The table of profiles: what each serves and how it is guarded, with policy, remember time and
 * notify editable in place, and Remove behind a confirm step. Never a key beyond its last four.
 */
import { MAX_REMEMBER_MINUTES, POLICIES } from '../common/policy.ts';
import type { PolicyInput, ProfileActivity, ProfileView } from '../preload/api.ts';
import { displayText } from '../common/display.ts';
import { h } from './dom.ts';
import { formatLocalTime } from './format.ts';
import { rememberError } from './profile-validation.ts';

export interface ProfileListActions {
  rotate(profile: ProfileView): void;
  /** "Rotate now": a new key made in IAM (tray-cred rotate), not a pasted one. */
  rotateNow(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  setPolicy(input: PolicyInput): Promise<void>;
  /** A check in the page failed: say so where the user looks. */
  invalid(message: string): void;
}

export function renderProfileList(
  body: HTMLElement,
  profiles: readonly ProfileView[],
  actions: ProfileListActions,
  activity: readonly ProfileActivity[] = [],
): void {
  if (profiles.length === 0) {
    body.replaceChildren(
      h('tr', {}, [
        h('td', {
          className: 'none',
          text: 'No profiles yet: add one below or import a credentials file.',
          attrs: { colspan: '9' },
        }),
      ]),
    );
    return;
  }
  const byName = new Map(activity.map((a) => [a.profile, a]));
  body.replaceChildren(...profiles.flatMap((p) => [profileRow(p, actions), activityRow(p, byName.get(p.name))]));
}

const DAY_MS = 86_400_000;
const plural = (n: number, one: string): string => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

/** What the history says of the profile, under its row: uses, refusals, the verified programs, the profile's age. */
function activitySummary(p: ProfileView, a: ProfileActivity | undefined, now: number): string {
  const age = Math.max(0, Math.floor((now - Date.parse(p.createdAt)) / DAY_MS));
  const changed = Math.max(0, Math.floor((now - Date.parse(p.updatedAt)) / DAY_MS));
  const ages = `created ${plural(age, 'day')} ago, changed ${changed === 0 ? 'today' : `${plural(changed, 'day')} ago`}`;
  if (!a) return `No accesses in the history · ${ages}`;
  const programs = a.programs.length
    ? a.programs
        .slice(0, 4)
        .map((x) => `${x.exe} (${x.uses})`)
        .join(', ') + (a.programs.length > 4 ? ` and ${a.programs.length - 4} more` : '')
    : 'none verified';
  return `${plural(a.uses24h, 'use')} in 24 h, ${plural(a.uses7d, 'use')} in 7 days, ${a.denials.toLocaleString('en-US')} not served · programs: ${programs} · ${ages}`;
}

function activityRow(p: ProfileView, a: ProfileActivity | undefined): HTMLTableRowElement {
  return h('tr', { className: 'activity', attrs: { 'data-activity-for': p.name } }, [
    h('td', { className: 'muted', text: displayText(activitySummary(p, a, Date.now()), 600), attrs: { colspan: '9' } }),
  ]);
}

function labelled<T extends HTMLElement>(el: T, label: string): T {
  el.setAttribute('aria-label', label);
  return el;
}

function profileRow(p: ProfileView, actions: ProfileListActions): HTMLTableRowElement {
  const policy = labelled(h('select'), `Policy of ${p.name}`);
  for (const choice of POLICIES) policy.append(h('option', { text: choice, attrs: { value: choice } }));
  policy.value = p.policy;
  const remember = labelled(
    h('input', { attrs: { type: 'number', min: '0', max: String(MAX_REMEMBER_MINUTES), step: '1' } }),
    `Remember approvals of ${p.name} for minutes`,
  );
  remember.value = String(p.rememberMinutes);
  const notify = labelled(h('input', { attrs: { type: 'checkbox' } }), `Notify of each access to ${p.name}`);
  notify.checked = p.notify;

  const send = (): void => {
    const minutes = remember.value === '' ? Number.NaN : Number(remember.value);
    const problem = rememberError(minutes);
    remember.toggleAttribute('aria-invalid', problem !== undefined);
    if (problem) {
      actions.invalid(`${p.name}: remember ${problem.toLowerCase()}`);
      return;
    }
    const chosen = POLICIES.find((c) => c === policy.value) ?? p.policy;
    void actions.setPolicy({ name: p.name, policy: chosen, rememberMinutes: minutes, notify: notify.checked });
  };
  for (const control of [policy, remember, notify]) control.addEventListener('change', send);

  const sessionMode =
    p.kind === 'role'
      ? 'role session'
      : p.kind === 'command'
        ? 'external'
        : p.kind === 'sso'
          ? 'IAM Identity Center'
          : p.sessionMode
            ? 'on'
            : 'off';
  const kindCell = h('td', { text: p.kind });
  if (p.roleArn) kindCell.title = `${p.roleArn}${p.sourceProfile ? ` via ${p.sourceProfile}` : ''}`;
  const actionsCell = h('td', { className: 'row-actions' });
  showActions(actionsCell, p, actions);
  return h('tr', { attrs: { 'data-profile': p.name } }, [
    h('td', { text: p.name }),
    kindCell,
    keyCell(p),
    h('td', {}, [policy]),
    h('td', {}, [remember]),
    h('td', {}, [notify]),
    h('td', { text: p.mfa ? `${sessionMode} + MFA` : sessionMode }),
    h('td', { className: 'muted', text: p.lastUsedAt ? formatLocalTime(p.lastUsedAt) : 'never' }),
    actionsCell,
  ]);
}

/** The key's last four characters and its age, marked once past the profile's rotate_after_days. */
function keyCell(p: ProfileView): HTMLTableCellElement {
  const days = p.keyCreatedAt ? Math.floor((Date.now() - Date.parse(p.keyCreatedAt)) / 86_400_000) : undefined;
  const overdue = days !== undefined && typeof p.rotateAfterDays === 'number' && days >= p.rotateAfterDays;
  const cell = h('td', {
    className: overdue ? 'key overdue' : 'key',
    text: `${p.accessKeyIdSuffix ? `…${p.accessKeyIdSuffix}` : '—'}${days === undefined ? '' : ` · ${days} d`}${overdue ? ' (rotate)' : ''}`,
  });
  if (overdue) cell.title = `Older than ${p.rotateAfterDays} days: run tray-cred rotate ${p.name}`;
  return cell;
}

function showActions(cell: HTMLElement, p: ProfileView, actions: ProfileListActions): void {
  const remove = h('button', { text: 'Remove', attrs: { type: 'button', 'aria-label': `Remove ${p.name}` } });
  remove.addEventListener('click', () => confirmRemove(cell, p, actions));
  const buttons: HTMLElement[] = [];
  // Only stored keys can be rotated here; roles and commands hold no key of their own.
  if (p.kind === 'keys') {
    const rotate = h('button', {
      text: 'Rotate keys…',
      attrs: { type: 'button', 'aria-label': `Rotate keys of ${p.name}` },
    });
    rotate.addEventListener('click', () => actions.rotate(p));
    const now = h('button', {
      text: 'Rotate now',
      attrs: { type: 'button', 'aria-label': `Rotate the key of ${p.name} now through IAM` },
    });
    now.title =
      'Creates a new key in IAM, proves it, stores it, then deletes the old one (as tray-cred rotate); approved like any use of the key';
    now.addEventListener('click', () => {
      now.disabled = true;
      void actions.rotateNow(p.name).finally(() => {
        now.disabled = false;
      });
    });
    buttons.push(now, rotate);
  }
  buttons.push(remove);
  cell.replaceChildren(...buttons);
}

function confirmRemove(cell: HTMLElement, p: ProfileView, actions: ProfileListActions): void {
  const yes = h('button', {
    className: 'danger',
    text: 'Remove',
    attrs: { type: 'button', 'aria-label': `Remove ${p.name} and its keys from the vault` },
  });
  yes.title = 'Deletes the profile and its keys from the vault';
  const no = h('button', { text: 'Keep', attrs: { type: 'button' } });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    no.disabled = true;
    void actions.remove(p.name).finally(() => showActions(cell, p, actions));
  });
  no.addEventListener('click', () => showActions(cell, p, actions));
  cell.replaceChildren(h('span', { className: 'confirm', text: `Remove ${p.name}?` }), yes, no);
  no.focus();
}

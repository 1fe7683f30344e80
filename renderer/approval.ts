/**
 * The approval window: "Allow “prod” for “aws s3 ls”?", who asks (verified by the kernel, or only
 * claimed), the scopes the request offers (Allow once checked), the MFA code when the profile
 * needs one, and Deny as the default: focused at the start, Enter on it and Escape anywhere deny.
 * Allow is armed a moment after a request appears, so a click or a keystroke meant for the window
 * that was in front cannot allow it. All text arrives escaped from main and is set as textContent.
 */
import type { ApprovalScopeKind } from '../common/decision.ts';
import type { ApprovalView } from '../preload/api.ts';
import { MFA_CODE } from '../preload/api.ts';
import { byId, h, messageOf, setStatus, trayCred } from './dom.ts';

/** How long Allow stays disabled after a request appears. */
const ARM_MS = 700;

const api = trayCred();
const question = byId('question', HTMLElement);
const provenance = byId('provenance', HTMLElement);
const firstUse = byId('first-use', HTMLElement);
const facts = byId('facts', HTMLElement);
const rejected = byId('rejected', HTMLElement);
const scopes = byId('scopes', HTMLFieldSetElement);
const mfa = byId('mfa', HTMLElement);
const mfaLabel = byId('mfa-label', HTMLLabelElement);
const mfaCode = byId('mfa-code', HTMLInputElement);
const mfaError = byId('mfa-error', HTMLElement);
const deny = byId('deny', HTMLButtonElement);
const allow = byId('allow', HTMLButtonElement);
const status = byId('status', HTMLElement);
const queued = byId('queued', HTMLElement);

let shown: ApprovalView | null = null;
let arming: ReturnType<typeof setTimeout> | undefined;
let sending = false;

/** A scope's words; `minutes` is how long a timed one lasts. */
function scopeLabel(kind: ApprovalScopeKind, minutes: number): string {
  switch (kind) {
    case 'once':
      return 'Allow once: this request only';
    case 'run':
      return `This run: this program instance, until it exits (at most ${minutes} min)`;
    case 'program-folder':
      return `This program in this folder for ${minutes} min`;
    case 'any':
      return `Any program for ${minutes} min`;
  }
}

function renderScopes(view: ApprovalView): void {
  scopes.replaceChildren(h('legend', { text: 'If you allow' }));
  for (const kind of view.scopes) {
    const input = h('input', { attrs: { type: 'radio', name: 'scope', value: kind } });
    input.checked = kind === 'once';
    scopes.append(h('label', {}, [input, document.createTextNode(scopeLabel(kind, view.minutes))]));
  }
}

function render(view: ApprovalView | null): void {
  const changed = view?.id !== shown?.id;
  shown = view;
  clearTimeout(arming);
  if (!view) {
    question.textContent = 'No request is waiting.';
    for (const el of [provenance, facts, scopes, mfa, rejected, firstUse]) el.hidden = true;
    allow.disabled = true;
    queued.textContent = '';
    return;
  }
  document.title = `Approve “${view.profile}” — tray-cred`;
  question.textContent = `${view.unlock ? 'Unlock tray-cred and allow' : 'Allow'} “${view.profile}” for “${view.program}”?`;
  provenance.textContent = view.verified
    ? `Requesting program, ${view.provenance}`
    : `Requesting program, as ${view.provenance}`;
  provenance.className = `provenance ${view.verified ? 'verified' : 'claimed'}`;
  facts.replaceChildren(...view.facts.flatMap((f) => [h('dt', { text: f.label }), h('dd', { text: f.value })]));
  // A program new to this profile is worth one line above everything else (issue 18).
  firstUse.textContent = view.firstUse ?? '';
  firstUse.hidden = !view.firstUse;
  rejected.textContent = view.rejected ?? '';
  rejected.hidden = view.rejected === null;
  queued.textContent =
    view.queued > 0 ? `${view.queued} more request${view.queued === 1 ? '' : 's'} waiting after this one` : '';
  for (const el of [provenance, facts, scopes]) el.hidden = false;
  mfa.hidden = view.mfaDevice === null;
  allow.textContent = view.unlock ? 'Unlock and allow' : 'Allow';
  if (!changed) return;
  renderScopes(view);
  mfaLabel.textContent = view.mfaDevice ? `Six-digit code from ${view.mfaDevice}` : 'MFA code';
  mfaCode.value = '';
  mfaError.textContent = '';
  setStatus(status, '');
  deny.focus();
  allow.disabled = true;
  arming = setTimeout(() => (allow.disabled = false), ARM_MS);
}

async function refresh(): Promise<void> {
  try {
    render(await api.approval.current());
  } catch (error) {
    setStatus(status, messageOf(error), 'error');
  }
}

function chosenScope(): ApprovalScopeKind {
  const checked = scopes.querySelector<HTMLInputElement>('input[name="scope"]:checked');
  return (checked?.value as ApprovalScopeKind | undefined) ?? 'once';
}

async function send(allowIt: boolean): Promise<void> {
  const view = shown;
  if (!view || sending) return;
  const code = mfaCode.value.trim();
  if (allowIt && view.mfaDevice !== null && !MFA_CODE.test(code)) {
    mfaError.textContent = 'Type the six digits your MFA device shows now.';
    mfaCode.focus();
    return;
  }
  sending = true;
  try {
    await api.approval.answer({
      id: view.id,
      allow: allowIt,
      scope: allowIt ? chosenScope() : 'once',
      ...(allowIt && view.mfaDevice !== null ? { mfaCode: code } : {}),
    });
    mfaCode.value = '';
    setStatus(status, allowIt ? 'Allowed.' : 'Denied.');
  } catch (error) {
    setStatus(status, messageOf(error), 'error');
  } finally {
    sending = false;
  }
  await refresh();
}

deny.addEventListener('click', () => void send(false));
allow.addEventListener('click', () => {
  if (!allow.disabled) void send(true);
});
mfaCode.addEventListener('input', () => {
  mfaCode.value = mfaCode.value.replace(/\D/g, '').slice(0, 6);
  mfaError.textContent = '';
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    event.preventDefault();
    void send(false);
  } else if (event.key === 'Enter' && event.target === mfaCode) {
    // Enter in the code field never allows: Allow is a deliberate click or Tab to it.
    event.preventDefault();
  } else if (event.key === 'Enter' && !(event.target instanceof HTMLButtonElement)) {
    event.preventDefault();
    void send(false);
  }
});
document.getElementById('approval-form')?.addEventListener('submit', (event) => event.preventDefault());
api.approval.onChanged(() => void refresh());
void refresh();

/**
 * The add / rotate form of the profiles window. The secret and session token are read once, the
 * fields are emptied before the request leaves, and nothing sends them back: the page holds a
 * secret only while the user is typing it.
 */
import { POLICIES } from '../common/policy.ts';
import type { ProfileInput, ProfileView } from '../preload/api.ts';
import { byId } from './dom.ts';
import type { FieldErrors } from './profile-validation.ts';
import { validateProfileInput } from './profile-validation.ts';

export class ProfileForm {
  readonly #form = byId('profile-form', HTMLFormElement);
  readonly #title = byId('form-title', HTMLElement);
  readonly #name = byId('p-name', HTMLInputElement);
  readonly #keyId = byId('p-key-id', HTMLInputElement);
  readonly #secret = byId('p-secret', HTMLInputElement);
  readonly #token = byId('p-token', HTMLInputElement);
  readonly #policy = byId('p-policy', HTMLSelectElement);
  readonly #remember = byId('p-remember', HTMLInputElement);
  readonly #notify = byId('p-notify', HTMLInputElement);
  readonly #save = byId('save', HTMLButtonElement);
  readonly #cancel = byId('cancel-edit', HTMLButtonElement);
  readonly #errors: Record<keyof FieldErrors, [HTMLInputElement, HTMLElement]> = {
    name: [this.#name, byId('e-name', HTMLElement)],
    accessKeyId: [this.#keyId, byId('e-key-id', HTMLElement)],
    secretAccessKey: [this.#secret, byId('e-secret', HTMLElement)],
    sessionToken: [this.#token, byId('e-token', HTMLElement)],
    rememberMinutes: [this.#remember, byId('e-remember', HTMLElement)],
  };
  #replace = false;

  /** `send` rejects with main's message when it refuses; the form then keeps what is not secret. */
  constructor(send: (input: ProfileInput) => Promise<void>) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit(send);
    });
    this.#cancel.addEventListener('click', () => this.add());
  }

  /** An empty form for a new profile. */
  add(): void {
    this.#replace = false;
    this.#form.reset();
    this.#name.readOnly = false;
    this.#title.textContent = 'Add profile';
    this.#save.textContent = 'Save profile';
    this.#cancel.hidden = true;
    this.#showErrors({});
  }

  /** New keys for an existing profile (rotation): the name is fixed, its settings prefilled. */
  rotate(profile: ProfileView): void {
    this.add();
    this.#replace = true;
    this.#name.value = profile.name;
    this.#name.readOnly = true;
    this.#policy.value = profile.policy;
    this.#remember.value = String(profile.rememberMinutes);
    this.#notify.checked = profile.notify;
    this.#title.textContent = `Rotate keys for ${profile.name}`;
    this.#save.textContent = 'Save new keys';
    this.#cancel.hidden = false;
    this.#keyId.focus();
  }

  focus(): void {
    this.#name.focus();
  }

  #read(): ProfileInput {
    const token = this.#token.value.trim();
    return {
      name: this.#name.value.trim(),
      accessKeyId: this.#keyId.value.trim(),
      secretAccessKey: this.#secret.value.trim(),
      sessionToken: token === '' ? undefined : token,
      policy: POLICIES.find((p) => p === this.#policy.value) ?? 'ask',
      rememberMinutes: this.#remember.value === '' ? Number.NaN : Number(this.#remember.value),
      notify: this.#notify.checked,
      replace: this.#replace,
    };
  }

  async #submit(send: (input: ProfileInput) => Promise<void>): Promise<void> {
    const input = this.#read();
    const errors = validateProfileInput(input);
    this.#showErrors(errors);
    const first = Object.keys(errors)[0] as keyof FieldErrors | undefined;
    if (first) {
      this.#errors[first][0].focus();
      return;
    }
    this.#secret.value = '';
    this.#token.value = '';
    this.#save.disabled = true;
    try {
      await send(input);
      this.add();
    } catch {
      // The caller shows main's message; the secret must be typed again, as it was never kept.
      this.#secret.focus();
    } finally {
      this.#save.disabled = false;
    }
  }

  #showErrors(errors: FieldErrors): void {
    for (const [field, [input, message]] of Object.entries(this.#errors) as [
      keyof FieldErrors,
      [HTMLInputElement, HTMLElement],
    ][]) {
      const text = errors[field];
      message.textContent = text ?? '';
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
}

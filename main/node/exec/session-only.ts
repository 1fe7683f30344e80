/**
 * Session credentials only: the default of every front door but credential_process (`exec`,
 * `export`, `serve`, the tray's export lines).
 */
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import { ApprovalDeniedError } from '../../core/errors.ts';
import { longTermKeyRefusal } from '../../core/profiles/profile.ts';

/** Whether credentials are a long-term key: no session token and no expiration. */
const isLongTermKey = (c: CredentialProcessDocument): boolean => c.SessionToken === undefined;

/**
 * `c`, unless it is a long-term key and `allowLongTerm` is not given. A profile permits its
 * long-term key to `--long-term-key` exactly when the agent serves that key to credential_process
 * already (stored keys without session mode): exec never widens what the profile gives; a
 * session-mode or role profile never yields the key at all.
 */
export function requireSession(
  profile: string,
  c: CredentialProcessDocument,
  allowLongTerm: boolean,
): CredentialProcessDocument {
  if (isLongTermKey(c) && !allowLongTerm) {
    throw new ApprovalDeniedError(profile, longTermKeyRefusal(profile));
  }
  return c;
}

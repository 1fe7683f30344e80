/**
 * The wire shape of a `credentials` request with `purpose: 'console'` (`tray-cred login`): the
 * credentials, and whether the agent made them a federation token. Not loaded by the helper.
 */
import { ProtocolError, parseCredentialsResult, type CredentialsResult } from './wire.ts';

/** What the agent answers a console request with. */
export interface ConsoleCredentials {
  credentials: CredentialsResult;
  /** True for a federation token (GetFederationToken): the console takes no SessionDuration for one. */
  federated: boolean;
}

/** Validates a console credentials result. */
export function parseConsoleCredentials(value: unknown): ConsoleCredentials {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { federated?: unknown }).federated !== 'boolean'
  ) {
    throw new ProtocolError('BAD_REQUEST', 'the agent sent console credentials of the wrong shape');
  }
  const v = value as { credentials?: unknown; federated: boolean };
  return { credentials: parseCredentialsResult(v.credentials), federated: v.federated };
}

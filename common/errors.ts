/**
 * The closed set of error codes and the one exit-status table that `tray-cred` and
 * `tray-cred-helper` share, so scripts can tell every outcome apart the same way with either
 * command. This file imports nothing.
 */

/** Codes of expected failures. Each crosses the wire and the windows' IPC as it is. */
const ERROR_CODES = [
  'LOCKED',
  'DENIED',
  'TIMEOUT',
  'UNKNOWN_PROFILE',
  'EXPIRED',
  'BAD_REQUEST',
  'TOO_LARGE',
  'VERSION',
  'KEYCHAIN',
  'UPSTREAM',
  'ENVIRONMENT',
  'TAMPERED',
  'FORBIDDEN',
  'KEY_LIMIT',
  'SIGN_IN',
  'INTERNAL',
] as const;

/**
 * `FORBIDDEN` is a caller that may not ask at all (a page that is not ours);
 * `ENVIRONMENT` is a set-up problem the user can fix (a directory others can open, no vault, a
 * socket path in use); `TAMPERED` is an audit log or vault that fails its checks; `INTERNAL` is
 * only ever a bug in tray-cred. `KEY_LIMIT` is an IAM user that already has two access keys, so a
 * rotation cannot create a third; `SIGN_IN` is an IAM Identity Center sign-in that has ended.
 */
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Exit statuses of both commands, one per outcome. 0 is success, 1 is "done, but something
 * needs attention" (`doctor`), 2 a usage error, 3 "no agent answered".
 */
export const EXIT_STATUS: Readonly<Record<ErrorCode | 'USAGE' | 'NOT_RUNNING', number>> = {
  USAGE: 2,
  NOT_RUNNING: 3,
  LOCKED: 4,
  DENIED: 5,
  TIMEOUT: 6,
  UNKNOWN_PROFILE: 7,
  EXPIRED: 8,
  VERSION: 9,
  KEYCHAIN: 10,
  BAD_REQUEST: 11,
  TOO_LARGE: 11,
  INTERNAL: 12,
  UPSTREAM: 13,
  ENVIRONMENT: 14,
  TAMPERED: 15,
  FORBIDDEN: 16,
  KEY_LIMIT: 17,
  SIGN_IN: 18,
};

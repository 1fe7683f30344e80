import { EXIT_STATUS, type ErrorCode } from '../../common/errors.ts';

/**
 * An expected failure a person can act on. Its message names the cause and the fix, never a
 * secret; `code` is what crosses the wire.
 */
export class TrayCredError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }

  /** The status `tray-cred` and `tray-cred-helper` exit with on this error (common/errors.ts). */
  get exitStatus(): number {
    return EXIT_STATUS[this.code];
  }
}

/**
 * A set-up problem the user can fix: a directory others can open, a socket path in use, no
 * vault yet, a lock file held by another process. Not a bug, so never `INTERNAL`.
 */
export class EnvironmentError extends TrayCredError {
  constructor(message: string) {
    super('ENVIRONMENT', message);
  }
}

/** No agent answered at the socket: the same exit status as the helper's for the same condition. */
export class AgentNotRunningError extends EnvironmentError {
  override get exitStatus(): number {
    return EXIT_STATUS.NOT_RUNNING;
  }
}

/** The audit log or the vault failed its integrity checks: edited, cut, reordered or damaged. */
export class TamperedError extends TrayCredError {
  constructor(message: string) {
    super('TAMPERED', message);
  }
}

export class VaultLockedError extends TrayCredError {
  constructor() {
    super('LOCKED', 'tray-cred is locked: run `tray-cred unlock` (or choose Unlock in the tray menu), then retry');
  }
}

export class UnknownProfileError extends TrayCredError {
  constructor(profile: string) {
    super(
      'UNKNOWN_PROFILE',
      `no profile "${profile}" in the tray-cred vault: add it with \`tray-cred add ${profile}\` or \`tray-cred import <file>\``,
    );
  }
}

export class ApprovalDeniedError extends TrayCredError {
  constructor(profile: string, why: string) {
    super('DENIED', `access to "${profile}" was denied: ${why}`);
  }
}

export class ApprovalTimeoutError extends TrayCredError {
  constructor(profile: string, seconds: number) {
    super(
      'TIMEOUT',
      `nobody approved access to "${profile}" within ${seconds} s, so it was denied: retry and answer the prompt in time (the tray, the --approver command, or \`tray-cred approve\` in another terminal)`,
    );
  }
}

/** A request waited its whole approval time-out for an approver to connect, and none did. */
export class NoApproverTimeoutError extends TrayCredError {
  constructor(profile: string, seconds: number) {
    super(
      'TIMEOUT',
      `nobody could approve access to "${profile}": no approver connected within ${seconds} s, so it was refused: run \`tray-cred approve\` in another terminal and retry (or start the agent with --approver <command>)`,
    );
  }
}

/** The approver has no way to ask a person now (no approver command): the prompt waits for `tray-cred approve`. */
export class NoApproverError extends TrayCredError {
  constructor() {
    super('DENIED', 'no approver configured: start the agent with --approver <command>, or run `tray-cred approve`');
  }
}

export class CredentialsExpiredError extends TrayCredError {
  constructor(
    profile: string,
    expiredAt: string,
    how = `store fresh ones with \`tray-cred add ${profile} --replace\``,
  ) {
    super('EXPIRED', `the session credentials of "${profile}" expired at ${expiredAt}: ${how}`);
  }
}

/** The OS keychain could not be reached, is locked, or holds no key for this vault. */
export class KeychainError extends TrayCredError {
  constructor(message: string) {
    super('KEYCHAIN', message);
  }
}

/** STS or an external credential command refused or failed. The message is theirs, never a secret. */
export class UpstreamError extends TrayCredError {
  /** What the failing side said (a command's stderr, scrubbed), for the audit entry only. */
  readonly detail: string | undefined;
  constructor(message: string, detail?: string) {
    super('UPSTREAM', message);
    this.detail = detail || undefined;
  }
}

/** An AWS service refused a call; `awsCode` is its own error code (LimitExceeded, NoSuchEntity, InvalidClientTokenId, ...), so callers branch on the code, not the text. */
export class AwsServiceError extends UpstreamError {
  readonly awsCode: string;
  /** The service's own words, `<code>: <message>` with whitespace collapsed (they hold no secret), for a message of the caller's. */
  readonly reason: string;
  constructor(awsCode: string, message: string, reason = message) {
    super(message);
    this.awsCode = awsCode;
    this.reason = reason;
  }
}

/** IAM's limit of two access keys per user stops a rotation; the message names the other key. */
export class KeyLimitError extends TrayCredError {
  constructor(message: string) {
    super('KEY_LIMIT', message);
  }
}

/** An IAM Identity Center sign-in has ended (or never happened): the fix is `tray-cred sso login`. */
export class SignInNeededError extends TrayCredError {
  constructor(message: string) {
    super('SIGN_IN', message);
  }
}

/** The vault file is missing, from another key, damaged or edited: restoring it is the user's fix, so not INTERNAL. */
export class VaultFileError extends EnvironmentError {}

/** The vault was encrypted under another master key than the one used to open it. */
export class KeyMismatchError extends VaultFileError {}

/** A command was given input it cannot use. */
export class UsageError extends TrayCredError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }

  override get exitStatus(): number {
    return EXIT_STATUS.USAGE;
  }
}

/** A broken invariant: a bug in tray-cred, not something the user did. Reported as INTERNAL. */
export class BugIndicatingError extends Error {
  constructor(message: string) {
    super(`bug in tray-cred: ${message}`);
    this.name = 'BugIndicatingError';
  }
}

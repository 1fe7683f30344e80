import { TrayCredError } from '../../core/errors.ts';

/**
 * A failure that is tray-cred's own bug, not the user's: the window is told only that it
 * happened; `cause` stays in main for the log.
 */
class InternalAppError extends TrayCredError {
  constructor(what: string, cause: unknown) {
    super('INTERNAL', `tray-cred hit an internal error while it ${what}; the app's log has the details`);
    this.cause = cause;
  }
}

/**
 * Runs one call of the windows' API: an expected failure (a `TrayCredError`, whose message says
 * the fix) goes to the window as it is; anything else becomes an {@link InternalAppError}.
 */
export async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof TrayCredError) throw error;
    throw new InternalAppError(what, error);
  }
}

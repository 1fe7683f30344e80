import type { CallerClaim } from '../../common/caller.ts';

/** Values of flags that carry secrets, as they may appear in a caller's command line. */
const SECRET_FLAG = /(?<=^|\s)(--?(?:token-code|secret[\w-]*|password[\w-]*|session-token|passphrase)(?:=|\s+))("[^"]*"|'[^']*'|\S+)/gi;

/** The caller's claims with secret-looking arguments removed: they go to the audit log and the prompt. */
export function scrubCaller(caller: CallerClaim | undefined): CallerClaim | undefined {
  return caller && { ...caller, command: caller.command.replace(SECRET_FLAG, '$1[redacted]') };
}

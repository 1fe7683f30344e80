import { ApprovalDeniedError } from '../errors.ts';
import type { MfaCodeFor } from './provider.ts';

/**
 * The MFA code a person gave for one request to `profile`, good for one STS call: a code is
 * single-use, so a chain that needs a second one is refused rather than failing at STS.
 */
export function oneTimeMfaCode(profile: string, code: string | undefined): MfaCodeFor {
  let used = false;
  return (serialNumber) => {
    if (!code || used) throw new ApprovalDeniedError(profile, `an MFA code for ${serialNumber} is needed and none was given`);
    used = true;
    return { serialNumber, tokenCode: code };
  };
}

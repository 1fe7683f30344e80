import { ApprovalDeniedError } from '../errors.ts';
import type { MfaCodeFor } from './provider.ts';

/**
 * The MFA code a person gave for one request to `profile`, good for one STS call: a code is
 * single-use. A role assumed over a session that this walk minted with the same device's code
 * needs no second one (the session carries MFA, as with aws-vault), so it gets `undefined`; any
 * other second need is refused rather than failing at STS.
 */
export function oneTimeMfaCode(profile: string, code: string | undefined): MfaCodeFor {
  let used: { serial: string; hop: 'session' | 'role' } | undefined;
  return (serialNumber, hop = 'session') => {
    if (used?.hop === 'session' && hop === 'role' && used.serial === serialNumber) return undefined;
    if (!code || used)
      throw new ApprovalDeniedError(profile, `an MFA code for ${serialNumber} is needed and none was given`);
    used = { serial: serialNumber, hop };
    return { serialNumber, tokenCode: code };
  };
}

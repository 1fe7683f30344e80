import { parse } from 'ini';
import type { SsoSource } from '../profiles/sso-schema.ts';

type Section = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * The IAM Identity Center settings of `profile` in an AWS config file: its own `sso_*` keys, or
 * those of the `[sso-session NAME]` section it names (the AWS CLI v2 layout). Undefined when
 * the profile has none; an error message when they are incomplete.
 */
export function ssoSourceFromConfig(configText: string, profile: string): SsoSource | string | undefined {
  const sections = parse(configText) as Record<string, Section>;
  const p =
    sections[profile === 'default' ? 'default' : `profile ${profile}`] ??
    (profile === 'default' ? sections['profile default'] : undefined);
  if (!p) return undefined;
  const sessionName = text(p.sso_session);
  const session = sessionName ? sections[`sso-session ${sessionName}`] : undefined;
  if (sessionName && !session)
    return `profile "${profile}" names sso_session ${sessionName}, but there is no [sso-session ${sessionName}] section`;
  const startUrl = text(session?.sso_start_url) ?? text(p.sso_start_url);
  const region = text(session?.sso_region) ?? text(p.sso_region);
  const accountId = text(p.sso_account_id);
  const roleName = text(p.sso_role_name);
  if (!startUrl && !accountId && !roleName) return undefined;
  const missing = Object.entries({
    sso_start_url: startUrl,
    sso_region: region,
    sso_account_id: accountId,
    sso_role_name: roleName,
  })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length) return `profile "${profile}" lacks ${missing.join(', ')}`;
  return {
    kind: 'sso',
    startUrl: startUrl!,
    region: region!,
    accountId: accountId!,
    roleName: roleName!,
    ...(sessionName ? { session: sessionName } : {}),
  };
}

/** Names of the profiles in an AWS config file that sign in with IAM Identity Center. */
export function ssoProfileNames(configText: string): string[] {
  const sections = parse(configText) as Record<string, Section>;
  return Object.entries(sections)
    .filter(
      ([, s]) =>
        typeof s === 'object' &&
        s !== null &&
        (text(s.sso_session) ?? text(s.sso_start_url) ?? text(s.sso_account_id)) !== undefined,
    )
    .map(([name]) => name.replace(/^profile /, ''))
    .filter((name) => !name.startsWith('sso-session '));
}

/**
 * What `exec` and `export` hand a child or a shell: the AWS variables every SDK reads, and the
 * variable that names the profile (it also marks a nested `exec`). Pure: no I/O.
 */
import type { CredentialProcessDocument } from '../../../common/credential-process.ts';
import { UsageError } from '../../core/errors.ts';

/** Names the profile inside `tray-cred exec`; its presence refuses a nested exec. */
export const EXEC_PROFILE_VAR = 'TRAY_CRED_EXEC_PROFILE';

/** Variables a child must not inherit: they would point the SDK at other credentials than ours. */
const STALE = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
];

/** Refuses `exec` inside `exec` unless asked: the inner one would run under the outer profile's name. */
export function checkNesting(env: NodeJS.ProcessEnv, profile: string, allowNested: boolean): void {
  const outer = env[EXEC_PROFILE_VAR];
  if (outer && !allowNested) {
    throw new UsageError(
      `already inside \`tray-cred exec ${outer}\` (${EXEC_PROFILE_VAR} is set): exit that shell before running ${profile}, or pass --allow-nested`,
    );
  }
}

/** The variables for credentials in the environment. */
export function credentialVars(
  profile: string,
  c: CredentialProcessDocument,
  region: string | undefined,
): Record<string, string> {
  const vars: Record<string, string> = { AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey };
  if (c.SessionToken) vars.AWS_SESSION_TOKEN = c.SessionToken;
  if (c.Expiration) vars.AWS_CREDENTIAL_EXPIRATION = c.Expiration;
  if (region) Object.assign(vars, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  vars[EXEC_PROFILE_VAR] = profile;
  return vars;
}

/** The variables that point an SDK at a local credential endpoint instead. */
export function endpointVars(
  profile: string,
  url: string,
  token: string,
  region: string | undefined,
): Record<string, string> {
  const vars: Record<string, string> = {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
  };
  if (region) Object.assign(vars, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  vars[EXEC_PROFILE_VAR] = profile;
  return vars;
}

/** The parent's environment without stale AWS credentials, plus `vars`. */
export function childEnv(parent: NodeJS.ProcessEnv, vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent };
  for (const name of STALE) delete env[name];
  return { ...env, ...vars };
}

export const EXPORT_FORMATS = ['env', 'json', 'powershell', 'fish'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const single = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
const fishQuote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const psQuote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** Lines a shell evaluates (`eval "$(tray-cred export prod)"`), or JSON for scripts. */
export function formatExport(vars: Record<string, string>, format: ExportFormat): string {
  const entries = Object.entries(vars);
  switch (format) {
    case 'env':
      return entries.map(([k, v]) => `export ${k}=${single(v)}\n`).join('');
    case 'fish':
      return entries.map(([k, v]) => `set -gx ${k} ${fishQuote(v)};\n`).join('');
    case 'powershell':
      return entries.map(([k, v]) => `$env:${k} = ${psQuote(v)}\n`).join('');
    case 'json':
      return `${JSON.stringify(vars)}\n`;
  }
}

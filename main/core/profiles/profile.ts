import * as z from 'zod/mini';
import { credentialProblem, MAX_SECRET_ACCESS_KEY, MAX_SESSION_TOKEN } from '../../../common/credentials.ts';
import { ACCESS_KEY_ID, PROFILE_NAME, RESERVED_PROFILE_NAME } from '../../../common/names.ts';
import { isPolicy, MAX_REMEMBER_MINUTES, POLICIES, type Policy } from '../../../common/policy.ts';
import { UsageError } from '../errors.ts';
import { parseExpiration } from './expiration.ts';
import { ENGLISH } from '../zod-english.ts';
import { fieldProblem } from './profile-messages.ts';
import { rotationIntentSchema } from './rotation-intent.ts';
import { ssoSourceSchema, ssoTokenSchema } from './sso-schema.ts';

export type { Policy };

/** Where a profile's credentials come from when it holds no keys of its own. */
const roleSourceSchema = z.object({
  kind: z.literal('role'),
  roleArn: z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/)),
  sourceProfile: z.string().check(z.regex(PROFILE_NAME)),
  mfaSerial: z.optional(z.string().check(z.minLength(9), z.maxLength(256))),
  externalId: z.optional(z.string().check(z.regex(/^[\w+=,.@:/-]{2,1224}$/))),
  durationSeconds: z.optional(z.int().check(z.gte(900), z.lte(43_200))),
  roleSessionName: z.optional(z.string().check(z.regex(/^[\w+=,.@-]{2,64}$/))),
});
const commandSourceSchema = z.object({
  kind: z.literal('command'),
  /** Run with the platform shell, like credential_process itself. */
  command: z.string().check(z.minLength(1), z.maxLength(4096)),
  timeoutSeconds: z.optional(z.int().check(z.gte(1), z.lte(600))),
});
export type RoleSource = z.infer<typeof roleSourceSchema>;
export type CommandSource = z.infer<typeof commandSourceSchema>;

/** STS settings of a profile: session mode (GetSessionToken over the stored keys), MFA, region, endpoint. */
const stsSettingsSchema = z.object({
  sessionMode: z.boolean(),
  durationSeconds: z.int().check(z.gte(900), z.lte(129_600)),
  mfaSerial: z.optional(z.string().check(z.minLength(9), z.maxLength(256))),
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/))),
  endpoint: z.optional(z.url()),
});
export type StsSettings = z.infer<typeof stsSettingsSchema>;

/** One profile as the vault stores it, secrets included. Never leaves the agent except as credential_process JSON. */
export const profileRecordSchema = z
  .object({
    accessKeyId: z.optional(z.string().check(z.regex(ACCESS_KEY_ID))),
    secretAccessKey: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_SECRET_ACCESS_KEY))),
    sessionToken: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_SESSION_TOKEN))),
    /** ISO 8601; only for session credentials. */
    expiration: z.optional(z.iso.datetime({ offset: true })),
    source: z.optional(z.discriminatedUnion('kind', [roleSourceSchema, commandSourceSchema, ssoSourceSchema])),
    /** The IAM Identity Center sign-in of an `sso` profile. */
    ssoToken: z.optional(ssoTokenSchema),
    sts: z.optional(stsSettingsSchema),
    policy: z.enum(POLICIES),
    rememberMinutes: z.int().check(z.gte(0), z.lte(MAX_REMEMBER_MINUTES)),
    /** A prompt may offer "any caller for N minutes" (off by default; `tray-cred policy P ask --any-caller`). */
    anyCaller: z.optional(z.boolean()),
    /** Tell the user (a system notification in the tray app) of every access served without asking. */
    notify: z.optional(z.boolean()),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    lastUsedAt: z.optional(z.iso.datetime({ offset: true })),
    /** When the stored access key was made (by `rotate`) or stored (by add, import); absent for keys stored before tray-cred knew. */
    keyCreatedAt: z.optional(z.iso.datetime({ offset: true })),
    /** `list`, `doctor` and the tray flag the key once it is older than this. */
    rotateAfterDays: z.optional(z.int().check(z.gte(1), z.lte(3650))),
    /** A rotation under way (rotation-intent.ts). */
    rotation: z.optional(rotationIntentSchema),
  })
  .check(
    z.refine((p) => p.source !== undefined || (p.accessKeyId !== undefined && p.secretAccessKey !== undefined), {
      message: 'a profile holds keys or names a source',
    }),
  );
export type ProfileRecord = z.infer<typeof profileRecordSchema>;

/** Stands where a session token is in what the agent keeps between requests: the token itself stays encrypted. */
export const SEALED = '(sealed in the vault)';

/** A profile as the agent keeps it between requests (issue 12): no secret key, no session token. */
export type ProfileMeta = Omit<ProfileRecord, 'secretAccessKey' | 'sessionToken'> & { sessionToken?: typeof SEALED };

/** The profiles without their secrets, in a prototype-free object like the vault's. */
export function withoutSecrets(profiles: Readonly<Record<string, ProfileRecord>>): Record<string, ProfileMeta> {
  const out = Object.create(null) as Record<string, ProfileMeta>;
  for (const [name, p] of Object.entries(profiles)) {
    const rest: ProfileMeta & { secretAccessKey?: string } = {
      ...p,
      sessionToken: p.sessionToken === undefined ? undefined : SEALED,
    };
    delete rest.secretAccessKey;
    if (rest.sessionToken === undefined) delete rest.sessionToken;
    out[name] = rest;
  }
  return out;
}

/** What `list` and every front end may see of a profile: no key, no secret. */
export interface ProfileSummary {
  name: string;
  /** keys: stored keys; role: an assumed role; command: an external credential command; sso: an IAM Identity Center role. */
  kind: 'keys' | 'role' | 'command' | 'sso';
  accessKeyIdSuffix: string;
  hasSessionToken: boolean;
  /** Session mode: the CLI gets STS session credentials, never the stored keys. */
  sessionMode: boolean;
  mfa: boolean;
  /** For role profiles: the role and its source profile. */
  roleArn: string | undefined;
  sourceProfile: string | undefined;
  expiration: string | undefined;
  policy: Policy;
  rememberMinutes: number;
  /** Prompts may offer "any caller for N minutes". */
  anyCaller: boolean;
  /** A notification is shown for each access served without asking. */
  notify: boolean;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | undefined;
  /** When the stored key was made or stored (else when the profile was). */
  keyCreatedAt?: string | undefined;
  rotateAfterDays?: number | undefined;
  /** A rotation was cut off and waits for `tray-cred rotate` or `doctor` to finish it. */
  rotationPending?: boolean | undefined;
  /** Identity Center profiles: when the sign-in ends as far as tray-cred can tell; absent when there is none. */
  ssoSignedInUntil?: string | undefined;
}

export function summarize(name: string, p: ProfileRecord): ProfileSummary {
  return {
    name,
    kind: p.source?.kind ?? 'keys',
    // The last four characters are what the AWS console shows too; they identify, they do not authorise.
    accessKeyIdSuffix: p.accessKeyId?.slice(-4) ?? '',
    hasSessionToken: p.sessionToken !== undefined,
    sessionMode: p.sts?.sessionMode ?? false,
    mfa: Boolean(p.sts?.mfaSerial ?? (p.source?.kind === 'role' ? p.source.mfaSerial : undefined)),
    roleArn: p.source?.kind === 'role' ? p.source.roleArn : undefined,
    sourceProfile: p.source?.kind === 'role' ? p.source.sourceProfile : undefined,
    expiration: p.expiration,
    policy: p.policy,
    rememberMinutes: p.rememberMinutes,
    anyCaller: p.anyCaller ?? false,
    notify: p.notify ?? false,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastUsedAt: p.lastUsedAt,
    keyCreatedAt: keyCreatedAt(p),
    rotateAfterDays: p.rotateAfterDays,
    rotationPending: p.rotation !== undefined,
    ssoSignedInUntil: ssoUntil(p),
  };
}

/** When the sign-in of an Identity Center profile ends, as far as tray-cred can tell (the refresh token may end sooner). */
export function ssoUntil(p: Pick<ProfileRecord, 'ssoToken'>): string | undefined {
  const t = p.ssoToken;
  return t ? (t.refreshToken ? t.clientSecretExpiresAt : t.expiresAt) : undefined;
}

/** When a profile's long-term key was made or stored; undefined for temporary keys and sources. */
function keyCreatedAt(p: ProfileRecord): string | undefined {
  return p.accessKeyId && !p.sessionToken ? (p.keyCreatedAt ?? p.createdAt) : undefined;
}

/**
 * Whether a profile hands out its stored long-term key itself (stored keys, no session token, no
 * session mode): exec, export and serve refuse it unless told `--long-term-key`.
 */
export function servesLongTermKey(p: ProfileRecord): boolean {
  return p.source === undefined && p.accessKeyId !== undefined && !p.sessionToken && p.sts?.sessionMode !== true;
}

/** Why exec, export and serve refused a long-term key, and the two ways on. */
export function longTermKeyRefusal(profile: string): string {
  return `the profile serves its long-term key, which exec, export and serve hand out only with --long-term-key: turn on session mode with \`tray-cred sts ${profile} --session-mode on\` (recommended) or pass --long-term-key`;
}

/** Whole days since the stored key was made, or undefined for a profile without long-term keys. */
export function keyAgeDays(s: Pick<ProfileSummary, 'keyCreatedAt'>, now: number): number | undefined {
  return s.keyCreatedAt === undefined ? undefined : Math.floor((now - Date.parse(s.keyCreatedAt)) / 86_400_000);
}

/** True when the key is older than the profile's rotate_after_days. */
export function keyOverdue(s: Pick<ProfileSummary, 'keyCreatedAt' | 'rotateAfterDays'>, now: number): boolean {
  const age = keyAgeDays(s, now);
  return age !== undefined && s.rotateAfterDays !== undefined && age >= s.rotateAfterDays;
}

/** Session mode is on by default for guarded profiles with long-term keys: the CLI then only ever sees STS session credentials. */
export function defaultSts(policy: Policy, hasSessionToken: boolean): StsSettings | undefined {
  return policy === 'ask' && !hasSessionToken ? { sessionMode: true, durationSeconds: 3600 } : undefined;
}

/** Profiles whose name says production are guarded by default; the rest are served without asking. */
export function defaultPolicy(name: string): Policy {
  return /prod/i.test(name) ? 'ask' : 'allow';
}

export function checkProfileName(name: string): string {
  // JavaScript gives `__proto__` a meaning of its own, so no earlier build could store it: refused at the door.
  if (name === RESERVED_PROFILE_NAME)
    throw new UsageError(`"${RESERVED_PROFILE_NAME}" is not a usable profile name: choose another name`);
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(
      `"${name}" is not a usable profile name: use 1-128 characters of A-Z a-z 0-9 _ . + = , @ : - (not starting with a punctuation mark)`,
    );
  }
  return name;
}

export function checkPolicy(value: string): Policy {
  if (!isPolicy(value))
    throw new UsageError(`"${value}" is not a policy: use ${POLICIES.slice(0, -1).join(', ')} or ${POLICIES.at(-1)}`);
  return value;
}

export function checkRememberMinutes(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_REMEMBER_MINUTES) {
    throw new UsageError(`--remember takes whole minutes from 0 to ${MAX_REMEMBER_MINUTES}`);
  }
  return value;
}

/** The keys as a user hands them over (import, add). */
export interface NewCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiration?: string | undefined;
}

/**
 * Checks keys handed over by a user with the rule every layer shares (common/credentials.ts: trim,
 * then check) and returns them trimmed; the message never repeats the secret. With `now` (ms), an
 * expiration already past is refused (expiration.ts).
 */
export function checkCredentials(profile: string, c: NewCredentials, now?: number): NewCredentials {
  if (credentialProblem('accessKeyId', c.accessKeyId)) {
    throw new UsageError(
      `profile "${profile}": aws_access_key_id must be 16-128 capital letters and digits (like AKIA...)`,
    );
  }
  if (credentialProblem('secretAccessKey', c.secretAccessKey)) {
    throw new UsageError(`profile "${profile}": aws_secret_access_key is empty, too long or contains spaces`);
  }
  if (c.sessionToken !== undefined && credentialProblem('sessionToken', c.sessionToken)) {
    throw new UsageError(
      `profile "${profile}": aws_session_token is over ${MAX_SESSION_TOKEN / 1024} KiB or contains spaces: give the token alone, as AWS issued it`,
    );
  }
  const out: NewCredentials = { accessKeyId: c.accessKeyId.trim(), secretAccessKey: c.secretAccessKey.trim() };
  const token = c.sessionToken?.trim();
  if (token) out.sessionToken = token;
  if (c.expiration) out.expiration = parseExpiration(profile, c.expiration, now);
  return out;
}

/** Checks a profile about to be stored; the message names the field that is wrong. */
export function checkRecord(name: string, record: unknown): ProfileRecord {
  const parsed = profileRecordSchema.safeParse(record, ENGLISH);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const words = issue && fieldProblem(record, issue.path);
  if (words) throw new UsageError(`profile "${name}": ${words}`);
  const field = issue?.path.join('.') || 'profile';
  throw new UsageError(`profile "${name}": ${field} is not valid (${issue?.message ?? 'rejected'})`);
}

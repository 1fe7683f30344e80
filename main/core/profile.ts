import { z } from 'zod';
import { PROFILE_NAME } from '../../helper/protocol.ts';
import { UsageError } from './errors.ts';

/** What may happen when a client asks for a profile's credentials. */
export type Policy = 'allow' | 'ask' | 'deny';
export const POLICIES: readonly Policy[] = ['allow', 'ask', 'deny'];

/** The longest "remember for N minutes" grant: a day. */
export const MAX_REMEMBER_MINUTES = 24 * 60;

/** One profile as the vault stores it, secrets included. Never leaves the agent except as credential_process JSON. */
export const profileRecordSchema = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().min(1).max(1024),
  sessionToken: z.string().min(1).max(16 * 1024).optional(),
  /** ISO 8601; only for session credentials. */
  expiration: z.iso.datetime({ offset: true }).optional(),
  policy: z.enum(['allow', 'ask', 'deny']),
  rememberMinutes: z.number().int().min(0).max(MAX_REMEMBER_MINUTES),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  lastUsedAt: z.iso.datetime({ offset: true }).optional(),
});
export type ProfileRecord = z.infer<typeof profileRecordSchema>;

/** What `list` and every front end may see of a profile: no key, no secret. */
export interface ProfileSummary {
  name: string;
  accessKeyIdSuffix: string;
  hasSessionToken: boolean;
  expiration: string | undefined;
  policy: Policy;
  rememberMinutes: number;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | undefined;
}

export function summarize(name: string, p: ProfileRecord): ProfileSummary {
  return {
    name,
    // The last four characters are what the AWS console shows too; they identify, they do not authorise.
    accessKeyIdSuffix: p.accessKeyId.slice(-4),
    hasSessionToken: p.sessionToken !== undefined,
    expiration: p.expiration,
    policy: p.policy,
    rememberMinutes: p.rememberMinutes,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastUsedAt: p.lastUsedAt,
  };
}

/** Profiles whose name says production are guarded by default; the rest are served without asking. */
export function defaultPolicy(name: string): Policy {
  return /prod/i.test(name) ? 'ask' : 'allow';
}

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(`"${name}" is not a usable profile name: use 1-128 characters of A-Z a-z 0-9 _ . + = , @ : - (not starting with a punctuation mark)`);
  }
  return name;
}

export function checkPolicy(value: string): Policy {
  if (!POLICIES.includes(value as Policy)) throw new UsageError(`"${value}" is not a policy: use allow, ask or deny`);
  return value as Policy;
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

/** Checks keys handed over by a user; the message never repeats the secret. */
export function checkCredentials(profile: string, c: NewCredentials): NewCredentials {
  const id = c.accessKeyId.trim();
  const secret = c.secretAccessKey.trim();
  if (!/^[A-Z0-9]{16,128}$/.test(id)) {
    throw new UsageError(`profile "${profile}": aws_access_key_id must be 16-128 capital letters and digits (like AKIA...)`);
  }
  if (secret.length === 0 || secret.length > 1024 || /\s/.test(secret)) {
    throw new UsageError(`profile "${profile}": aws_secret_access_key is empty, too long or contains spaces`);
  }
  const out: NewCredentials = { accessKeyId: id, secretAccessKey: secret };
  const token = c.sessionToken?.trim();
  if (token) out.sessionToken = token;
  if (c.expiration) {
    const t = Date.parse(c.expiration);
    if (Number.isNaN(t)) throw new UsageError(`profile "${profile}": expiration "${c.expiration}" is not an ISO 8601 time`);
    out.expiration = new Date(t).toISOString();
  }
  return out;
}

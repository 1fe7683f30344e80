import { z } from 'zod';

/** An IAM Identity Center role as a profile's source: where to sign in, and which account and role to take. */
export const ssoSourceSchema = z.object({
  kind: z.literal('sso'),
  startUrl: z.url().max(512),
  /** The region of the Identity Center instance (its OIDC and portal endpoints). */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  accountId: z.string().regex(/^\d{12}$/),
  roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  /** The `sso-session` section it came from, if any (shown only). */
  session: z.string().max(128).optional(),
});
export type SsoSource = z.infer<typeof ssoSourceSchema>;

/**
 * The tokens of a sign-in, kept only inside the encrypted vault (and refreshed copies in the
 * agent's memory), never in ~/.aws/sso/cache. The client registration is what refreshing needs.
 */
export const ssoTokenSchema = z.object({
  accessToken: z
    .string()
    .min(1)
    .max(16 * 1024),
  /** ISO 8601. */
  expiresAt: z.iso.datetime({ offset: true }),
  refreshToken: z
    .string()
    .min(1)
    .max(16 * 1024)
    .optional(),
  clientId: z.string().min(1).max(1024),
  clientSecret: z
    .string()
    .min(1)
    .max(16 * 1024),
  /** ISO 8601: past this the registration, and so the refresh, is void. */
  clientSecretExpiresAt: z.iso.datetime({ offset: true }),
});
export type SsoToken = z.infer<typeof ssoTokenSchema>;

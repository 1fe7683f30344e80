import * as z from 'zod/mini';

/** An IAM Identity Center role as a profile's source: where to sign in, and which account and role to take. */
export const ssoSourceSchema = z.object({
  kind: z.literal('sso'),
  startUrl: z.url().check(z.maxLength(512)),
  /** The region of the Identity Center instance (its OIDC and portal endpoints). */
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/)),
  accountId: z.string().check(z.regex(/^\d{12}$/)),
  roleName: z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)),
  /** The `sso-session` section it came from, if any (shown only). */
  session: z.optional(z.string().check(z.maxLength(128))),
});
export type SsoSource = z.infer<typeof ssoSourceSchema>;

/**
 * The tokens of a sign-in, kept only inside the encrypted vault (and refreshed copies in the
 * agent's memory), never in ~/.aws/sso/cache. The client registration is what refreshing needs.
 */
export const ssoTokenSchema = z.object({
  accessToken: z.string().check(z.minLength(1), z.maxLength(16 * 1024)),
  /** ISO 8601. */
  expiresAt: z.iso.datetime({ offset: true }),
  refreshToken: z.optional(z.string().check(z.minLength(1), z.maxLength(16 * 1024))),
  clientId: z.string().check(z.minLength(1), z.maxLength(1024)),
  clientSecret: z.string().check(z.minLength(1), z.maxLength(16 * 1024)),
  /** ISO 8601: past this the registration, and so the refresh, is void. */
  clientSecretExpiresAt: z.iso.datetime({ offset: true }),
});
export type SsoToken = z.infer<typeof ssoTokenSchema>;

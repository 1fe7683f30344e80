import * as z from 'zod/mini';
import { MAX_SECRET_ACCESS_KEY } from '../../../common/credentials.ts';
import { ACCESS_KEY_ID } from '../../../common/names.ts';

/**
 * A key rotation under way, written into the profile in the vault before each remote call, so
 * that a crash between any two calls leaves the vault with a working key and this record says
 * what is left to do (`tray-cred rotate` or `doctor` finishes or undoes it).
 *
 * - `creating`: the profile's key is the old one; CreateAccessKey may have run, but its secret
 *   never reached the vault, so any key it made is useless and is deleted.
 * - `verifying`: the new key (secret included) is stored here; the profile still serves the old one.
 * - `deleting`: the profile serves the new key, proven to work; the old key is deleted.
 */
export const rotationIntentSchema = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('creating'),
    oldKeyId: z.string().check(z.regex(ACCESS_KEY_ID)),
    startedAt: z.iso.datetime({ offset: true }),
  }),
  z.object({
    step: z.literal('verifying'),
    oldKeyId: z.string().check(z.regex(ACCESS_KEY_ID)),
    startedAt: z.iso.datetime({ offset: true }),
    newKeyId: z.string().check(z.regex(ACCESS_KEY_ID)),
    newSecret: z.string().check(z.minLength(1), z.maxLength(MAX_SECRET_ACCESS_KEY)),
    newCreatedAt: z.iso.datetime({ offset: true }),
  }),
  z.object({
    step: z.literal('deleting'),
    oldKeyId: z.string().check(z.regex(ACCESS_KEY_ID)),
    startedAt: z.iso.datetime({ offset: true }),
  }),
]);
export type RotationIntent = z.infer<typeof rotationIntentSchema>;

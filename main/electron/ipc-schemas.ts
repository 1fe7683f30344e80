import * as z from 'zod/mini';
import {
  credentialProblem,
  MAX_SECRET_ACCESS_KEY,
  MAX_SESSION_TOKEN,
  type CredentialField,
} from '../../common/credentials.ts';
import { DECISIONS } from '../../common/decision.ts';
import { MAX_REMEMBER_MINUTES, POLICIES } from '../../common/policy.ts';
import { APPROVAL_SCOPE_KINDS } from '../../common/decision.ts';
import { CHANNELS, MAX_PAGE, MAX_TIMELINE_BUCKETS } from '../../preload/api.ts';

/**
 * The arguments each invoke channel accepts, as the preload passes them to
 * `ipcRenderer.invoke(channel, ...args)`: the TrayCredApi method's own parameters, in order.
 * Shapes and bounds only, but for the keys, checked by the rule the form and the core share; the
 * other formats (profile names) are checked by the core, whose messages say how to fix them.
 */

const time = z.string().check(
  z.maxLength(40),
  z.refine((s) => s === '' || !Number.isNaN(Date.parse(s)), { message: 'not an ISO 8601 time' }),
);

const historyFilter = z.strictObject({
  profile: z.optional(z.string().check(z.maxLength(128))),
  decision: z.optional(z.enum(DECISIONS)),
  text: z.optional(z.string().check(z.maxLength(256))),
  from: z.optional(time),
  to: z.optional(time),
  events: z.optional(z.enum(['access', 'all'])),
});

const name = z.string().check(z.minLength(1), z.maxLength(128));
const policy = z.enum(POLICIES);
const rememberMinutes = z.int().check(z.gte(0), z.lte(MAX_REMEMBER_MINUTES));

/** What each key field must be, for the BAD_REQUEST message (the form says it first, in its own words). */
const CREDENTIAL_RULE: Record<CredentialField, string> = {
  accessKeyId: '16-128 capital letters and digits',
  secretAccessKey: `1-${MAX_SECRET_ACCESS_KEY} characters, no spaces`,
  sessionToken: `at most ${MAX_SESSION_TOKEN} characters, no spaces`,
};

/** A key field, checked by the rule the form and the core apply (common/credentials.ts: trim, then check), so none of the three refuses what another takes. */
const credential = (field: CredentialField) =>
  z
    .string()
    .check(z.refine((value) => credentialProblem(field, value) === undefined, { message: CREDENTIAL_RULE[field] }));

const profileInput = z.strictObject({
  name,
  accessKeyId: credential('accessKeyId'),
  secretAccessKey: credential('secretAccessKey'),
  sessionToken: z.optional(credential('sessionToken')),
  policy,
  rememberMinutes,
  notify: z.boolean(),
  replace: z.boolean(),
});

const policyInput = z.strictObject({ name, policy, rememberMinutes, notify: z.boolean() });

/** The code's six digits are checked again where the answer is built (approval-view.ts), with a message. */
const approvalChoice = z.strictObject({
  id: z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER)),
  allow: z.boolean(),
  scope: z.enum(APPROVAL_SCOPE_KINDS),
  mfaCode: z.optional(z.string().check(z.maxLength(16))),
});

/** Per invoke channel, the tuple of its arguments. A channel missing here is not handled. */
export const PAYLOADS = {
  [CHANNELS.stateGet]: z.tuple([]),
  [CHANNELS.stateUnlock]: z.tuple([]),
  [CHANNELS.historyQuery]: z.tuple([
    historyFilter,
    z.int().check(z.gte(0), z.lte(100_000_000)),
    z.int().check(z.gte(0), z.lte(MAX_PAGE)),
  ]),
  [CHANNELS.historyVerify]: z.tuple([]),
  [CHANNELS.historyExport]: z.tuple([historyFilter, z.enum(['csv', 'json'])]),
  [CHANNELS.historyTimeline]: z.tuple([historyFilter, z.int().check(z.gte(1), z.lte(MAX_TIMELINE_BUCKETS))]),
  [CHANNELS.historyEntry]: z.tuple([z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER))]),
  [CHANNELS.historyActivity]: z.tuple([]),
  [CHANNELS.profilesList]: z.tuple([]),
  [CHANNELS.profilesSave]: z.tuple([profileInput]),
  [CHANNELS.profilesRemove]: z.tuple([name]),
  [CHANNELS.profilesSetPolicy]: z.tuple([policyInput]),
  [CHANNELS.profilesImport]: z.tuple([]),
  [CHANNELS.profilesRotate]: z.tuple([name]),
  [CHANNELS.controlMenu]: z.tuple([]),
  [CHANNELS.controlClick]: z.tuple([
    z.array(z.int().check(z.gte(0), z.lte(999))).check(z.minLength(1), z.maxLength(4)),
    z.string().check(z.maxLength(500)),
  ]),
  [CHANNELS.approvalGet]: z.tuple([]),
  [CHANNELS.approvalAnswer]: z.tuple([approvalChoice]),
} as const;

/** The channels only the approval window may call; the other windows may call all the rest and none of these. */
export const APPROVAL_CHANNELS: ReadonlySet<string> = new Set([CHANNELS.approvalGet, CHANNELS.approvalAnswer]);

/** The channels the page invokes (every channel but the `*:changed` pushes). */
export type InvokeChannel = keyof typeof PAYLOADS;

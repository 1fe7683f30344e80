import type { ProfileRecord } from '../../../main/core/profiles/profile.ts';

/** A stored profile as the vault would hold it, for the provider tests; `extra` sets the parts a test is about. */
export function profile(extra: Partial<ProfileRecord> = {}): ProfileRecord {
  return {
    policy: 'allow',
    rememberMinutes: 0,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...extra,
  };
}

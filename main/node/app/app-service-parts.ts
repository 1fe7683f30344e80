/**
 * Pieces of AppService (app-service.ts) kept apart to keep each file small: a profile as the
 * windows see it, and the chain's verification for the History window's banner.
 */
import type { ChainStatus, ProfileView } from '../../../preload/api.ts';
import type { AuditLog } from '../../core/audit/audit-log.ts';
import { verifyAuditLog } from '../../core/audit/audit-verify.ts';
import { TrayCredError } from '../../core/errors.ts';
import type { FileSystem } from '../../core/ports/ports.ts';
import type { ProfileSummary } from '../../core/profiles/profile.ts';
import type { Vault } from '../../core/vault/vault.ts';

/** A profile's metadata as the windows show it: never a key. */
export function profileView(p: ProfileSummary): ProfileView {
  return {
    name: p.name,
    kind: p.kind,
    accessKeyIdSuffix: p.accessKeyIdSuffix,
    sessionMode: p.sessionMode,
    mfa: p.mfa,
    roleArn: p.roleArn ?? null,
    sourceProfile: p.sourceProfile ?? null,
    policy: p.policy,
    rememberMinutes: p.rememberMinutes,
    notify: p.notify,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastUsedAt: p.lastUsedAt ?? null,
    keyCreatedAt: p.keyCreatedAt ?? null,
    rotateAfterDays: p.rotateAfterDays ?? null,
  };
}

/** Verifies the whole chain with the audit key, zeroed after; `unavailable` when the key cannot be read. */
export async function verifyChain(deps: { vault: Vault; audit: AuditLog; fs: FileSystem }): Promise<ChainStatus> {
  const { vault, audit, fs } = deps;
  let key: Buffer;
  try {
    key = await vault.loadAuditKey();
  } catch (error) {
    if (error instanceof TrayCredError) return { state: 'unavailable', reason: error.message };
    throw error;
  }
  try {
    const report = await verifyAuditLog(fs, audit.dir, key, { requireEntries: await vault.exists(), anchor: await audit.readAnchor() });
    const p = report.problem;
    if (report.ok || !p) return { state: 'verified', entries: report.entries };
    return { state: 'tampered', entries: report.entries, seq: p.seq ?? null, file: p.file, line: p.line, reason: p.reason };
  } finally {
    key.fill(0);
  }
}

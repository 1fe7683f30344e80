/**
 * Access entries as the agent writes them once callers are verified and approvals scoped: the
 * `verified` and `approval` fields (common/caller.ts, the approval contract) added to what
 * AuditInput types today. Shared by the history tests, the CLI tests and the bench.
 */
import type { AuditInput } from '../../main/core/audit/audit-codec.ts';

export interface AccessSpec {
  profile: string;
  decision: NonNullable<AuditInput['decision']>;
  /** The verified requester's executable; none for an unverified caller. */
  exe?: string;
  served?: AuditInput['served'];
  credentialId?: string;
  sessionName?: string;
  approval?: { scope: 'once' | 'run' | 'program-folder' | 'any'; grant: string };
  reason?: string;
  requestId?: string;
  command?: string;
}

/** One access entry: the claim always, the verified caller when `exe` is given. */
export function accessInput(spec: AccessSpec): AuditInput {
  const command = spec.command ?? `${spec.exe ?? 'aws'} s3 ls --profile ${spec.profile}`;
  const input: AuditInput & Record<string, unknown> = {
    event: 'access',
    profile: spec.profile,
    decision: spec.decision,
    caller: { pid: 4242, ppid: 4241, command, cwd: '/home/ann/infra' },
    durationMs: 3,
    requestId: spec.requestId ?? `req-${Math.random().toString(36).slice(2, 10)}`,
  };
  if (spec.served) input.served = spec.served;
  if (spec.credentialId) input.credentialId = spec.credentialId;
  if (spec.sessionName) input.sessionName = spec.sessionName;
  if (spec.reason) input.reason = spec.reason;
  if (spec.approval) input.approval = spec.approval;
  if (spec.exe) {
    input.verified = {
      method: 'SO_PEERCRED',
      peer: { pid: 5000, uid: 1000 },
      requester: { pid: 4242, startTime: '123456', exe: spec.exe, argv: [spec.exe, 'plan'], cwd: '/home/ann/infra' },
      ancestry: [
        { pid: 4241, exe: '/usr/bin/bash', argv: ['bash'] },
        { pid: 1200, exe: '/usr/lib/systemd/systemd', argv: ['/usr/lib/systemd/systemd', '--user'] },
      ],
    };
  }
  return input;
}

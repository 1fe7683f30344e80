import type { VerifiedCaller } from '../../common/caller.ts';

/**
 * A verified caller as the verify branch's peer-credentials reader builds it (SO_PEERCRED and
 * /proc): for core tests, which hand it to the broker as the socket layer will.
 */
export function verifiedCaller(
  over: { pid?: number; startTime?: string; exe?: string; cwd?: string; argv?: string[] } = {},
): VerifiedCaller {
  const pid = over.pid ?? 5000;
  return {
    method: 'SO_PEERCRED',
    peer: { pid: pid + 1, uid: 1000 },
    requester: {
      pid,
      startTime: over.startTime ?? '123456',
      exe: over.exe ?? '/usr/bin/python3.13',
      argv: over.argv ?? ['python3', 'deploy.py'],
      cwd: over.cwd ?? '/home/ann/infra',
    },
    ancestry: [{ pid: 1, exe: '/usr/lib/systemd/systemd', argv: ['systemd', '--user'] }],
  };
}

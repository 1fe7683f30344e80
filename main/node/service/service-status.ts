import { readFile } from 'node:fs/promises';
import { parseStatusResult } from '../../../helper/wire.ts';
import { AgentClient } from '../client/agent-client.ts';
import { thisCommandAsCaller } from '../client/this-process.ts';
import { LAUNCHD_LABEL } from './launchd-plist.ts';
import { managerAnswers, type ServiceOptions } from './service-manager.ts';
import { serviceFiles } from './service-files.ts';
import { SERVICE_UNIT, SOCKET_UNIT } from './systemd-units.ts';

/** What `tray-cred service status` reports, one fact per field. */
export interface ServiceStatus {
  files: { path: string; installed: boolean }[];
  /** null: no service manager answered, so it is not known. */
  enabled: string | null;
  active: string | null;
  /** The pid of the agent that answered on the socket, or null. */
  agentPid: number | null;
}

/** The pid of the agent that answers `status`; null for any failure, which the report states as "none answers". */
function agentPid(socket: string): Promise<number | null> {
  return new AgentClient({ socket, caller: thisCommandAsCaller() })
    .call({ op: 'status' }, (r) => parseStatusResult(r).agentPid)
    .catch(() => null);
}

export async function serviceStatus({ place, run }: ServiceOptions): Promise<ServiceStatus> {
  const files = [];
  for (const { path } of serviceFiles(place, [])) {
    files.push({
      path,
      installed: await readFile(path).then(
        () => true,
        () => false,
      ),
    });
  }
  let enabled: string | null = null;
  let active: string | null = null;
  if (await managerAnswers(place, run)) {
    if (place.platform === 'darwin') {
      const r = await run(['launchctl', 'print', `gui/${place.uid}/${LAUNCHD_LABEL}`]);
      enabled = r.status === 0 ? 'loaded' : 'not loaded';
      active = /state = running/.test(r.stdout) ? 'running' : 'not running';
    } else {
      enabled = (await run(['systemctl', '--user', 'is-enabled', SOCKET_UNIT])).stdout.trim() || 'unknown';
      const socket = (await run(['systemctl', '--user', 'is-active', SOCKET_UNIT])).stdout.trim();
      const service = (await run(['systemctl', '--user', 'is-active', SERVICE_UNIT])).stdout.trim();
      active = `socket ${socket || 'unknown'}, agent ${service || 'unknown'}`;
    }
  }
  return { files, enabled, active, agentPid: await agentPid(place.socket) };
}

export function describeStatus(s: ServiceStatus, socket: string): string {
  return [
    ...s.files.map((f) => `${f.installed ? 'installed' : 'not installed'}: ${f.path}`),
    `enabled: ${s.enabled ?? 'unknown (no service manager answers here)'}`,
    `active: ${s.active ?? 'unknown (no service manager answers here)'}`,
    s.agentPid === null ? `agent: none answers on ${socket}` : `agent: ${s.agentPid} answers on ${socket}`,
    '',
  ].join('\n');
}

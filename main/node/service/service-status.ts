import { readFile } from 'node:fs/promises';
import { sendRequest } from '../../../helper/client.ts';
import { PROTOCOL_VERSION, parseStatusResult } from '../../../helper/wire.ts';
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

async function agentPid(socket: string): Promise<number | null> {
  try {
    const r = await sendRequest(socket, { v: PROTOCOL_VERSION, id: `service-status-${process.pid}`, op: 'status' }, 5_000);
    return r.ok ? parseStatusResult(r.result).agentPid : null;
  } catch {
    return null;
  }
}

export async function serviceStatus({ place, run }: ServiceOptions): Promise<ServiceStatus> {
  const files = [];
  for (const { path } of serviceFiles(place, [])) {
    files.push({ path, installed: await readFile(path).then(() => true, () => false) });
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

/**
 * The launchd agent that runs the headless agent on macOS: started at login and kept alive,
 * its stderr in ~/Library/Logs. Pure: the caller says where everything is.
 */

export const LAUNCHD_LABEL = 'io.github.tray-cred.agent';

export interface PlistPlace {
  home: string;
  node: string;
  script: string;
  agentArgs: readonly string[];
  /** Passed as TRAY_CRED_HOME so the agent finds the vault the CLI uses. */
  dataDir: string;
  socketOverride: string | undefined;
}

/** ~/Library/LaunchAgents/<label>.plist */
export function plistPath(home: string): string {
  return `${home}/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const string = (text: string): string => `<string>${xml(text)}</string>`;

export function launchdPlist(place: PlistPlace): string {
  const env: [string, string][] = [['TRAY_CRED_HOME', place.dataDir]];
  if (place.socketOverride) env.push(['TRAY_CRED_SOCKET', place.socketOverride]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[place.node, place.script, 'agent', ...place.agentArgs].map((a) => `    ${string(a)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...env.map(([k, v]) => `    <key>${xml(k)}</key>${string(v)}`),
    '  </dict>',
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key><true/>',
    '  <key>ProcessType</key>' + string('Background'),
    `  <key>StandardErrorPath</key>${string(`${place.home}/Library/Logs/tray-cred-agent.log`)}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
